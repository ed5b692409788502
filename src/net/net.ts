/**
 * Net: a topology brought up with a set of kinds, the way Mininet's Mininet
 * object is (`start`, `stop`, `get`, `host.cmd`). It plans every node, link
 * and switch, hands them to their kinds in groups (so kinds can batch),
 * records every resource in the state file before it is made, and on any
 * failure — or on stop() — takes down everything it made.
 */
import * as fs from "node:fs";
import { AbortedError, HynetError, UsageError } from "../errors.js";
import { logger } from "../events.js";
import type { Sys } from "../sys/index.js";
import { netnsExists } from "../sys/netns.js";
import type { HostRole, HostSpec, Topology } from "../topo/model.js";
import {
  DEFAULT_KINDS,
  type CmdOptions,
  type CmdResult,
  type IntfPlan,
  type Kinds,
  type LinkPlan,
  type NetContext,
  type NodeInfo,
  type NodePlan,
  type Resource,
  type SwitchPlan,
} from "./kinds.js";
import { linkKind, nodeKind, switchKind } from "./registry.js";
import { applyImpairments, hostImpairmentProblem, LinkQdiscMissingError, type ImpairTarget } from "./impair.js";
import type { Impairment } from "../topo/impair.js";
import { machineFacts } from "../sys/proc.js";
import { cleanRecords } from "./clean.js";
import { listStates, ownerAliveOrDetached, readState, StateFile, stateDir, workDirOf, type NetHeader, type NetState } from "./state.js";

export interface NetOptions {
  /** Per-network name prefix (2–8 lowercase letters/digits, starting with a letter); random `hn????` by default. */
  prefix?: string;
  /** Folder for the state file; default $HYNET_STATE_DIR or /run/hynet. */
  stateDir?: string;
}

/** One interface of a node as the outside sees it. */
export interface IntfHandle {
  /** The name in the topology. */
  name: string;
  /** The device name where it lives (the same for namespace hosts). */
  ifname: string;
  /** The namespace that holds it (undefined for VM guests' interfaces). */
  netns?: string;
  addrs: string[];
  mac?: string;
}

export interface NodeHandle {
  name: string;
  kind: string;
  /** "host" or "loadgen" for hosts (the load generator side, e.g. the paper topology's `lg`); undefined for switches. */
  role?: HostRole;
  /** The namespace that holds this node's interfaces (namespace hosts, switches); undefined for VMs. */
  netns?: string;
  cmd(argv: string[], opts?: CmdOptions): Promise<CmdResult>;
  intf(name: string): IntfHandle;
  intfs(): IntfHandle[];
  describe(): NodeInfo;
}

const PREFIX_RE = /^[a-z][a-z0-9]{1,7}$/;

function randomPrefix(): string {
  const abc = "abcdefghijklmnopqrstuvwxyz0123456789";
  let s = "hn";
  for (let i = 0; i < 4; i++) s += abc[Math.floor(Math.random() * abc.length)];
  return s;
}

interface Plan {
  nodes: NodePlan[];
  switches: SwitchPlan[];
  links: LinkPlan[];
}

/** One direction of a link: "a" = a→b, shaped on end a's egress. */
export type LinkDirection = "a" | "b";

/** One impaired direction of a link and the device whose egress carries it. */
interface ImpairedDirection {
  link: LinkPlan;
  from: LinkDirection;
  imp: Impairment;
  target: ImpairTarget;
}

/**
 * How faithful a run with VM guests can be on this machine: the guests'
 * accelerator, the host's cores and the vCPUs the guests ask for. With
 * more vCPUs than cores (vm_opt's idle=poll spins every one) guests steal
 * each other's time, and latencies say more about the host than the DuT.
 */
export interface Fidelity {
  /** "kvm" or "tcg" (both when guests differ). */
  accel: string;
  host_cores: number;
  guest_vcpus: number;
  guests: number;
  /** True when guest_vcpus > host_cores. */
  oversubscribed: boolean;
}

