/**
 * Node kind `vm`: each host is a QEMU guest (KVM where usable, TCG
 * otherwise) booted from hynet's cached Debian kernel + busybox initramfs
 * (src/net/vm/image.ts), or from a kernel/initrd the host's params name,
 * optionally with a root image (params.rootfs) that the guest switches into.
 *
 * Host side of a VM host: a namespace `${prefix}-${host}` holds, per
 * interface, the link's end (made there by the link kind), a tap and a
 * bridge joining the two; QEMU runs inside that namespace so it finds its
 * taps, and its virtio-net NIC (with the topology's MAC) is the guest's
 * side. Nothing of the network lives in the root namespace. Everything
 * else — NIC names, addresses, routes, neighbours, sysctls — is applied in
 * the guest through the control agent (guest/agent.sh), which is also how
 * cmd() and `hynet exec` run programs there.
 *
 * Kinds keep no state in memory: sockets, console log and PID file are
 * found under `${workDir}/vm/<host>/`, the QEMU process in the state file.
 */
import { existsSync, promises as fsp, readFileSync } from "node:fs";
import * as path from "node:path";
import { SystemError } from "../../errors.js";
import { logger } from "../../events.js";
import type { CmdOptions, CmdResult, Endpoint, IntfPlan, NetContext, NodeInfo, NodeKind, NodePlan, Resource } from "../kinds.js";
import { ipBatch } from "../ip.js";
import { moveExternalsIn, moveExternalsOut } from "../external.js";
import { findOnPath, hostTscKhz, onlineCpus, processAlive } from "../../sys/qemu.js";
import { agentFire, agentRun, scriptFor } from "../vm/agent.js";
import { chooseAccel, type AccelChoice } from "../vm/accel.js";
import { cacheRoot, defaultGuestImage, type GuestImage } from "../vm/image.js";
import { guestCmdline, memoryMb, qemuArgv, type GuestConfig, type Machine } from "../vm/qemu-args.js";
import { guestConfigScript, nicMac } from "../vm/guest-config.js";
import { qmp, vcpuThreads } from "../vm/qmp.js";

/** The seed's optimized guest kernel command line (vm_opt); each flag is explained in docs/vm.md. */
export const OPT_CMDLINE = "idle=poll intel_idle.max_cstate=0 intel_pstate=disable amd_pstate=disable tsc=reliable mce=ignore_ce audit=0 nmi_watchdog=0 skew_tick=1 irqaffinity=0 nosoftlockup";

export interface VmKindOptions {
  name: string;
  /** Extra kernel command line words the kind always adds (vm_opt: OPT_CMDLINE). */
  cmdline?: string;
  /** Pin vCPUs even when the topology names no cores (round-robin over the online cores). */
  autoPin?: boolean;
}

export interface VmPaths {
  dir: string;
  agent: string;
  qmp: string;
  console: string;
  pid: string;
}

export function vmPaths(ctx: NetContext, host: string): VmPaths {
  const dir = path.join(ctx.workDir, "vm", host);
  return { dir, agent: path.join(dir, "agent.sock"), qmp: path.join(dir, "qmp.sock"), console: path.join(dir, "console.log"), pid: path.join(dir, "qemu.pid") };
}

/** Host-side names inside the VM host's namespace, per interface index. */
export const tapName = (i: number) => `tap${i}`;
export const bridgeName = (i: number) => `br${i}`;

const DEFAULT_MEMORY_MB = 256;
const UNIX_PATH_MAX = 107;

function extraStr(node: NodePlan, key: string): string | undefined {
  const v = node.spec.params.extra?.[key];
  return v === undefined || v === null ? undefined : String(v);
}

/** The last lines of a guest's console, for errors. */
export async function consoleTail(file: string, lines = 15): Promise<string> {
  const text = await fsp.readFile(file, "utf8").catch(() => "");
  const all = text.replace(/\r/g, "").split("\n").filter((l) => l.trim());
  const tail = all.slice(-lines);
  // A panic's cause is above its long stack dump: keep that line in view.
  const panic = all.findLastIndex((l) => /Kernel panic|BUG:|Oops/.test(l));
  if (panic >= 0 && panic < all.length - lines) tail.unshift(all[panic], "…");
  // So is what hynet's guest init said before it gave up (e.g. a root image it cannot use).
  const said = all.findLastIndex((l) => /^hynet: /.test(l) && !/^hynet: ready/.test(l));
  if (said >= 0 && said < all.length - lines) tail.unshift(all[said], "…");
  return tail.length ? tail.join("\n") : "(the console is empty)";
}

