/**
 * SR-IOV provisioning for the `hwpair` link kind, and its undoing: which VF
 * pairs are free (over every running network's state file), the VF count
 * and per-VF settings a network needs, and the restore that `hynet down`
 * and `hynet clean` run from the records. Every change is recorded before
 * it is made, with what was there before it.
 */
import { SystemError, UsageError } from "../errors.js";
import type { Sys } from "../sys/index.js";
import {
  SYSFS,
  driverOverride,
  hasIommu,
  overrideDriver,
  pciDir,
  pciDriver,
  readPf,
  readVf,
  readVfSettings,
  setNumVfs,
  setVf,
  unbindDriver,
  vfSetArgv,
  waitVfNetdevs,
  writeSysfs,
  type PfInfo,
} from "../sys/sriov.js";
import { existsSync } from "node:fs";
import * as path from "node:path";
import type { NetContext, Resource } from "./kinds.js";
import { ipBatch } from "./ip.js";
import { slots, type Machine, type VfPairSlot } from "./machine.js";
import { listStates, ownerAliveOrDetached, stateDir } from "./state.js";

type Of<T extends Resource["type"]> = Extract<Resource, { type: T }>;

/** The sysfs root hwpair reads ($HYNET_SYSFS lets tests point it at a fake tree). */
export function sysfsRoot(): string {
  return process.env.HYNET_SYSFS ?? SYSFS;
}

const key = (pf: string, vf: number) => `${pf}#${vf}`;

/** VFs that other live networks hold (their `sriov-vf` records). */
export function vfsTakenByOthers(prefix: string, dir = stateDir()): Set<string> {
  const taken = new Set<string>();
  for (const st of listStates(dir)) {
    if (st.header.prefix === prefix || !ownerAliveOrDetached(st)) continue;
    for (const r of st.records) if (r.type === "sriov-vf") taken.add(key(r.pf, r.vf));
  }
  return taken;
}

/** A PF as sysfs shows it, or — in a dry run on a machine without it — as the machine file describes it. */
function pfOrFail(pf: string, sys: Sys, root: string): PfInfo {
  const info = readPf(pf, root);
  if (info) return info;
  if (sys.dryRun) return { name: pf, bdf: "?", driver: "?", totalVfs: 256, numVfs: 0, vfs: [] };
  throw new SystemError("SRIOV_NO_PF", `PF ${pf} (machine file) is not a network device with SR-IOV on this machine`, {
    hint: "`hynet machine check` lists the PFs this machine has; fix the machine file or pass --machine FILE",
  });
}

/**
 * Pick the next free VF pair for each of `count` links and check everything
 * a start needs before anything changes: PFs there with a driver, enough VFs,
 * a VF count that is ours to set, VF netdevs free. Nothing is changed here.
 */
export function allocate(m: Machine, count: number, sys: Sys, prefix: string, root = sysfsRoot()): VfPairSlot[] {
  const taken = vfsTakenByOthers(prefix);
  const free = slots(m).filter((s) => !taken.has(key(s.pair.a, s.vf)) && !taken.has(key(s.pair.b, s.vf)));
  if (free.length < count) {
    throw new SystemError("SRIOV_VFS_EXHAUSTED", `the topology needs ${count} VF pairs, ${free.length} of the machine's ${slots(m).length} are free`, {
      hint: `other networks hold ${taken.size / 2} pairs (\`hynet show\`); raise vfs in ${m.file} (up to sriov_totalvfs) or take those networks down`,
    });
  }
  const picked = free.slice(0, count);
  for (const pf of new Set(picked.flatMap((s) => [s.pair.a, s.pair.b]))) {
    const info = pfOrFail(pf, sys, root);
    if (!info.driver) throw new SystemError("SRIOV_PF_NO_DRIVER", `PF ${pf} (${info.bdf}) is bound to no driver`, { hint: "load the PF's driver (igb, ixgbe, i40e, ice…)" });
    if (info.totalVfs < m.vfs) {
      throw new SystemError("SRIOV_TOO_FEW_VFS", `PF ${pf} (driver ${info.driver}) offers ${info.totalVfs} VFs, the machine file wants ${m.vfs}`, {
        hint: info.totalVfs === 0 ? "enable SR-IOV for this NIC in the firmware/BIOS" : `set vfs: ${info.totalVfs} or less in ${m.file}`,
      });
    }
    if (info.numVfs !== 0 && info.numVfs < m.vfs) {
      throw new SystemError("SRIOV_NUMVFS_IN_USE", `PF ${pf} has ${info.numVfs} VFs already, the machine file wants ${m.vfs}; hynet changes only a VF count of 0`, {
        hint: `free them and \`echo 0 > /sys/class/net/${pf}/device/sriov_numvfs\`, or set vfs: ${info.numVfs} in ${m.file}`,
      });
    }
    for (const s of picked.filter((x) => x.pair.a === pf || x.pair.b === pf)) {
      const vf = info.numVfs ? readVf(pf, s.vf, root) : undefined;
      if (vf && !vf.netdev) {
        throw new SystemError("SRIOV_VF_BUSY", `VF ${s.vf} of ${pf} (${vf.bdf}) has no network device here: another namespace or a guest uses it (driver ${vf.driver ?? "none"})`, {
          hint: "`hynet show` lists the networks; `hynet clean` frees what a crashed one left",
        });
      }
    }
  }
  return picked;
}

