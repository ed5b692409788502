/**
 * SR-IOV logic on a fake sysfs tree given by path (what the lab cannot show:
 * 14 VFs per PF, i40e/iavf names, the refusals), and the machine file.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createSys } from "../../src/sys/index.js";
import type { HynetEvent } from "../../src/events.js";
import { hasIommu, listSriovPfs, parseVfSettings, readPf, setNumVfs, vfSetArgv } from "../../src/sys/sriov.js";
import { parseMachine, slots, type Machine } from "../../src/net/machine.js";
import { allocate, provision, restoreSriov } from "../../src/net/sriov.js";
import type { NetContext, Resource } from "../../src/net/kinds.js";

let root: string;
let stateDir: string;

/** A PF like the seed's (i40e, VFs named <pf>v<k> bound to iavf), with `numvfs` of `total` VFs made. */
function addPf(pf: string, bdf: string, o: { total: number; numvfs: number; driver?: string; vfDriver?: string; busy?: number[] }): void {
  const dev = path.join(root, "bus/pci/devices", bdf);
  fs.mkdirSync(dev, { recursive: true });
  fs.writeFileSync(path.join(dev, "sriov_totalvfs"), `${o.total}\n`);
  fs.writeFileSync(path.join(dev, "sriov_numvfs"), `${o.numvfs}\n`);
  const grp = (n: string) => {
    fs.mkdirSync(path.join(root, "kernel/iommu_groups", n), { recursive: true });
    return path.join(root, "kernel/iommu_groups", n);
  };
  fs.symlinkSync(grp(bdf.slice(-4)), path.join(dev, "iommu_group"));
  if (o.driver) {
    fs.mkdirSync(path.join(root, "bus/pci/drivers", o.driver), { recursive: true });
    fs.symlinkSync(path.join(root, "bus/pci/drivers", o.driver), path.join(dev, "driver"));
  }
  fs.mkdirSync(path.join(dev, "net", pf), { recursive: true });
  fs.mkdirSync(path.join(root, "class/net"), { recursive: true });
  fs.symlinkSync(path.join(dev, "net", pf), path.join(root, "class/net", pf));
  fs.symlinkSync(dev, path.join(dev, "net", pf, "device"));
  for (let k = 0; k < o.numvfs; k++) {
    const vbdf = `${bdf.slice(0, -4)}${(2 + k).toString(16).padStart(2, "0")}.${k % 8}`;
    const vdev = path.join(root, "bus/pci/devices", vbdf);
    fs.mkdirSync(vdev, { recursive: true });
    fs.symlinkSync(vdev, path.join(dev, `virtfn${k}`));
    if (!o.busy?.includes(k)) fs.mkdirSync(path.join(vdev, "net", `${pf}v${k}`), { recursive: true });
    fs.symlinkSync(grp(`v${vbdf}`), path.join(vdev, "iommu_group"));
    fs.mkdirSync(path.join(root, "bus/pci/drivers", o.vfDriver ?? "iavf"), { recursive: true });
    fs.symlinkSync(path.join(root, "bus/pci/drivers", o.vfDriver ?? "iavf"), path.join(vdev, "driver"));
  }
}

const machine = (o: Partial<Machine> = {}): Machine => ({ file: "m.yaml", pairs: [{ a: "enp100s0f0", b: "enp33s0f0" }], vfs: 14, vlanBase: 1, loadgen: [], ...o });

function ctxFor(sys: ReturnType<typeof createSys>, recs: Resource[]): NetContext {
  return { sys, prefix: "tsr", workDir: root, record: async (r) => void recs.push(r), records: () => recs, nsName: (n) => `tsr-${n}` };
}

beforeEach(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), "hynet-sysfs-"));
  stateDir = fs.mkdtempSync(path.join(os.tmpdir(), "hynet-sriov-state-"));
  process.env.HYNET_STATE_DIR = stateDir;
});
afterEach(() => {
  delete process.env.HYNET_STATE_DIR;
  fs.rmSync(root, { recursive: true, force: true });
  fs.rmSync(stateDir, { recursive: true, force: true });
});

