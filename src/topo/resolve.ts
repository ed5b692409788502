/**
 * From what a user wrote (YAML or the Topo builder) to a resolved Topology:
 * defaults filled in (interface names, neighbour devices) and every rule
 * checked, each failure naming the field it is about. No system calls.
 */
import { InputError } from "../errors.js";
import { isImpaired, type LinkImpairments } from "./impair.js";
import { inSubnet, ipFamily, isUnicastMac, parseCidr } from "./addr.js";
import {
  IFNAME_MAX,
  type ExternalInterfaceSpec,
  type HostParams,
  type HostRole,
  type HostSpec,
  type LinkEndSpec,
  type LinkSpec,
  type NeighborSpec,
  type RouteSpec,
  type SwitchSpec,
  type Topology,
} from "./model.js";

export type FieldPath = (string | number)[];

/** A topology that breaks a rule; `path` is the field (hosts.h1.routes[0].via), `file`/`line` when it came from a file. */
export class TopoError extends InputError {
  readonly path: FieldPath;
  readonly detail: string;
  constructor(code: string, path: FieldPath, detail: string, hint?: string, where: { file?: string; line?: number } = {}) {
    super(code, path.length ? `${formatPath(path)}: ${detail}` : detail, { hint, ...where });
    this.path = path;
    this.detail = detail;
  }

  /** The same error, placed in a file (and line). */
  at(file: string, line?: number): TopoError {
    return new TopoError(this.code, this.path, this.detail, this.hint, { file, line });
  }
}

export function formatPath(path: FieldPath): string {
  let s = "";
  for (const p of path) s += typeof p === "number" ? `[${p}]` : s ? `.${p}` : p;
  return s;
}

export interface RawEnd {
  node: string;
  ifname?: string;
  addrs?: string[];
  mac?: string;
  mtu?: number;
}

export interface RawRoute {
  dst: string;
  via?: string;
  dev?: string;
  metric?: number;
}

export interface RawNeighbor {
  ip: string;
  mac: string;
  dev?: string;
}

export interface RawExternal {
  dev: string;
  ifname?: string;
  addrs?: string[];
  mac?: string;
  mtu?: number;
}

export interface RawHost extends HostParams {
  role?: HostRole;
  kind?: string;
  sysctls?: Record<string, string | number>;
  routes?: RawRoute[];
  neighbors?: RawNeighbor[];
  interfaces?: RawExternal[];
}

export interface RawSwitch {
  kind?: string;
  params?: Record<string, unknown>;
}

export interface RawLink {
  a: RawEnd;
  b: RawEnd;
  kind?: string;
  params?: Record<string, unknown>;
  impair?: LinkImpairments;
}

export interface RawTopology {
  name?: string;
  defaults?: { sysctls?: Record<string, string | number> };
  hosts: [string, RawHost][];
  switches: [string, RawSwitch][];
  links: RawLink[];
}

const NODE_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;
/** Node names become parts of namespace names and of default interface names (`h1-eth0`); keep them short. */
export const NODE_NAME_MAX = 10;
const IFNAME_OK = /^[A-Za-z0-9_.-]+$/;
const SYSCTL_KEY = /^[A-Za-z0-9_*-]+([./][A-Za-z0-9_*.-]+)+$/;

export function checkIfname(name: string, path: FieldPath, how = "interface name"): void {
  if (name.length === 0 || name.length > IFNAME_MAX) {
    throw new TopoError("TOPO_NAME_TOO_LONG", path, `${how} "${name}" is ${name.length} characters; Linux allows 1 to ${IFNAME_MAX}`, "choose a shorter name");
  }
  if (!IFNAME_OK.test(name) || name === "." || name === "..") {
    throw new TopoError("TOPO_BAD_NAME", path, `${how} "${name}" may contain only letters, digits, "_", "." and "-"`);
  }
}

