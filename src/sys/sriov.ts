/**
 * SR-IOV as the kernel shows it in sysfs: physical functions (PFs), their
 * virtual functions (VFs), drivers and IOMMU groups. Reads go straight to
 * the files (read-only probes); every write goes through Sys, so --dry-run
 * prints it and tests see it. `root` is the sysfs mount ("/sys"): unit tests
 * pass a fake tree with the same layout.
 *
 *   class/net/<pf>/device            → the PF's PCI device folder
 *     sriov_totalvfs, sriov_numvfs, virtfn<k> → the VF's PCI device folder
 *   <pci dev>/driver → …/drivers/<name>, iommu_group → …/iommu_groups/<n>,
 *     net/<ifname>/ (only while the netdev is in the root namespace), driver_override
 *   bus/pci/drivers/<name>/{bind,unbind}, bus/pci/drivers_probe
 */
import { existsSync, readFileSync, readdirSync, readlinkSync } from "node:fs";
import * as path from "node:path";
import { SystemError } from "../errors.js";
import type { Sys } from "./context.js";

export const SYSFS = "/sys";

export interface VfInfo {
  index: number;
  /** PCI address, e.g. 0000:01:10.0. */
  bdf: string;
  /** The VF's netdev name while it is in the root namespace. */
  netdev?: string;
  driver?: string;
  iommuGroup?: string;
}

export interface PfInfo {
  name: string;
  bdf: string;
  driver?: string;
  totalVfs: number;
  numVfs: number;
  iommuGroup?: string;
  vfs: VfInfo[];
}

function readTrim(file: string): string | undefined {
  try {
    return readFileSync(file, "utf8").trim();
  } catch {
    return undefined;
  }
}

function linkBase(file: string): string | undefined {
  try {
    return path.basename(readlinkSync(file));
  } catch {
    return undefined;
  }
}

/** The PCI device folder of a PCI address. */
export function pciDir(bdf: string, root = SYSFS): string {
  return path.join(root, "bus", "pci", "devices", bdf);
}

function pfDevice(pf: string, root: string): string {
  return path.join(root, "class", "net", pf, "device");
}

/** The netdev names a PCI device has in this namespace (none once moved elsewhere). */
function netdevsOf(dev: string): string[] {
  try {
    return readdirSync(path.join(dev, "net")).sort();
  } catch {
    return [];
  }
}

function vfOf(dev: string, k: number): VfInfo | undefined {
  const link = path.join(dev, `virtfn${k}`);
  const bdf = linkBase(link);
  if (!bdf) return undefined;
  return { index: k, bdf, netdev: netdevsOf(link)[0], driver: linkBase(path.join(link, "driver")), iommuGroup: linkBase(path.join(link, "iommu_group")) };
}

/** What sysfs says about one PF; undefined when there is no such netdev or it is no PCI device. */
export function readPf(pf: string, root = SYSFS): PfInfo | undefined {
  const dev = pfDevice(pf, root);
  const bdf = linkBase(dev);
  if (!bdf || !existsSync(dev)) return undefined;
  const numVfs = Number(readTrim(path.join(dev, "sriov_numvfs")) ?? 0);
  const vfs: VfInfo[] = [];
  for (let k = 0; k < numVfs; k++) {
    const vf = vfOf(dev, k);
    if (vf) vfs.push(vf);
  }
  return {
    name: pf,
    bdf,
    driver: linkBase(path.join(dev, "driver")),
    totalVfs: Number(readTrim(path.join(dev, "sriov_totalvfs")) ?? 0),
    numVfs,
    iommuGroup: linkBase(path.join(dev, "iommu_group")),
    vfs,
  };
}

/** Every netdev backed by a PCI device that can have VFs (for `hynet machine check`). */
export function listSriovPfs(root = SYSFS): string[] {
  let names: string[];
  try {
    names = readdirSync(path.join(root, "class", "net"));
  } catch {
    return [];
  }
  return names.filter((n) => existsSync(path.join(pfDevice(n, root), "sriov_totalvfs"))).sort();
}

/** One VF of a PF as sysfs shows it now. */
export function readVf(pf: string, k: number, root = SYSFS): VfInfo | undefined {
  return vfOf(pfDevice(pf, root), k);
}

/** The driver a PCI device is bound to now (undefined: none). */
export function pciDriver(bdf: string, root = SYSFS): string | undefined {
  return linkBase(path.join(pciDir(bdf, root), "driver"));
}

/** Whether the machine has IOMMU groups at all (an IOMMU is on and the kernel uses it). */
export function hasIommu(root = SYSFS): boolean {
  try {
    return readdirSync(path.join(root, "kernel", "iommu_groups")).length > 0;
  } catch {
    return false;
  }
}