describe("sysfs reading", () => {
  it("reads a PF with 14 VFs: PCI addresses, netdevs, drivers, IOMMU groups", () => {
    addPf("enp100s0f0", "0000:64:00.0", { total: 64, numvfs: 14, driver: "i40e" });
    const pf = readPf("enp100s0f0", root)!;
    expect(pf).toMatchObject({ bdf: "0000:64:00.0", driver: "i40e", totalVfs: 64, numVfs: 14, iommuGroup: "00.0" });
    expect(pf.vfs).toHaveLength(14);
    expect(pf.vfs[13]).toMatchObject({ index: 13, netdev: "enp100s0f0v13", driver: "iavf" });
    expect(listSriovPfs(root)).toEqual(["enp100s0f0"]);
    expect(hasIommu(root)).toBe(true);
    expect(readPf("nope", root)).toBeUndefined();
  });

  it("sets sriov_numvfs through 0 when changing a non-zero count (a real write into the tree)", async () => {
    addPf("ens1f0", "0000:21:00.0", { total: 128, numvfs: 0, driver: "ice" });
    const ev: HynetEvent[] = [];
    const sys = createSys({ emit: (e) => ev.push(e) });
    await setNumVfs(sys, "ens1f0", 14, root);
    expect(fs.readFileSync(path.join(root, "bus/pci/devices/0000:21:00.0/sriov_numvfs"), "utf8").trim()).toBe("14");
    await setNumVfs(sys, "ens1f0", 4, root);
    const writes = ev.flatMap((e) => (e.type === "command" ? [e.argv.join(" ")] : []));
    expect(writes.map((w) => w.replace(root, "SYS"))).toEqual([
      "sh -c echo 14 > SYS/class/net/ens1f0/device/sriov_numvfs",
      "sh -c echo 0 > SYS/class/net/ens1f0/device/sriov_numvfs",
      "sh -c echo 4 > SYS/class/net/ens1f0/device/sriov_numvfs",
    ]);
  });

  it("parses the PF's per-VF settings from `ip -j -d link show` and builds `ip link set … vf`", () => {
    const json = JSON.stringify([{ ifname: "eth0", vfinfo_list: [{ vf: 0, address: "00:00:00:00:00:00", vlan_list: [{ vlan: 3 }], spoofchk: false, trust: true }, { vf: 1, address: "02:00:00:00:00:01", spoofchk: true, trust: false }] }]);
    expect(parseVfSettings(json)).toEqual([
      { vf: 0, mac: "00:00:00:00:00:00", vlan: 3, spoofchk: false, trust: true },
      { vf: 1, mac: "02:00:00:00:00:01", vlan: 0, spoofchk: true, trust: false },
    ]);
    expect(vfSetArgv("eth0", { vf: 2, vlan: 3, spoofchk: false, trust: true }).join(" ")).toBe("ip link set dev eth0 vf 2 vlan 3 spoofchk off trust on");
  });
});

describe("allocation refuses, before changing anything", () => {
  const sys = createSys();
  it("takes the next free VF pair, VLAN base + k, over every cabled pair", () => {
    addPf("enp100s0f0", "0000:64:00.0", { total: 64, numvfs: 14, driver: "i40e" });
    addPf("enp33s0f0", "0000:21:00.0", { total: 64, numvfs: 14, driver: "i40e" });
    const got = allocate(machine(), 6, sys, "tsr", root);
    expect(got.map((s) => `${s.vf}/${s.vlan}`)).toEqual(["0/1", "1/2", "2/3", "3/4", "4/5", "5/6"]);
    expect(slots(machine({ pairs: [{ a: "a0", b: "b0" }, { a: "a1", b: "b1" }], vfs: 7 }))[7]).toMatchObject({ pair: { a: "a1" }, vf: 0, vlan: 8 });
  });

  it("VFs exhausted", () => {
    addPf("enp100s0f0", "0000:64:00.0", { total: 64, numvfs: 14, driver: "i40e" });
    addPf("enp33s0f0", "0000:21:00.0", { total: 64, numvfs: 14, driver: "i40e" });
    expect(() => allocate(machine(), 15, sys, "tsr", root)).toThrow(expect.objectContaining({ code: "SRIOV_VFS_EXHAUSTED" }));
  });

  it("VFs held by another live network are not taken again", () => {
    addPf("enp100s0f0", "0000:64:00.0", { total: 64, numvfs: 14, driver: "i40e" });
    addPf("enp33s0f0", "0000:21:00.0", { total: 64, numvfs: 14, driver: "i40e" });
    const head = { type: "net", version: 1, prefix: "other", name: "x", kinds: { host: "namespace", link: "hwpair" }, pid: process.pid, created: "2026-01-01", topology: {} };
    const lines = [head, { type: "detached" }, ...[0, 1].flatMap((vf) => ["enp100s0f0", "enp33s0f0"].map((pf) => ({ type: "res", res: { type: "sriov-vf", pf, vf, vlan: vf + 1, before: { vlan: 0 } } })))];
    fs.writeFileSync(path.join(stateDir, "other.jsonl"), lines.map((l) => JSON.stringify(l)).join("\n") + "\n");
    expect(allocate(machine(), 2, sys, "tsr", root).map((s) => s.vf)).toEqual([2, 3]);
    expect(() => allocate(machine(), 13, sys, "tsr", root)).toThrow(expect.objectContaining({ code: "SRIOV_VFS_EXHAUSTED" }));
  });

  it("a PF that is not there, has no driver, offers too few VFs, or has a VF count someone else set", () => {
    expect(() => allocate(machine(), 1, sys, "tsr", root)).toThrow(expect.objectContaining({ code: "SRIOV_NO_PF" }));
    addPf("enp100s0f0", "0000:64:00.0", { total: 64, numvfs: 0 });
    addPf("enp33s0f0", "0000:21:00.0", { total: 8, numvfs: 0, driver: "i40e" });
    expect(() => allocate(machine(), 1, sys, "tsr", root)).toThrow(expect.objectContaining({ code: "SRIOV_PF_NO_DRIVER" }));
    fs.rmSync(root, { recursive: true });
    addPf("enp100s0f0", "0000:64:00.0", { total: 64, numvfs: 0, driver: "i40e" });
    addPf("enp33s0f0", "0000:21:00.0", { total: 8, numvfs: 0, driver: "ice" });
    expect(() => allocate(machine(), 1, sys, "tsr", root)).toThrow(expect.objectContaining({ code: "SRIOV_TOO_FEW_VFS" }));
    fs.rmSync(root, { recursive: true });
    addPf("enp100s0f0", "0000:64:00.0", { total: 64, numvfs: 2, driver: "i40e" });
    addPf("enp33s0f0", "0000:21:00.0", { total: 64, numvfs: 0, driver: "i40e" });
    expect(() => allocate(machine(), 1, sys, "tsr", root)).toThrow(expect.objectContaining({ code: "SRIOV_NUMVFS_IN_USE" }));
  });

  it("a VF whose netdev is elsewhere (another namespace, a guest) is busy", () => {
    addPf("enp100s0f0", "0000:64:00.0", { total: 64, numvfs: 14, driver: "i40e", busy: [0] });
    addPf("enp33s0f0", "0000:21:00.0", { total: 64, numvfs: 14, driver: "i40e" });
    expect(() => allocate(machine(), 1, sys, "tsr", root)).toThrow(expect.objectContaining({ code: "SRIOV_VF_BUSY" }));
  });
});