/** How errors and `hynet link set` name a link: `link 2 (h1:h1-eth0 → h2:h2-eth0)`. */
export function linkLabel(l: LinkPlan, from: LinkDirection = "a"): string {
  const [x, y] = from === "a" ? [l.a, l.b] : [l.b, l.a];
  return `link ${l.index} (${x.node}:${x.intf.ifname} → ${y.node}:${y.intf.ifname})`;
}

export class Net {
  readonly topology: Topology;
  readonly kinds: Kinds;
  private readonly sys: Sys;
  private readonly dir: string;
  private _prefix: string;
  private readonly prefixGiven: boolean;
  private state?: StateFile;
  private recs: Resource[] = [];
  private started = false;
  private plan?: Plan;
  private signal?: AbortSignal;

  constructor(topo: Topology, kinds: Kinds = DEFAULT_KINDS, sys: Sys, opts: NetOptions = {}) {
    this.topology = topo;
    this.kinds = { ...kinds, switch: kinds.switch ?? "bridge" };
    this.sys = sys;
    this.dir = stateDir(opts.stateDir);
    if (opts.prefix !== undefined && !PREFIX_RE.test(opts.prefix)) {
      throw new UsageError(`network prefix "${opts.prefix}" must be 2 to 8 lowercase letters or digits, starting with a letter`);
    }
    this.prefixGiven = opts.prefix !== undefined;
    this._prefix = opts.prefix ?? randomPrefix();
    // Unknown kinds fail here, before anything is made.
    for (const h of topo.hosts) nodeKind(this.hostKind(h));
    for (const s of topo.switches) switchKind(s.kind ?? this.kinds.switch!);
    for (const l of topo.links) linkKind(l.kind ?? this.kinds.link);
  }

  get prefix(): string {
    return this._prefix;
  }

  /** The running network recorded in the state folder: by prefix or topology name, or the only one. */
  static attach(sys: Sys, o: { stateDir?: string; net?: string } = {}): Net {
    const dir = stateDir(o.stateDir);
    const running = listStates(dir).filter((s) => s.started && ownerAliveOrDetached(s));
    const pick = o.net ? running.filter((s) => s.header.prefix === o.net || s.header.name === o.net) : running;
    if (pick.length === 0) {
      throw new HynetError("NET_NOT_RUNNING", o.net ? `no running network "${o.net}" in ${dir}` : `no running network in ${dir}`, { hint: "start one with `hynet up <topology.yaml>`" });
    }
    if (pick.length > 1) {
      throw new UsageError(`${pick.length} networks are running: ${pick.map((s) => `${s.header.prefix} (${s.header.name})`).join(", ")}`, { hint: "choose one with --net PREFIX" });
    }
    return Net.fromState(pick[0], sys, dir);
  }

  static fromState(st: NetState, sys: Sys, dir: string): Net {
    const net = new Net(st.header.topology, st.header.kinds, sys, { prefix: st.header.prefix, stateDir: dir });
    net.recs = [...st.records];
    net.started = st.started;
    net.state = StateFile.open(st.path);
    return net;
  }

  private ctx(): NetContext {
    return {
      sys: this.sys,
      prefix: this._prefix,
      workDir: workDirOf(this.dir, this._prefix),
      signal: this.signal,
      record: async (r: Resource) => {
        if (this.sys.dryRun) return;
        this.state?.append({ type: "res", res: r });
        this.recs.push(r);
      },
      records: () => this.recs,
      nsName: (node: string) => `${this._prefix}-${node}`,
    };
  }

  /**
   * The load generator stands for the LoadGen machine, which is not part of
   * the network under test: `--host-kind vm` makes the DuT's hosts guests,
   * while a loadgen host stays a namespace unless it names its own kind.
   */
  private hostKind(spec: HostSpec): string {
    return spec.kind ?? (spec.role === "loadgen" ? "namespace" : this.kinds.host);
  }