function qemuRecord(ctx: NetContext, host: string): Extract<Resource, { type: "process" }> | undefined {
  return ctx.records().filter((r): r is Extract<Resource, { type: "process" }> => r.type === "process" && r.what === `qemu ${host}`).slice(-1)[0];
}

async function lstart(ctx: NetContext, pid: number): Promise<string | undefined> {
  const r = await ctx.sys.run(["ps", "-o", "lstart=", "-p", String(pid)], { check: false });
  return r.code === 0 ? r.stdout.trim() : undefined;
}

/** The QEMU PID of a host, only if it is still the process hynet started. */
async function livePid(ctx: NetContext, host: string): Promise<number | undefined> {
  const rec = qemuRecord(ctx, host);
  if (!rec || !processAlive(rec.pid)) return undefined;
  return (await lstart(ctx, rec.pid)) === rec.start.trim() ? rec.pid : undefined;
}

async function waitGone(pid: number, ms: number): Promise<boolean> {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    if (!processAlive(pid)) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return !processAlive(pid);
}

/** End a guest: clean power-off through the agent, then SIGTERM, then SIGKILL, by PID. */
async function endGuest(ctx: NetContext, host: string): Promise<void> {
  const pid = await livePid(ctx, host);
  if (pid === undefined) return;
  // `reboot -f` with QEMU's -no-reboot ends QEMU on every machine type (microvm has no ACPI power button).
  const log = logger(ctx.sys.emit, "vm");
  await agentFire(vmPaths(ctx, host).agent, "reboot -f\n", 500).catch(() => {});
  if (await waitGone(pid, 3000)) return log.debug(`${host}: guest shut down cleanly`);
  await ctx.sys.run(["kill", "-TERM", String(pid)], { check: false });
  if (await waitGone(pid, 2000)) return log.debug(`${host}: QEMU ended by SIGTERM`);
  await ctx.sys.run(["kill", "-KILL", String(pid)], { check: false });
  await waitGone(pid, 2000);
  log.debug(`${host}: QEMU killed`);
}

/** Which machine type a guest gets: microvm where it boots without firmware, else pc. */
function machineFor(node: NodePlan, image: GuestImage, accel: AccelChoice): Machine {
  const m = extraStr(node, "machine");
  if (m === "microvm" || m === "pc" || m === "q35") return m;
  if (m !== undefined) throw new SystemError("VM_BAD_PARAM", `host ${node.spec.name}: machine "${m}" is not microvm, pc or q35`);
  // QEMU >= 8 under TCG hangs a microvm guest's ACPI set-up (measured with 10.0: the console stops at
  // "ACPI: Core revision"), and without ACPI its virtio-mmio devices are not found: TCG guests get pc.
  return image.pvh && accel.accel === "kvm" ? "microvm" : "pc";
}

async function guestImageFor(node: NodePlan, ctx: NetContext, def: () => Promise<GuestImage>): Promise<GuestImage> {
  const kernel = extraStr(node, "kernel");
  const initrd = extraStr(node, "initrd");
  if (kernel === undefined && initrd === undefined) return def();
  if (kernel === undefined || initrd === undefined) throw new SystemError("VM_BAD_PARAM", `host ${node.spec.name}: params.kernel and params.initrd go together`);
  const head = Buffer.alloc(4);
  const fh = await fsp.open(kernel, "r").catch(() => undefined);
  if (fh) {
    await fh.read(head, 0, 4, 0);
    await fh.close();
  } else if (!ctx.sys.dryRun) {
    throw new SystemError("VM_BAD_PARAM", `host ${node.spec.name}: cannot read kernel ${kernel}`);
  }
  const isElf = head[0] === 0x7f && head.toString("latin1", 1, 4) === "ELF";
  return { kernel, initrd, pvh: isElf, kernelPackage: "(given)" };
}