describe("provisioning and restore (dry run: the exact plan)", () => {
  it("records the VF count before setting it, then each VF's settings before changing them; restore undoes both", async () => {
    addPf("enp100s0f0", "0000:64:00.0", { total: 64, numvfs: 0, driver: "i40e" });
    addPf("enp33s0f0", "0000:21:00.0", { total: 64, numvfs: 0, driver: "i40e" });
    const ev: HynetEvent[] = [];
    const sys = createSys({ dryRun: true, emit: (e) => ev.push(e) });
    const recs: Resource[] = [];
    const m = machine();
    await provision(m, allocate(m, 2, sys, "tsr", root), ctxFor(sys, recs), root);
    expect(recs.map((r) => (r.type === "sriov-numvfs" ? `n ${r.pf} ${r.before}` : r.type === "sriov-vf" ? `v ${r.pf} ${r.vf} ${r.vlan}` : r.type))).toEqual([
      "n enp100s0f0 0",
      "v enp100s0f0 0 1",
      "v enp100s0f0 1 2",
      "n enp33s0f0 0",
      "v enp33s0f0 0 1",
      "v enp33s0f0 1 2",
    ]);
    const cmds = ev.flatMap((e) => (e.type === "command" ? [e.argv.join(" ").replace(root, "SYS")] : []));
    expect(cmds).toContain("sh -c echo 14 > SYS/class/net/enp100s0f0/device/sriov_numvfs");
    expect(cmds).toContain("ip link set dev enp33s0f0 vf 1 vlan 2 spoofchk off trust on");
    ev.length = 0;
    const done = await restoreSriov([...recs, { type: "pci-driver", bdf: "0000:64:02.0", before: "iavf", overrideBefore: "" }], sys, root);
    expect(done).toEqual(["pci 0000:64:02.0 back to iavf", "sriov_numvfs of enp33s0f0 back to 0", "sriov_numvfs of enp100s0f0 back to 0"]);
    const undo = ev.flatMap((e) => (e.type === "command" ? [e.argv.join(" ").replace(root, "SYS")] : []));
    expect(undo).toContain("sh -c echo  > SYS/bus/pci/devices/0000:64:02.0/driver_override");
    expect(undo).toContain("sh -c echo 0 > SYS/class/net/enp100s0f0/device/sriov_numvfs");
  });
});