  private makePlan(): Plan {
    const ctx = this.ctx();
    const t = this.topology;
    const nodes: NodePlan[] = t.hosts.map((spec) => ({
      spec,
      kind: this.hostKind(spec),
      intfs: spec.interfaces.map((x): IntfPlan => ({ ifname: x.ifname, addrs: x.addrs, mac: x.mac, mtu: x.mtu, external: x.dev })),
    }));
    const switches: SwitchPlan[] = t.switches.map((spec) => ({ spec, kind: spec.kind ?? this.kinds.switch!, ports: [] }));
    const nodeBy = new Map(nodes.map((n) => [n.spec.name, n]));
    const swBy = new Map(switches.map((s) => [s.spec.name, s]));
    const links: LinkPlan[] = t.links.map((spec, index) => {
      const ends = ([spec.a, spec.b] as const).map((e, i) => {
        const other = i === 0 ? spec.b : spec.a;
        const intf: IntfPlan = { ifname: e.ifname, addrs: e.addrs, mac: e.mac, mtu: e.mtu, link: index, peer: { node: other.node, ifname: other.ifname } };
        const n = nodeBy.get(e.node);
        if (n) {
          n.intfs.push(intf);
          return { node: e.node, intf, at: nodeKind(n.kind).endpoint(n, intf, ctx) };
        }
        const s = swBy.get(e.node)!;
        s.ports.push(intf);
        return { node: e.node, intf, at: switchKind(s.kind).endpoint(s, intf, ctx) };
      });
      return { index, spec, kind: spec.kind ?? this.kinds.link, a: ends[0], b: ends[1] };
    });
    return { nodes, switches, links };
  }

  private getPlan(): Plan {
    return (this.plan ??= this.makePlan());
  }

  private check(): void {
    if (this.signal?.aborted) throw new AbortedError();
  }

  /** Bring the network up. On failure (or abort) everything made so far is removed and the error rethrown. */
  async start(signal?: AbortSignal): Promise<void> {
    if (this.started) throw new UsageError(`network ${this._prefix} is already started`);
    this.signal = signal;
    const log = logger(this.sys.emit, "net");
    const t0 = this.sys.monoNs();
    if (!this.sys.dryRun) this.openState();
    const plan = this.getPlan();
    const ctx = this.ctx();
    // A qdisc this kernel lacks stops the start before anything is made.
    const missing = await this.impairmentProblems();
    if (missing.length) throw missing[0];
    try {
      this.check();
      for (const [k, group] of groupBy(plan.nodes, (n) => n.kind)) await nodeKind(k).create(group, ctx);
      this.check();
      for (const [k, group] of groupBy(plan.switches, (s) => s.kind)) await switchKind(k).create(group, ctx);
      this.check();
      for (const [k, group] of groupBy(plan.links, (l) => l.kind)) await linkKind(k).create(group, ctx);
      this.check();
      for (const l of plan.links) {
        for (const end of [l.a, l.b]) {
          const n = plan.nodes.find((x) => x.spec.name === end.node);
          if (n) await nodeKind(n.kind).attach?.(n, end.intf, end.at, ctx);
          const s = plan.switches.find((x) => x.spec.name === end.node);
          if (s) await switchKind(s.kind).attach?.(s, end.intf, end.at, ctx);
        }
      }
      this.check();
      for (const [k, group] of groupBy(plan.switches, (s) => s.kind)) await switchKind(k).start(group, ctx);
      this.check();
      for (const [k, group] of groupBy(plan.nodes, (n) => n.kind)) await nodeKind(k).start(group, ctx);
      this.check();
      for (const d of this.impairedDirections()) await applyImpairments(ctx, d.target, d.imp);
      this.check();
    } catch (e) {
      log.warn(`start failed, removing what was made: ${(e as Error).message}`);
      await this.teardown(true).catch(() => {});
      throw e;
    }
    this.started = true;
    this.state?.append({ type: "started" });
    const ms = Number(this.sys.monoNs() - t0) / 1e6;
    const what = this.sys.dryRun ? "dry run: the commands above would bring up" : "is up as";
    log.info(`${this.topology.name} ${what} ${this._prefix}: ${plan.nodes.length} hosts, ${plan.switches.length} switches, ${plan.links.length} links in ${ms.toFixed(0)} ms`);
  }