/** The host's root image (params.rootfs, params.rootfs_format), checked before QEMU sees it. */
function rootfsFor(node: NodePlan, ctx: NetContext): GuestConfig["rootfs"] {
  const file = extraStr(node, "rootfs");
  const format = extraStr(node, "rootfs_format") ?? "raw";
  if (format !== "raw" && format !== "qcow2") throw new SystemError("VM_BAD_PARAM", `host ${node.spec.name}: rootfs_format "${format}" is not raw or qcow2`);
  if (file === undefined) return undefined;
  if (!ctx.sys.dryRun && !existsSync(file)) throw new SystemError("VM_BAD_PARAM", `host ${node.spec.name}: cannot read root image ${file}`, { hint: "params.rootfs names a filesystem image file (squashfs, ext2/3/4) on this machine" });
  return { path: path.resolve(file), format };
}

/** Pinning plan: vCPU j of guest `gi` → host core. Cores that are not online are dropped with a warning. */
export function pinPlan(node: NodePlan, gi: number, cpus: number, online: number[], autoPin: boolean): { cores: number[]; dropped: number[] } {
  const want = node.spec.params.cpuPin ?? [];
  const ok = want.filter((c) => online.includes(c));
  const dropped = want.filter((c) => !online.includes(c));
  if (ok.length) return { cores: Array.from({ length: cpus }, (_, j) => ok[j % ok.length]), dropped };
  if ((autoPin || want.length) && online.length) return { cores: Array.from({ length: cpus }, (_, j) => online[(gi * cpus + j) % online.length]), dropped };
  return { cores: [], dropped };
}

const SCOPE = "vm";

async function bootOne(o: VmKindOptions, node: NodePlan, ctx: NetContext, image: GuestImage, accel: AccelChoice, tscKhz: number | undefined): Promise<void> {
  const name = node.spec.name;
  const p = vmPaths(ctx, name);
  if (p.agent.length > UNIX_PATH_MAX || p.qmp.length > UNIX_PATH_MAX) {
    throw new SystemError("VM_PATH_TOO_LONG", `socket path ${p.agent} is longer than Unix sockets allow (${UNIX_PATH_MAX})`, { hint: "use a shorter HYNET_STATE_DIR" });
  }
  const nics = node.intfs.map((intf, i) => ({ tap: tapName(i), mac: nicMac(ctx.prefix, node, i), vfio: passedThrough(ctx, node, intf) }));
  // A passed-through PCI device needs a PCI bus: microvm has none.
  const chosen = machineFor(node, image, accel);
  const machine = chosen === "microvm" && nics.some((n) => n.vfio) ? "pc" : chosen;
  const cpus = node.spec.params.cpus ?? 1;
  const rootfs = rootfsFor(node, ctx);
  const cfg: GuestConfig = {
    name,
    accel: accel.accel,
    machine,
    kernel: image.kernel,
    initrd: image.initrd,
    rootfs,
    // root=/dev/vda: hynet's init mounts it and switches into it; a user's initrd reads the same word.
    cmdline: guestCmdline({ name, accel: accel.accel, machine, tscKhz, extra: [rootfs ? "root=/dev/vda" : "", o.cmdline ?? "", node.spec.params.cmdline ?? ""] }),
    cpus,
    memoryMb: memoryMb(node.spec.params.memory, DEFAULT_MEMORY_MB),
    nics,
    agentSocket: p.agent,
    qmpSocket: p.qmp,
    consoleLog: p.console,
    pidFile: p.pid,
  };
  if (!ctx.sys.dryRun) {
    await fsp.mkdir(p.dir, { recursive: true });
    for (const f of [p.agent, p.qmp, p.console, p.pid]) await fsp.rm(f, { force: true });
  }
  // -daemonize: QEMU returns once the guest runs, and the guest outlives this process (`hynet up`).
  const r = await ctx.sys.run(["ip", "netns", "exec", ctx.nsName(name), ...qemuArgv(cfg)], { check: false });
  if (ctx.sys.dryRun) return;
  const pid = Number((await fsp.readFile(p.pid, "utf8").catch(() => "")).trim());
  if (pid > 0) {
    const start = await lstart(ctx, pid);
    if (start) await ctx.record({ type: "process", pid, start, what: `qemu ${name}` });
  }
  if (r.code !== 0 || !(pid > 0)) {
    const why = r.stderr.trim().split("\n").filter(Boolean).slice(-1)[0] ?? `exit code ${r.code}`;
    throw new SystemError("VM_START_FAILED", `QEMU for host ${name} did not start: ${why}`, { hint: "check that qemu-system-x86 is installed (`bash scripts/setup.sh`)" });
  }
}