/** Write one sysfs file through Sys: `sh -c 'echo V > FILE'`, so a dry run prints the exact write. */
export async function writeSysfs(sys: Sys, file: string, value: string): Promise<void> {
  const r = await sys.run(["sh", "-c", `echo ${value} > ${file}`], { check: false });
  if (r.code !== 0) {
    const why = r.stderr.trim().split("\n").slice(-1)[0] || `exit code ${r.code}`;
    throw new SystemError("SYSFS_WRITE", `cannot write "${value}" to ${file}: ${why}`, { hint: "SR-IOV changes need root; `hynet machine check` shows what the machine has" });
  }
}

/** Set a PF's VF count. The kernel refuses N→M with both non-zero, so a change goes through 0. */
export async function setNumVfs(sys: Sys, pf: string, n: number, root = SYSFS): Promise<void> {
  const file = path.join(pfDevice(pf, root), "sriov_numvfs");
  const now = Number(readTrim(file) ?? 0);
  if (now === n && !sys.dryRun) return;
  if (now !== 0 && n !== 0) await writeSysfs(sys, file, "0");
  await writeSysfs(sys, file, String(n));
}

/** Wait until the first `n` VFs of a PF have their netdevs (the VF driver probes them after numvfs is set). */
export async function waitVfNetdevs(sys: Sys, pf: string, n: number, root = SYSFS, timeoutMs = 20_000): Promise<VfInfo[]> {
  if (sys.dryRun) return [];
  const end = performance.now() + timeoutMs;
  for (;;) {
    const vfs = Array.from({ length: n }, (_, k) => readVf(pf, k, root));
    if (vfs.every((v) => v?.netdev)) return vfs as VfInfo[];
    if (performance.now() > end) {
      const missing = vfs.map((v, k) => (v?.netdev ? -1 : k)).filter((k) => k >= 0);
      throw new SystemError("SRIOV_VF_NO_NETDEV", `VFs ${missing.join(", ")} of ${pf} have no network device after ${timeoutMs / 1000} s`, {
        hint: "load the VF driver (igbvf, iavf, i40evf…): `modprobe igbvf`; `hynet machine check` shows each VF's driver",
      });
    }
    await sys.sleep(50);
  }
}

/** Per-VF settings the PF holds, as `ip -j link show PF` reports them. */
export interface VfSettings {
  vf: number;
  mac?: string;
  vlan: number;
  spoofchk?: boolean;
  trust?: boolean;
}

interface VfInfoJson {
  vf: number;
  address?: string;
  mac?: string;
  vlan_list?: { vlan?: number }[];
  vlan?: number;
  spoofchk?: boolean;
  trust?: boolean;
}

/** Parse the vfinfo_list of `ip -j -d link show dev PF`. */
export function parseVfSettings(json: string): VfSettings[] {
  const links = JSON.parse(json || "[]") as { vfinfo_list?: VfInfoJson[] }[];
  return (links[0]?.vfinfo_list ?? []).map((v) => ({
    vf: v.vf,
    mac: v.address ?? v.mac,
    vlan: v.vlan_list?.[0]?.vlan ?? v.vlan ?? 0,
    spoofchk: v.spoofchk,
    trust: v.trust,
  }));
}

export async function readVfSettings(sys: Sys, pf: string): Promise<VfSettings[]> {
  if (sys.dryRun) return [];
  const r = await sys.run(["ip", "-j", "-d", "link", "show", "dev", pf]);
  return parseVfSettings(r.stdout);
}

/** `ip link set PF vf K …` for the settings given (igb has no `state`: it is left out unless asked). */
export function vfSetArgv(pf: string, s: VfSettings): string[] {
  const argv = ["ip", "link", "set", "dev", pf, "vf", String(s.vf)];
  if (s.mac) argv.push("mac", s.mac);
  argv.push("vlan", String(s.vlan));
  if (s.spoofchk !== undefined) argv.push("spoofchk", s.spoofchk ? "on" : "off");
  if (s.trust !== undefined) argv.push("trust", s.trust ? "on" : "off");
  return argv;
}

export async function setVf(sys: Sys, pf: string, s: VfSettings): Promise<void> {
  await sys.run(vfSetArgv(pf, s));
}

/** Unbind a PCI device from its driver (no-op when it has none). */
export async function unbindDriver(sys: Sys, bdf: string, root = SYSFS): Promise<void> {
  const drv = pciDriver(bdf, root);
  if (drv) await writeSysfs(sys, path.join(root, "bus", "pci", "drivers", drv, "unbind"), bdf);
}

/** Set (or clear, with "": a bare newline clears it) a device's driver_override, then let the kernel probe it again. */
export async function overrideDriver(sys: Sys, bdf: string, driver: string, root = SYSFS): Promise<void> {
  await writeSysfs(sys, path.join(pciDir(bdf, root), "driver_override"), driver);
  await writeSysfs(sys, path.join(root, "bus", "pci", "drivers_probe"), bdf);
}

/** The device's driver_override now ("" when none). */
export function driverOverride(bdf: string, root = SYSFS): string {
  const v = readTrim(path.join(pciDir(bdf, root), "driver_override"));
  return v === undefined || v === "(null)" ? "" : v;
}