  private openState(): void {
    for (let attempt = 0; ; attempt++) {
      const header: NetHeader = {
        type: "net",
        version: 1,
        prefix: this._prefix,
        name: this.topology.name,
        file: this.topology.file,
        kinds: this.kinds,
        pid: process.pid,
        created: new Date().toISOString(),
        topology: this.topology,
      };
      const st = StateFile.create(this.dir, header);
      if (st) {
        this.state = st;
        return;
      }
      if (this.prefixGiven || attempt > 20) {
        throw new UsageError(`a network with prefix ${this._prefix} is already recorded in ${this.dir}`, { hint: "choose another prefix, or `hynet clean` if it is a leftover" });
      }
      this._prefix = randomPrefix();
      this.plan = undefined;
    }
  }

  /** Where the egress of a link end is shaped: its device in a namespace, or its interface inside a guest. */
  private impairTarget(l: LinkPlan, from: LinkDirection): ImpairTarget {
    const plan = this.getPlan();
    const end = l[from];
    const link = linkLabel(l, from);
    const n = plan.nodes.find((x) => x.spec.name === end.node);
    if (n && nodeKind(n.kind).describe(n, this.ctx()).netns === undefined) {
      const ctx = this.ctx();
      return { ifname: end.intf.ifname, link, guest: (argv) => nodeKind(n.kind).cmd(n, argv, ctx) };
    }
    return { netns: end.at.netns, ifname: end.at.ifname, link };
  }

  private impairedDirections(): ImpairedDirection[] {
    return this.getPlan().links.flatMap((link) =>
      (["a", "b"] as const).flatMap((from) => {
        const imp = from === "a" ? link.spec.impair?.aToB : link.spec.impair?.bToA;
        return imp ? [{ link, from, imp, target: this.impairTarget(link, from) }] : [];
      }),
    );
  }

  /** Impairments this machine cannot apply (a qdisc its kernel lacks), one error per link direction. Read-only. */
  async impairmentProblems(): Promise<LinkQdiscMissingError[]> {
    const out: LinkQdiscMissingError[] = [];
    for (const d of this.impairedDirections()) {
      if (d.target.guest) continue;
      const p = await hostImpairmentProblem(d.imp);
      if (p) out.push(new LinkQdiscMissingError(p.qdisc, d.target.link, "this machine's kernel", this.topology.file));
    }
    return out;
  }

  /**
   * Why this machine cannot run this network now (undefined = it can): a
   * kind that says so, or an impairment whose qdisc the kernel lacks.
   * Read-only probes; `hynet plan` shows the reason, `hynet run` refuses.
   */
  async unavailable(): Promise<string | undefined> {
    const plan = this.getPlan();
    const kinds: { kind: { unavailable?(sys: Sys): Promise<string | undefined> }; what: string }[] = [
      ...[...new Set(plan.nodes.map((n) => n.kind))].map((k) => ({ kind: nodeKind(k), what: `node kind ${k}` })),
      ...[...new Set(plan.links.map((l) => l.kind))].map((k) => ({ kind: linkKind(k), what: `link kind ${k}` })),
    ];
    for (const { kind, what } of kinds) {
      const why = await kind.unavailable?.(this.sys);
      if (why) return `${what}: ${why}`;
    }
    const missing = await this.impairmentProblems();
    return missing.length ? `${missing[0].message}${missing.length > 1 ? ` (and ${missing.length - 1} more)` : ""}` : undefined;
  }