/** Make the VFs of `picked` exist and set each pair apart (VLAN, spoofchk off, trust on). Records first. */
export async function provision(m: Machine, picked: VfPairSlot[], ctx: NetContext, root = sysfsRoot()): Promise<void> {
  const sys = ctx.sys;
  for (const pf of new Set(picked.flatMap((s) => [s.pair.a, s.pair.b]))) {
    const info = pfOrFail(pf, sys, root);
    if (info.numVfs === 0) {
      await ctx.record({ type: "sriov-numvfs", pf, before: 0 });
      await setNumVfs(sys, pf, m.vfs, root);
    }
    await waitVfNetdevs(sys, pf, m.vfs, root);
    const before = await readVfSettings(sys, pf);
    const lines: string[] = [];
    for (const s of picked.filter((x) => x.pair.a === pf || x.pair.b === pf)) {
      const b = before.find((v) => v.vf === s.vf);
      if (b && b.vlan === s.vlan && b.spoofchk === false && b.trust === true) continue;
      await ctx.record({ type: "sriov-vf", pf, vf: s.vf, vlan: s.vlan, before: { vlan: b?.vlan ?? 0, spoofchk: b?.spoofchk, trust: b?.trust } });
      lines.push(vfSetArgv(pf, { vf: s.vf, vlan: s.vlan, spoofchk: false, trust: true }).slice(1).join(" "));
    }
    // One `ip -batch` per PF: a process start costs more than the change (seconds in the lab's emulated CPU).
    await ipBatch(sys, lines);
  }
}

/** The VF's netdev name now (in a dry run: `<pf>v<k>`, as udev names VFs on a testbed). */
export function vfNetdev(pf: string, vf: number, sys: Sys, root = sysfsRoot()): string {
  const n = readVf(pf, vf, root)?.netdev;
  if (n) return n;
  if (sys.dryRun) return `${pf}v${vf}`;
  throw new SystemError("SRIOV_VF_BUSY", `VF ${vf} of ${pf} has no network device in the root namespace`, { hint: "another network or a guest uses it; `hynet clean` frees leftovers" });
}

/** What passing VFs to guests needs, checked before anything changes: IOMMU groups and the vfio-pci driver. */
export function checkPassthrough(sys: Sys, root = sysfsRoot()): void {
  if (sys.dryRun) return;
  if (!hasIommu(root)) {
    throw new SystemError("SRIOV_NO_IOMMU", "VM hosts get their VFs through vfio-pci, which needs an IOMMU: this machine has no IOMMU groups", {
      hint: "boot with intel_iommu=on (or amd_iommu=on) iommu=pt and enable VT-d/AMD-Vi in the firmware; namespace hosts need no IOMMU",
    });
  }
  if (!existsSync(path.join(root, "bus", "pci", "drivers", "vfio-pci"))) {
    throw new SystemError("SRIOV_NO_VFIO", "the vfio-pci driver is not loaded", { hint: "modprobe vfio-pci" });
  }
}

/** Bind a VF to vfio-pci for a guest (driver_override, so no other driver grabs it). Recorded first; `forEnd` is the end it serves. */
export async function bindVfio(sys: Sys, bdf: string, ctx: Pick<NetContext, "record">, forEnd: string, root = sysfsRoot()): Promise<void> {
  const drv = pciDriver(bdf, root);
  if (!sys.dryRun && !existsSync(pciDir(bdf, root))) throw new UsageError(`no PCI device ${bdf}`);
  const overrideBefore = driverOverride(bdf, root);
  await ctx.record({ type: "pci-driver", bdf, before: drv, overrideBefore, for: forEnd });
  if (drv === "vfio-pci") return;
  await unbindDriver(sys, bdf, root);
  await overrideDriver(sys, bdf, "vfio-pci", root);
}

/**
 * Undo the SR-IOV records, newest change first: drivers back, VF settings
 * back, VF counts back. Skips what no longer exists; returns what it did.
 */
export async function restoreSriov(records: readonly Resource[], sys: Sys, root = sysfsRoot()): Promise<string[]> {
  const done: string[] = [];
  const of = <T extends Resource["type"]>(t: T) => records.filter((r): r is Of<T> => r.type === t).reverse();
  for (const d of of("pci-driver")) {
    if (!sys.dryRun && pciDriver(d.bdf, root) === d.before) continue;
    await unbindDriver(sys, d.bdf, root).catch(() => {});
    await overrideDriver(sys, d.bdf, d.overrideBefore, root).catch(() => {});
    if (d.before && !sys.dryRun && pciDriver(d.bdf, root) !== d.before) {
      await writeSysfs(sys, path.join(root, "bus", "pci", "drivers", d.before, "bind"), d.bdf).catch(() => {});
    }
    done.push(`pci ${d.bdf} back to ${d.before ?? "no driver"}`);
  }
  const counts = of("sriov-numvfs");
  // VFs whose PF count goes back to 0 vanish with their settings: only the others need them restored.
  const vanishing = new Set(counts.filter((c) => c.before === 0).map((c) => c.pf));
  for (const v of of("sriov-vf")) {
    if (vanishing.has(v.pf) || (!sys.dryRun && !readVf(v.pf, v.vf, root))) continue;
    // An all-zero MAC means "none set by the PF": that is what the VF had, and the PF cannot set it back.
    const mac = v.before.mac && !/^(00:){5}00$/.test(v.before.mac) ? v.before.mac : undefined;
    await setVf(sys, v.pf, { vf: v.vf, ...v.before, mac }).catch(() => {});
    done.push(`vf ${v.pf}#${v.vf} settings`);
  }
  for (const c of counts) {
    const now = readPf(c.pf, root)?.numVfs;
    if (!sys.dryRun && (now === undefined || now === c.before)) continue;
    await setNumVfs(sys, c.pf, c.before, root).catch(() => {});
    done.push(`sriov_numvfs of ${c.pf} back to ${c.before}`);
  }
  return done;
}