describe("the machine file", () => {
  it("reads pairs, vfs, vlan_base and loadgen PFs", () => {
    const m = parseMachine("pairs:\n  - { a: enp100s0f0, b: enp33s0f0 }\nvfs: 14\nloadgen: [enp100s0f1, enp33s0f1]\n", "m.yaml");
    expect(m).toEqual({ file: "m.yaml", pairs: [{ a: "enp100s0f0", b: "enp33s0f0" }], vfs: 14, vlanBase: 1, loadgen: ["enp100s0f1", "enp33s0f1"] });
    expect(slots(m)).toHaveLength(14);
  });

  it("names the file and line of a mistake", () => {
    expect(() => parseMachine("pairs:\n  - { a: eth0, b: eth1 }\nvfs: 7\nvlan: 3\n", "m.yaml")).toThrow(expect.objectContaining({ code: "MACHINE_SCHEMA", file: "m.yaml", line: 4, message: expect.stringContaining('unknown field "vlan"') }));
    expect(() => parseMachine("pairs:\n  - { a: eth0, b: eth1 }\nvfs: many\n", "m.yaml")).toThrow(expect.objectContaining({ line: 3 }));
    expect(() => parseMachine("pairs:\n  - { a: eth0, b: eth0 }\nvfs: 7\n", "m.yaml")).toThrow(expect.objectContaining({ message: expect.stringContaining("eth0 is named twice") }));
  });
});

describe("VM hosts and refusals of the link kind", () => {
  it("passes a VF to QEMU as -device vfio-pci instead of a tap NIC", async () => {
    const { qemuArgv } = await import("../../src/net/vm/qemu-args.js");
    const argv = qemuArgv({
      name: "g1", accel: "tcg", machine: "pc", kernel: "k", initrd: "i", cmdline: "c", cpus: 1, memoryMb: 256,
      nics: [{ tap: "tap0", mac: "52:54:00:00:00:01", vfio: "0000:02:10.0" }, { tap: "tap1", mac: "52:54:00:00:00:02" }],
      agentSocket: "a", qmpSocket: "q", consoleLog: "c", pidFile: "p",
    });
    const devices = argv.flatMap((a, i) => (a === "-device" ? [argv[i + 1]] : []));
    expect(devices).toContain("vfio-pci,host=0000:02:10.0");
    expect(argv.filter((a) => a.startsWith("tap,id="))).toEqual(["tap,id=n1,ifname=tap1,script=no,downscript=no"]);
  });

  it("refuses VF passthrough without IOMMU groups or without vfio-pci, before any change", async () => {
    const { checkPassthrough } = await import("../../src/net/sriov.js");
    const sys = createSys();
    expect(() => checkPassthrough(sys, root)).toThrow(expect.objectContaining({ code: "SRIOV_NO_IOMMU" }));
    fs.mkdirSync(path.join(root, "kernel/iommu_groups/0"), { recursive: true });
    expect(() => checkPassthrough(sys, root)).toThrow(expect.objectContaining({ code: "SRIOV_NO_VFIO" }));
    fs.mkdirSync(path.join(root, "bus/pci/drivers/vfio-pci"), { recursive: true });
    expect(() => checkPassthrough(sys, root)).not.toThrow();
  });

  it("says what a machine without the file lacks", async () => {
    const { hwpairKind } = await import("../../src/net/links/hwpair.js");
    process.env.HYNET_MACHINE = path.join(root, "none.yaml");
    try {
      expect(await hwpairKind.unavailable!(createSys())).toMatch(/no machine file/);
    } finally {
      delete process.env.HYNET_MACHINE;
    }
  });
});

describe("the lab's shares", () => {
  it("shares a checkout or working folder that the guest's tmpfs would hide, read-only, once", async () => {
    const { hiddenFolders, labQemuArgv } = await import("../../src/net/vm/lab.js");
    expect(hiddenFolders(["/work/main", "/work/main/examples"], [])).toEqual([]);
    expect(hiddenFolders(["/tmp/ci-clone", "/tmp/ci-clone/examples", "/run/x"], [])).toEqual(["/tmp/ci-clone", "/run/x"]);
    expect(hiddenFolders(["/tmp/ci-clone"], ["/tmp"])).toEqual([]);
    expect(hiddenFolders(["/tmpfoo/a"], [])).toEqual([]);
    const argv = labQemuArgv({ image: { kernel: "k", initrd: "i" } as never, accel: "tcg", jobDir: "/tmp/j", writable: [], readonly: ["/tmp/ci-clone"], memoryMb: 512, cpus: 1 });
    expect(argv).toContain("local,id=ro0,path=/tmp/ci-clone,security_model=none,readonly=on");
    expect(argv[argv.indexOf("-append") + 1]).toContain("hynet.ro=ro0:/tmp/ci-clone");
  });
});