function checkAddrs(addrs: string[], path: FieldPath): void {
  addrs.forEach((a, i) => {
    if (!parseCidr(a)) {
      throw new TopoError("TOPO_BAD_CIDR", [...path, i], `"${a}" is not an IPv4/IPv6 address with prefix length (e.g. 10.0.3.100/24 or fd00::1/64)`);
    }
  });
}

function checkMac(mac: string | undefined, path: FieldPath): void {
  if (mac !== undefined && !isUnicastMac(mac)) {
    throw new TopoError("TOPO_BAD_MAC", path, `"${mac}" is not a unicast MAC address like 02:00:00:00:00:01`);
  }
}

function checkMtu(mtu: number | undefined, path: FieldPath): void {
  if (mtu !== undefined && (!Number.isInteger(mtu) || mtu < 68 || mtu > 65535)) {
    throw new TopoError("TOPO_BAD_MTU", path, `MTU ${mtu} is outside 68..65535`);
  }
}

function checkNodeName(name: string, path: FieldPath): void {
  if (!NODE_NAME.test(name)) throw new TopoError("TOPO_BAD_NAME", path, `name "${name}" must start with a letter or digit and contain only letters, digits, "_", "." and "-"`);
  if (name.length > NODE_NAME_MAX) {
    throw new TopoError("TOPO_NAME_TOO_LONG", path, `name "${name}" is ${name.length} characters; node names may have at most ${NODE_NAME_MAX} (they become parts of interface names)`);
  }
}

function resolveHost(name: string, h: RawHost, defaults: RawTopology["defaults"]): HostSpec {
  const p: FieldPath = ["hosts", name];
  checkNodeName(name, p);
  if (h.cpus !== undefined && (!Number.isInteger(h.cpus) || h.cpus < 1)) throw new TopoError("TOPO_BAD_VALUE", [...p, "cpus"], `cpus must be a positive integer, not ${h.cpus}`);
  h.cpuPin?.forEach((c, i) => {
    if (!Number.isInteger(c) || c < 0) throw new TopoError("TOPO_BAD_VALUE", [...p, "cpu_pin", i], `CPU number must be a non-negative integer, not ${c}`);
  });
  if (h.memory !== undefined && !/^\d+[KMGT]?$/i.test(h.memory)) throw new TopoError("TOPO_BAD_VALUE", [...p, "memory"], `memory "${h.memory}" must look like 4G, 512M or a number of bytes`);
  const sysctls = { ...(defaults?.sysctls ?? {}), ...(h.sysctls ?? {}) };
  for (const [k, v] of Object.entries(sysctls)) {
    if (!SYSCTL_KEY.test(k)) throw new TopoError("TOPO_BAD_SYSCTL", [...p, "sysctls", k], `"${k}" is not a sysctl name like net.ipv4.ip_forward`);
    if (!/^[^\s]+$/.test(String(v))) throw new TopoError("TOPO_BAD_SYSCTL", [...p, "sysctls", k], `value "${v}" must be one word`);
  }
  const interfaces: ExternalInterfaceSpec[] = (h.interfaces ?? []).map((x, i) => {
    const ip: FieldPath = [...p, "interfaces", i];
    checkIfname(x.dev, [...ip, "dev"], "device name");
    const ifname = x.ifname ?? x.dev;
    checkIfname(ifname, [...ip, x.ifname === undefined ? "dev" : "ifname"]);
    checkAddrs(x.addrs ?? [], [...ip, "addrs"]);
    checkMac(x.mac, [...ip, "mac"]);
    checkMtu(x.mtu, [...ip, "mtu"]);
    return { dev: x.dev, ifname, addrs: x.addrs ?? [], mac: x.mac, mtu: x.mtu };
  });
  const params: HostParams = {};
  if (h.cpus !== undefined) params.cpus = h.cpus;
  if (h.cpuPin !== undefined) params.cpuPin = h.cpuPin;
  if (h.memory !== undefined) params.memory = h.memory;
  if (h.cmdline !== undefined) params.cmdline = h.cmdline;
  if (h.extra !== undefined) params.extra = h.extra;
  return {
    name,
    role: h.role ?? "host",
    ...(h.kind !== undefined ? { kind: h.kind } : {}),
    params,
    sysctls,
    routes: (h.routes ?? []).map((r) => ({ ...r })),
    neighbors: (h.neighbors ?? []).map((n) => ({ ip: n.ip, mac: n.mac, dev: n.dev ?? "" })),
    interfaces,
  };
}