  /** The fidelity note of a started network with VM guests (undefined without guests). */
  fidelity(): Fidelity | undefined {
    const plan = this.getPlan();
    const ctx = this.ctx();
    const guests = plan.nodes.map((n) => nodeKind(n.kind).describe(n, ctx)).filter((d) => d.netns === undefined && d.details?.accel !== undefined);
    if (guests.length === 0) return undefined;
    const vcpus = guests.reduce((a, d) => a + Number(d.details?.vcpus ?? 1), 0);
    const cores = machineFacts().cpus;
    const accel = [...new Set(guests.map((d) => String(d.details?.accel)))].join("+");
    return { accel, host_cores: cores, guest_vcpus: vcpus, guests: guests.length, oversubscribed: vcpus > cores };
  }

  /**
   * A link named the way `hynet link set` takes it: its index in the topology
   * (both directions), or one end `NODE:IFNAME` (the direction leaving there).
   */
  linkRef(ref: string): { index: number; from: LinkDirection[] } {
    const links = this.getPlan().links;
    const known = `0 to ${links.length - 1}, or an end: ${links.flatMap((l) => [l.a, l.b].map((e) => `${e.node}:${e.intf.ifname}`)).join(", ")}`;
    if (/^\d+$/.test(ref)) {
      const index = Number(ref);
      if (!links[index]) throw new UsageError(`${this.topology.name} has no link ${ref}`, { hint: `links: ${known}` });
      return { index, from: ["a", "b"] };
    }
    const [node, ifname] = ref.split(":");
    for (const l of links) {
      for (const from of ["a", "b"] as const) {
        if (l[from].node === node && l[from].intf.ifname === ifname) return { index: l.index, from: [from] };
      }
    }
    throw new UsageError(`${this.topology.name} has no link end "${ref}"`, { hint: `links: ${known}` });
  }

  /**
   * Change a running link's impairments (`hynet link set`): `imp` replaces
   * what the direction had (undefined = none). `from` "a" is a→b.
   */
  async setImpairment(index: number, from: LinkDirection, imp: Impairment | undefined): Promise<void> {
    const l = this.getPlan().links[index];
    if (!l) throw new UsageError(`${this.topology.name} has no link ${index}`, { hint: `links are numbered 0 to ${this.getPlan().links.length - 1} in file order (hynet show lists them)` });
    await applyImpairments(this.ctx(), this.impairTarget(l, from), imp);
  }

  /** Take the network down; nothing it made is left behind. */
  async stop(): Promise<void> {
    await this.teardown(false);
    this.started = false;
    logger(this.sys.emit, "net").info(`${this._prefix} (${this.topology.name}) is down`);
  }

  private async teardown(afterFailure: boolean): Promise<void> {
    const plan = this.getPlan();
    const ctx = this.ctx();
    const errors: unknown[] = [];
    const step = async (f: () => Promise<void>) => {
      try {
        await f();
      } catch (e) {
        errors.push(e);
      }
    };
    for (const [k, group] of groupBy(plan.nodes, (n) => n.kind)) await step(() => nodeKind(k).stop(group, ctx));
    for (const [k, group] of groupBy(plan.links, (l) => l.kind)) await step(() => linkKind(k).destroy(group, ctx));
    for (const [k, group] of groupBy(plan.switches, (s) => s.kind)) await step(() => switchKind(k).destroy(group, ctx));
    for (const [k, group] of groupBy(plan.nodes, (n) => n.kind)) await step(() => nodeKind(k).destroy(group, ctx));
    // After a failure (or a kind that could not finish) sweep by the records: they are the truth.
    if (afterFailure || errors.length) await step(async () => void (await cleanRecords(this.recs, this.sys)));
    if (errors.length && !afterFailure) {
      this.state?.close();
      throw errors[0];
    }
    if (!this.sys.dryRun) {
      if (this.state) this.state.remove();
      else fs.rmSync(workDirOf(this.dir, this._prefix), { recursive: true, force: true });
    }
    this.state = undefined;
    this.recs = [];
  }