async function waitReady(node: NodePlan, ctx: NetContext, timeoutMs: number): Promise<void> {
  const name = node.spec.name;
  const p = vmPaths(ctx, name);
  const pid = qemuRecord(ctx, name)?.pid ?? -1;
  const ac = new AbortController();
  const onAbort = () => ac.abort();
  ctx.signal?.addEventListener("abort", onAbort, { once: true });
  let why = `did not become ready within ${(timeoutMs / 1000).toFixed(1)} s`;
  const watch = setInterval(() => {
    if (!processAlive(pid)) {
      why = "stopped before it became ready";
      ac.abort();
    }
  }, 100);
  const timer = setTimeout(() => ac.abort(), timeoutMs);
  try {
    const r = await agentRun(p.agent, "true\n", { timeoutMs: 0, signal: ac.signal });
    if (r.code !== 0) throw new Error(`agent answered ${r.code}`);
  } catch (e) {
    if (ctx.signal?.aborted) throw e;
    // A guest that dies resets the agent connection, often before the liveness poll notices.
    if (!ac.signal.aborted) why = (await waitGone(pid, 1000)) ? "stopped before it became ready" : `agent failed: ${(e as Error).message}`;
    throw new SystemError("VM_NOT_READY", `guest ${name} ${why}; console (${p.console}) ends with:\n${await consoleTail(p.console)}`, {
      hint: "see the whole console log; raise the host's params.boot_timeout (seconds) on a slow machine",
    });
  } finally {
    clearInterval(watch);
    clearTimeout(timer);
    ctx.signal?.removeEventListener("abort", onAbort);
  }
}

async function configure(node: NodePlan, ctx: NetContext): Promise<void> {
  const macs = node.intfs.map((_, i) => nicMac(ctx.prefix, node, i));
  const r = await agentRun(vmPaths(ctx, node.spec.name).agent, guestConfigScript(node, macs), { timeoutMs: 30_000, signal: ctx.signal });
  if (r.code !== 0) {
    const why = r.stderr.trim().split("\n").filter(Boolean).slice(-1)[0] ?? `exit code ${r.code}`;
    throw new SystemError("VM_CONFIG_FAILED", `configuring guest ${node.spec.name} failed: ${why}`);
  }
}

async function pin(o: VmKindOptions, node: NodePlan, gi: number, ctx: NetContext, online: number[]): Promise<string | undefined> {
  const cpus = node.spec.params.cpus ?? 1;
  const plan = pinPlan(node, gi, cpus, online, o.autoPin ?? false);
  if (plan.dropped.length) {
    logger(ctx.sys.emit, SCOPE).warn(`${node.spec.name}: cpu_pin cores ${plan.dropped.join(",")} are not online on this machine (online: ${online.join(",")}); pinning to ${plan.cores.join(",") || "nothing"}`);
  }
  if (!plan.cores.length || ctx.sys.dryRun) return undefined;
  const [ret] = await qmp(vmPaths(ctx, node.spec.name).qmp, [{ execute: "query-cpus-fast" }]);
  const threads = vcpuThreads(ret);
  for (const t of threads) await ctx.sys.run(["taskset", "-pc", String(plan.cores[t.cpu % plan.cores.length]), String(t.thread)], { check: true });
  return threads.map((t) => `vCPU${t.cpu}→${plan.cores[t.cpu % plan.cores.length]}`).join(" ");
}