/** Checks and fills in what needs all interfaces known: routes and neighbours. */
function resolveHostL3(h: HostSpec, intfs: { ifname: string; addrs: string[] }[]): void {
  const p: FieldPath = ["hosts", h.name];
  const names = new Set(intfs.map((i) => i.ifname));
  const nets = intfs.flatMap((i) => i.addrs.map((a) => ({ ifname: i.ifname, cidr: parseCidr(a)! })));
  h.routes.forEach((r: RouteSpec, i) => {
    const rp: FieldPath = [...p, "routes", i];
    const dst = r.dst === "default" ? undefined : parseCidr(r.dst);
    if (r.dst !== "default" && !dst) throw new TopoError("TOPO_BAD_CIDR", [...rp, "dst"], `"${r.dst}" is not "default" or an address with prefix length (e.g. 10.0.2.20/32)`);
    if (r.via !== undefined && !ipFamily(r.via)) throw new TopoError("TOPO_BAD_ADDRESS", [...rp, "via"], `"${r.via}" is not an IP address`);
    if (dst && r.via && ipFamily(r.via) !== dst.family) throw new TopoError("TOPO_BAD_ADDRESS", [...rp, "via"], `gateway ${r.via} and destination ${r.dst} are of different IP versions`);
    if (r.via === undefined && r.dev === undefined) throw new TopoError("TOPO_BAD_ROUTE", rp, `a route needs "via" (a gateway) or "dev" (an interface)`);
    if (r.dev !== undefined && !names.has(r.dev)) {
      throw new TopoError("TOPO_UNKNOWN_INTERFACE", [...rp, "dev"], `host ${h.name} has no interface "${r.dev}"`, `its interfaces: ${[...names].join(", ") || "none"}`);
    }
    if (r.metric !== undefined && (!Number.isInteger(r.metric) || r.metric < 0)) throw new TopoError("TOPO_BAD_VALUE", [...rp, "metric"], `metric must be a non-negative integer`);
  });
  h.neighbors.forEach((n: NeighborSpec, i) => {
    const np: FieldPath = [...p, "neighbors", i];
    if (!ipFamily(n.ip)) throw new TopoError("TOPO_BAD_ADDRESS", [...np, "ip"], `"${n.ip}" is not an IP address`);
    checkMac(n.mac, [...np, "mac"]);
    if (n.dev) {
      if (!names.has(n.dev)) throw new TopoError("TOPO_UNKNOWN_INTERFACE", [...np, "dev"], `host ${h.name} has no interface "${n.dev}"`, `its interfaces: ${[...names].join(", ") || "none"}`);
    } else {
      const on = nets.find((x) => inSubnet(n.ip, x.cidr));
      if (!on) throw new TopoError("TOPO_BAD_NEIGHBOR", np, `no interface of ${h.name} has a subnet containing ${n.ip}`, `add "dev: <interface>"`);
      n.dev = on.ifname;
    }
  });
}