  /** Mark the network as left running on purpose (`hynet up`): it has no owner process any more. */
  detach(): void {
    this.state?.append({ type: "detached" });
    this.state?.close();
  }

  private handle(name: string): NodeHandle | undefined {
    const plan = this.getPlan();
    const ctx = this.ctx();
    const n = plan.nodes.find((x) => x.spec.name === name);
    const s = n ? undefined : plan.switches.find((x) => x.spec.name === name);
    if (!n && !s) return undefined;
    const info = n ? nodeKind(n.kind).describe(n, ctx) : switchKind(s!.kind).describe(s!, ctx);
    const intfs = n ? n.intfs : s!.ports;
    const toHandle = (i: IntfPlan): IntfHandle => ({ name: i.ifname, ifname: i.ifname, netns: info.netns, addrs: i.addrs, ...(i.mac ? { mac: i.mac } : {}) });
    const sys = this.sys;
    return {
      name,
      kind: n ? n.kind : s!.kind,
      ...(n ? { role: n.spec.role } : {}),
      netns: info.netns,
      async cmd(argv, opts) {
        if (n) return nodeKind(n.kind).cmd(n, argv, ctx, opts);
        if (!info.netns) throw new UsageError(`switch ${name} cannot run commands`);
        const r = await sys.run(["ip", "netns", "exec", info.netns, ...argv], { check: false, timeoutMs: opts?.timeoutMs, input: opts?.input });
        return { code: r.code, stdout: r.stdout, stderr: r.stderr };
      },
      intf(iname: string) {
        const i = intfs.find((x) => x.ifname === iname);
        if (!i) throw new UsageError(`${name} has no interface "${iname}"`, { hint: `its interfaces: ${intfs.map((x) => x.ifname).join(", ") || "none"}` });
        return toHandle(i);
      },
      intfs: () => intfs.map(toHandle),
      describe: () => info,
    };
  }

  /** A host or switch by name. */
  get(name: string): NodeHandle {
    const h = this.handle(name);
    if (!h) {
      const names = [...this.topology.hosts.map((x) => x.name), ...this.topology.switches.map((x) => x.name)];
      throw new UsageError(`no host or switch "${name}" in ${this.topology.name}`, { hint: `known: ${names.join(", ")}` });
    }
    return h;
  }

  hosts(): NodeHandle[] {
    return this.topology.hosts.map((h) => this.get(h.name));
  }

  switches(): NodeHandle[] {
    return this.topology.switches.map((s) => this.get(s.name));
  }

  /** The plan a kind sees (for tools that need link ends, e.g. `hynet show`). */
  links(): LinkPlan[] {
    return this.getPlan().links;
  }

  isStarted(): boolean {
    return this.started;
  }

  /** Records of what this network made so far. */
  records(): readonly Resource[] {
    return this.recs;
  }
}

function groupBy<T>(items: T[], key: (t: T) => string): Map<string, T[]> {
  const m = new Map<string, T[]>();
  for (const it of items) m.set(key(it), [...(m.get(key(it)) ?? []), it]);
  return m;
}

/** A running network's host name (or a namespace name) → the namespace that holds its interfaces. */
export async function resolveNetns(hostOrNetns: string, sys: Sys, o: { stateDir?: string; net?: string } = {}): Promise<string> {
  if (/^[A-Za-z0-9_.-]+$/.test(hostOrNetns) && netnsExists(hostOrNetns)) return hostOrNetns;
  const net = Net.attach(sys, o);
  const h = net.get(hostOrNetns);
  if (!h.netns) throw new UsageError(`${hostOrNetns} is a ${h.kind} node: it has no namespace on this machine`);
  return h.netns;
}

export { readState };