/** Boot every guest at once, wait until each answers, configure and pin them. */
async function startGuests(o: VmKindOptions, nodes: NodePlan[], ctx: NetContext): Promise<void> {
  if (nodes.length === 0) return;
  const log = logger(ctx.sys.emit, SCOPE);
  // External devices are moved into the VM host's namespace and bridged to a tap like link ends.
  await moveExternalsIn(nodes, ctx);
  for (const n of nodes) for (const [i, intf] of n.intfs.entries()) if (intf.external !== undefined) await joinTap(n, i, intf.ifname, ctx);

  let defImage: Promise<GuestImage> | undefined;
  const def = () => (defImage ??= defaultGuestImage(ctx.sys));
  const images = await Promise.all(nodes.map((n) => guestImageFor(n, ctx, def)));
  const accel = await chooseAccel(ctx.sys, images[0], cacheRoot());
  log.info(`accelerator ${accel.accel.toUpperCase()} (${accel.reason}); booting ${nodes.length} ${o.name} guest${nodes.length === 1 ? "" : "s"}`);
  const tscKhz = accel.accel === "tcg" ? await hostTscKhz() : undefined;
  const online = await onlineCpus();
  const t0 = ctx.sys.monoNs();
  // All guests boot at once; QEMU's -daemonize returns as soon as each one runs.
  await Promise.all(nodes.map((n, gi) => bootOne(o, n, ctx, images[gi], accel, tscKhz)));
  if (ctx.sys.dryRun) return;
  // describe() (and so the run's fidelity note) reads it back, in this process or a later one.
  for (const n of nodes) await fsp.writeFile(path.join(vmPaths(ctx, n.spec.name).dir, "accel"), accel.accel);
  await Promise.all(
    nodes.map((n) => {
      const s = Number(extraStr(n, "boot_timeout") ?? (accel.accel === "kvm" ? 60 : 300));
      if (!(s > 0)) throw new SystemError("VM_BAD_PARAM", `host ${n.spec.name}: boot_timeout must be a positive number of seconds, not "${extraStr(n, "boot_timeout")}"`);
      return waitReady(n, ctx, s * 1000);
    }),
  );
  log.info(`${nodes.length} ${o.name} guest${nodes.length === 1 ? "" : "s"} ready in ${(Number(ctx.sys.monoNs() - t0) / 1e9).toFixed(2)} s`);
  // Each guest configures itself; the host only waits, so all at once.
  await Promise.all(nodes.map((n) => configure(n, ctx)));
  const pins = await Promise.all(nodes.map((n, gi) => pin(o, n, gi, ctx, online)));
  pins.forEach((p, i) => p && log.debug(`${nodes[i].spec.name}: pinned ${p}`));
}

/** A program run in the guest through its agent. */
async function guestCmd(node: NodePlan, argv: string[], ctx: NetContext, opts: CmdOptions = {}): Promise<CmdResult> {
  if (ctx.sys.dryRun) {
    ctx.sys.emit({ type: "command", argv: [`[${node.spec.name}]`, ...argv], dryRun: true });
    return { code: 0, stdout: "", stderr: "" };
  }
  ctx.sys.emit({ type: "command", argv: [`[${node.spec.name}]`, ...argv], dryRun: false });
  const r = await agentRun(vmPaths(ctx, node.spec.name).agent, scriptFor(argv), { timeoutMs: opts.timeoutMs, input: opts.input, signal: ctx.signal });
  if (r.timedOut) {
    throw new SystemError("COMMAND_TIMEOUT", `\`${argv.join(" ")}\` did not finish within ${opts.timeoutMs} ms on ${node.spec.name}`);
  }
  return { code: r.code, stdout: r.stdout, stderr: r.stderr };
}

function describeGuest(node: NodePlan, ctx: NetContext): NodeInfo {
  const p = vmPaths(ctx, node.spec.name);
  let pid: number | undefined;
  let accel: string | undefined;
  try {
    pid = Number(readFileSync(p.pid, "utf8").trim()) || undefined;
    accel = readFileSync(path.join(p.dir, "accel"), "utf8").trim();
  } catch {
    // not booted (yet)
  }
  return {
    details: {
      hostNetns: ctx.nsName(node.spec.name),
      pid,
      accel,
      vcpus: node.spec.params.cpus ?? 1,
      agent: p.agent,
      qmp: p.qmp,
      console: p.console,
      taps: node.intfs.map((_, i) => tapName(i)),
    },
  };
}