export function resolveTopology(raw: RawTopology, file?: string): Topology {
  const seen = new Map<string, FieldPath>();
  const hosts: HostSpec[] = [];
  for (const [name, h] of raw.hosts) {
    if (seen.has(name)) throw new TopoError("TOPO_DUPLICATE_NAME", ["hosts", name], `"${name}" is defined twice`);
    seen.set(name, ["hosts", name]);
    hosts.push(resolveHost(name, h ?? {}, raw.defaults));
  }
  const switches: SwitchSpec[] = [];
  for (const [name, s] of raw.switches) {
    const p: FieldPath = ["switches", name];
    if (seen.has(name)) throw new TopoError("TOPO_DUPLICATE_NAME", p, `"${name}" is also the name of a ${seen.get(name)![0] === "hosts" ? "host" : "switch"}`, "every host and switch needs its own name");
    seen.set(name, p);
    checkNodeName(name, p);
    checkIfname(name, p, "switch name (it names the bridge device)");
    switches.push({ name, ...(s?.kind !== undefined ? { kind: s.kind } : {}), params: s?.params ?? {} });
  }
  const hostByName = new Map(hosts.map((h) => [h.name, h]));
  const switchNames = new Set(switches.map((s) => s.name));

  // Interface names per node: explicit ones first, then Mininet-style defaults (h1-eth0, h1-eth1, …) that do not clash.
  const used = new Map<string, Set<string>>();
  const usedBy = (n: string) => used.get(n) ?? used.set(n, new Set(["lo"])).get(n)!;
  for (const h of hosts) for (const x of h.interfaces) {
    const i = h.interfaces.indexOf(x);
    if (usedBy(h.name).has(x.ifname)) throw new TopoError("TOPO_DUPLICATE_NAME", ["hosts", h.name, "interfaces", i, "ifname"], `host ${h.name} has two interfaces named "${x.ifname}"`);
    usedBy(h.name).add(x.ifname);
  }
  raw.links.forEach((l, i) => {
    for (const side of ["a", "b"] as const) {
      const e = l[side];
      const p: FieldPath = ["links", i, side];
      if (!hostByName.has(e.node) && !switchNames.has(e.node)) {
        throw new TopoError("TOPO_UNKNOWN_NODE", [...p, "node"], `unknown node "${e.node}"`, `declare it under hosts: or switches: (known: ${[...seen.keys()].join(", ") || "none"})`);
      }
      if (e.ifname !== undefined) {
        checkIfname(e.ifname, [...p, "ifname"]);
        if (usedBy(e.node).has(e.ifname)) throw new TopoError("TOPO_DUPLICATE_NAME", [...p, "ifname"], `node ${e.node} has two interfaces named "${e.ifname}"`);
        usedBy(e.node).add(e.ifname);
      }
    }
  });
  const links: LinkSpec[] = raw.links.map((l, i) => {
    const end = (side: "a" | "b"): LinkEndSpec => {
      const e = l[side];
      const p: FieldPath = ["links", i, side];
      let ifname = e.ifname;
      if (ifname === undefined) {
        let k = 0;
        while (usedBy(e.node).has(`${e.node}-eth${k}`)) k++;
        ifname = `${e.node}-eth${k}`;
        checkIfname(ifname, [...p, "node"], "default interface name");
        usedBy(e.node).add(ifname);
      }
      const addrs = e.addrs ?? [];
      checkAddrs(addrs, [...p, "addrs"]);
      if (switchNames.has(e.node) && addrs.length) throw new TopoError("TOPO_BAD_VALUE", [...p, "addrs"], `switch ${e.node} is a bridge: its ports carry no addresses`);
      checkMac(e.mac, [...p, "mac"]);
      checkMtu(e.mtu, [...p, "mtu"]);
      return { node: e.node, ifname, addrs, ...(e.mac ? { mac: e.mac } : {}), ...(e.mtu ? { mtu: e.mtu } : {}) };
    };
    return { a: end("a"), b: end("b"), ...(l.kind !== undefined ? { kind: l.kind } : {}), params: l.params ?? {}, ...(isImpaired(l.impair) ? { impair: l.impair } : {}) };
  });
  for (const h of hosts) {
    const intfs = [
      ...h.interfaces,
      ...links.flatMap((l) => [l.a, l.b].filter((e) => e.node === h.name)),
    ];
    resolveHostL3(h, intfs);
  }
  return { name: raw.name ?? "network", ...(file ? { file } : {}), hosts, switches, links };
}