export function makeVmKind(o: VmKindOptions): NodeKind {
  return {
    name: o.name,

    async unavailable() {
      return findOnPath("qemu-system-x86_64") ? undefined : "QEMU (qemu-system-x86_64) is not installed: bash scripts/setup.sh installs it";
    },

    async create(nodes, ctx) {
      for (const n of nodes) {
        await ctx.record({ type: "netns", name: ctx.nsName(n.spec.name) });
        await ctx.record({ type: "path", path: vmPaths(ctx, n.spec.name).dir });
      }
      await ipBatch(ctx.sys, nodes.map((n) => `netns add ${ctx.nsName(n.spec.name)}`));
      if (!ctx.sys.dryRun) for (const n of nodes) await fsp.mkdir(vmPaths(ctx, n.spec.name).dir, { recursive: true });
    },

    endpoint(node: NodePlan, intf: IntfPlan, ctx: NetContext): Endpoint {
      // No MAC here: the MAC is the guest NIC's; the host-side end only carries frames to the tap.
      return { netns: ctx.nsName(node.spec.name), ifname: intf.ifname, mtu: intf.mtu, guestMac: nicMac(ctx.prefix, node, node.intfs.indexOf(intf)) };
    },

    async attach(node: NodePlan, intf: IntfPlan, at: Endpoint, ctx: NetContext) {
      if (passedThrough(ctx, node, intf)) return;
      await joinTap(node, node.intfs.indexOf(intf), at.ifname, ctx);
    },

    start: (nodes, ctx) => startGuests(o, nodes, ctx),

    cmd: guestCmd,

    async stop(nodes, ctx) {
      if (ctx.sys.dryRun) return;
      await Promise.all(nodes.map((n) => endGuest(ctx, n.spec.name)));
    },

    async destroy(nodes, ctx) {
      if (!ctx.sys.dryRun) await Promise.all(nodes.map((n) => endGuest(ctx, n.spec.name)));
      await moveExternalsOut(nodes, ctx);
      await ipBatch(ctx.sys, nodes.map((n) => `netns del ${ctx.nsName(n.spec.name)}`), { force: true });
      if (!ctx.sys.dryRun) for (const n of nodes) await fsp.rm(vmPaths(ctx, n.spec.name).dir, { recursive: true, force: true });
    },

    describe: describeGuest,
  };
}

/** The PCI device the link kind handed to this interface's guest NIC (see Endpoint.guestMac), if any. */
function passedThrough(ctx: NetContext, node: NodePlan, intf: IntfPlan): string | undefined {
  const key = `${ctx.nsName(node.spec.name)}/${intf.ifname}`;
  return ctx.records().find((r): r is Extract<Resource, { type: "pci-driver" }> => r.type === "pci-driver" && r.for === key)?.bdf;
}

/** In the VM host's namespace: a tap for QEMU and a bridge joining it with the link end `dev`. */
async function joinTap(node: NodePlan, i: number, dev: string, ctx: NetContext): Promise<void> {
  const ns = ctx.nsName(node.spec.name);
  const intf = node.intfs[i];
  await ctx.record({ type: "link", name: tapName(i), netns: ns });
  const mtu = intf.mtu ? ` mtu ${intf.mtu}` : "";
  await ipBatch(
    ctx.sys,
    [
      // vnet_hdr: QEMU's tap backend asks for it; a persistent tap must have been made with the same flags.
      `tuntap add dev ${tapName(i)} mode tap vnet_hdr`,
      `link add name ${bridgeName(i)} type bridge stp_state 0 forward_delay 0`,
      `link set dev ${dev} master ${bridgeName(i)}${mtu} up`,
      `link set dev ${tapName(i)} master ${bridgeName(i)}${mtu} up`,
      `link set dev ${bridgeName(i)}${mtu} up`,
    ],
    { netns: ns },
  );
}

export const vmKind: NodeKind = makeVmKind({ name: "vm" });
