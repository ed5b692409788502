/** The VM kinds' pure parts, on hand-computed cases: QEMU argv, command line, agent protocol, guest script, pinning, kernel parsing. */
import { describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { decodeResult, encodeRun, scriptFor, shQuote } from "../../src/net/vm/agent.js";
import { guestCmdline, memoryMb, qemuArgv, type GuestConfig } from "../../src/net/vm/qemu-args.js";
import { guestConfigScript, guestMac, sysctlPath } from "../../src/net/vm/guest-config.js";
import { hasPvhNote, isElf, payloadCandidates } from "../../src/net/vm/kernel.js";
import { kernelPackageFrom, lddPaths } from "../../src/net/vm/image.js";
import { vcpuThreads } from "../../src/net/vm/qmp.js";
import { OPT_CMDLINE, consoleTail, pinPlan } from "../../src/net/nodes/vm.js";
import type { NodePlan } from "../../src/net/kinds.js";

const base: GuestConfig = {
  name: "h1",
  accel: "tcg",
  machine: "microvm",
  kernel: "/c/vmlinux",
  initrd: "/c/initrd.cpio",
  cmdline: "console=ttyS0",
  cpus: 2,
  memoryMb: 256,
  nics: [{ tap: "tap0", mac: "3e:e5:a8:40:0d:00" }],
  agentSocket: "/w/agent.sock",
  qmpSocket: "/w/qmp.sock",
  consoleLog: "/w/console.log",
  pidFile: "/w/qemu.pid",
};

function node(over: Partial<NodePlan["spec"]> = {}, intfs: NodePlan["intfs"] = []): NodePlan {
  return { kind: "vm", intfs, spec: { name: "h1", role: "host", params: {}, sysctls: {}, routes: [], neighbors: [], interfaces: [], ...over } };
}

describe("qemuArgv", () => {
  it("boots microvm directly, with no firmware ROMs, a virtio-mmio NIC per tap and the agent/QMP sockets", () => {
    const a = qemuArgv(base);
    const after = (flag: string) => a.filter((_, i) => a[i - 1] === flag);
    expect(a[0]).toBe("qemu-system-x86_64");
    expect(after("-machine")).toEqual(["microvm,pit=on,pic=on,rtc=on,acpi=on,accel=tcg"]);
    expect(a).not.toContain("-cpu");
    expect(after("-smp")).toEqual(["2"]);
    expect(after("-m")).toEqual(["256M"]);
    expect(a).toEqual(expect.arrayContaining(["-nodefaults", "-no-user-config", "-no-reboot", "-daemonize"]));
    expect(after("-kernel")).toEqual(["/c/vmlinux"]);
    expect(after("-netdev")).toEqual(["tap,id=n0,ifname=tap0,script=no,downscript=no"]);
    expect(after("-device")).toEqual(["virtio-serial-device", "virtserialport,chardev=agent,name=hynet.agent", "virtio-net-device,netdev=n0,mac=3e:e5:a8:40:0d:00"]);
    expect(after("-chardev")).toEqual(["file,id=con,path=/w/console.log", "socket,id=agent,path=/w/agent.sock,server=on,wait=off"]);
    expect(after("-qmp")).toEqual(["unix:/w/qmp.sock,server=on,wait=off"]);
    expect(after("-pidfile")).toEqual(["/w/qemu.pid"]);
  });

  it("uses PCI devices with empty ROM files on pc, and the host CPU under KVM", () => {
    const a = qemuArgv({ ...base, machine: "pc", accel: "kvm" });
    const after = (flag: string) => a.filter((_, i) => a[i - 1] === flag);
    expect(after("-machine")).toEqual(["pc,accel=kvm"]);
    expect(after("-cpu")).toEqual(["host"]);
    expect(after("-device")).toEqual(["virtio-serial-pci,romfile=", "virtserialport,chardev=agent,name=hynet.agent", "virtio-net-pci,netdev=n0,mac=3e:e5:a8:40:0d:00,romfile="]);
  });

  it("attaches a root image as a snapshot virtio disk (commas in its path doubled), and none without one", () => {
    const after = (a: string[], flag: string) => a.filter((_, i) => a[i - 1] === flag);
    const a = qemuArgv({ ...base, rootfs: { path: "/img/a,b.squashfs", format: "raw" } });
    expect(after(a, "-drive")).toEqual(["file=/img/a,,b.squashfs,format=raw,if=none,id=root,snapshot=on"]);
    expect(after(a, "-device")).toContain("virtio-blk-device,drive=root");
    const p = qemuArgv({ ...base, machine: "pc", rootfs: { path: "/img/r.qcow2", format: "qcow2" } });
    expect(after(p, "-drive")).toEqual(["file=/img/r.qcow2,format=qcow2,if=none,id=root,snapshot=on"]);
    expect(after(p, "-device")).toContain("virtio-blk-pci,drive=root,romfile=");
    expect(qemuArgv(base)).not.toContain("-drive");
  });
});

describe("guestCmdline", () => {
  it("puts hynet's words first, the TSC frequency for microvm under TCG only, then the kind's and the user's", () => {
    expect(guestCmdline({ name: "h1", accel: "tcg", machine: "microvm", tscKhz: 2095993, extra: [OPT_CMDLINE, " mitigations=off "] })).toBe(
      `console=ttyS0 panic=-1 quiet hynet.name=h1 tsc_early_khz=2095993 ${OPT_CMDLINE} mitigations=off`,
    );
    expect(guestCmdline({ name: "h2", accel: "kvm", machine: "microvm", tscKhz: 2095993 })).toBe("console=ttyS0 panic=-1 quiet hynet.name=h2");
    expect(guestCmdline({ name: "h3", accel: "tcg", machine: "pc", tscKhz: 2095993, extra: [""] })).toBe("console=ttyS0 panic=-1 quiet hynet.name=h3");
  });

  it("the vm_opt words are the seed's, in its order", () => {
    expect(OPT_CMDLINE.split(" ")).toEqual(["idle=poll", "intel_idle.max_cstate=0", "intel_pstate=disable", "amd_pstate=disable", "tsc=reliable", "mce=ignore_ce", "audit=0", "nmi_watchdog=0", "skew_tick=1", "irqaffinity=0", "nosoftlockup"]);
  });
});

describe("memoryMb", () => {
  it("reads the topology's sizes", () => {
    expect(memoryMb("4G", 256)).toBe(4096);
    expect(memoryMb("512M", 256)).toBe(512);
    expect(memoryMb("524288K", 256)).toBe(512);
    expect(memoryMb("268435456", 1)).toBe(256); // bytes
    expect(memoryMb(undefined, 256)).toBe(256);
    expect(memoryMb("lots", 256)).toBe(256);
  });
});

describe("agent protocol", () => {
  it("encodes a request on one line with base64 fields", () => {
    expect(encodeRun("7.ab", "true\n", 1500)).toBe(`RUN 7.ab 1500 ${Buffer.from("true\n").toString("base64")} -\n`);
    expect(encodeRun("x", "cat\n", 0, "hi")).toBe(`RUN x 0 ${Buffer.from("cat\n").toString("base64")} aGk=\n`);
  });

  it("decodes results, including empty outputs, and ignores other lines", () => {
    expect(decodeResult(`RES 7.ab 3 0 ${Buffer.from("out\n").toString("base64")} `)).toEqual({ id: "7.ab", result: { code: 3, timedOut: false, stdout: "out\n", stderr: "" } });
    expect(decodeResult("RES q 137 1  \r")).toEqual({ id: "q", result: { code: 137, timedOut: true, stdout: "", stderr: "" } });
    expect(decodeResult("HELLO hynet-agent 1")).toBeUndefined();
    expect(decodeResult("RES short")).toBeUndefined();
  });

  it("quotes arguments so that sh runs them verbatim", () => {
    expect(shQuote("plain-1.2/x")).toBe("plain-1.2/x");
    expect(shQuote("it's $HOME *")).toBe(`'it'\\''s $HOME *'`);
    expect(shQuote("")).toBe("''");
    const argv = ["printf", "%s|", "a b", "it's", "$x", "*", "", "ü\nz"];
    const r = spawnSync("sh", ["-c", scriptFor(argv)], { encoding: "utf8" });
    expect(r.stdout).toBe("a b|it's|$x|*||ü\nz|");
    expect(() => scriptFor([])).toThrow(/no command/);
  });
});

describe("guest configuration script", () => {
  it("renames NICs by MAC in two steps, sets MTU, sysctls (with globs), then the namespace kind's ip lines", () => {
    const n = node(
      { sysctls: { "net.ipv4.ip_forward": 1, "net.ipv4.conf.*.rp_filter": 0 }, routes: [{ dst: "10.0.2.20/32", via: "10.0.3.200" }], neighbors: [{ ip: "10.0.2.20", mac: "56:54:00:00:00:01", dev: "h1-eth0" }] },
      [{ ifname: "h1-eth0", addrs: ["10.0.3.100/24"], mtu: 1400, link: 0 }],
    );
    const s = guestConfigScript(n, ["52:54:00:aa:bb:cc"]);
    const lines = s.split("\n");
    expect(lines).toContain('n0=$(byaddr 52:54:00:aa:bb:cc)');
    expect(lines).toContain('"$IP" link set dev "$n0" name hynet-tmp0');
    expect(lines).toContain('"$IP" link set dev hynet-tmp0 name h1-eth0');
    expect(lines).toContain('"$IP" link set dev h1-eth0 mtu 1400');
    expect(lines).toContain(`for f in /proc/sys/net/ipv4/ip_forward; do [ -e "$f" ] || { echo "no sysctl net.ipv4.ip_forward" >&2; exit 1; }; echo 1 > "$f"; done`);
    expect(s).toContain("for f in /proc/sys/net/ipv4/conf/*/rp_filter; do");
    const batch = s.slice(s.indexOf("<<'HYNET_EOF'\n") + 14, s.lastIndexOf("HYNET_EOF"));
    expect(batch.split("\n").filter(Boolean)).toEqual([
      "link set dev lo up",
      "link set dev h1-eth0 up",
      "addr add 10.0.3.100/24 dev h1-eth0",
      "route replace 10.0.2.20/32 via 10.0.3.200",
      "neigh replace 10.0.2.20 lladdr 56:54:00:00:00:01 dev h1-eth0 nud permanent",
    ]);
  });

  it("maps sysctl keys to /proc/sys paths as sysctl(8) does", () => {
    expect(sysctlPath("net.ipv4.conf.all.arp_ignore")).toBe("/proc/sys/net/ipv4/conf/all/arp_ignore");
    expect(sysctlPath("net/ipv4/conf/eth0.5/rp_filter")).toBe("/proc/sys/net/ipv4/conf/eth0.5/rp_filter");
  });

  it("gives stable, locally administered MACs", () => {
    const m = guestMac("tab12", "h1", "h1-eth0");
    expect(m).toMatch(/^52:54(:[0-9a-f]{2}){4}$/);
    expect(guestMac("tab12", "h1", "h1-eth0")).toBe(m);
    expect(guestMac("tab12", "h1", "h1-eth1")).not.toBe(m);
  });
});

describe("pinning", () => {
  it("pins vCPUs to the topology's cores, round-robin over the online ones when they are missing", () => {
    expect(pinPlan(node({ params: { cpuPin: [0, 1] } }), 0, 2, [0, 1], false)).toEqual({ cores: [0, 1], dropped: [] });
    expect(pinPlan(node({ params: { cpuPin: [1] } }), 0, 2, [0, 1], false)).toEqual({ cores: [1, 1], dropped: [] });
    // The paper's h2 (index 2) on a 2-core machine: cores 8, 9 do not exist.
    expect(pinPlan(node({ params: { cpuPin: [8, 9] } }), 2, 1, [0, 1], false)).toEqual({ cores: [0], dropped: [8, 9] });
    expect(pinPlan(node(), 3, 2, [0, 1], true)).toEqual({ cores: [0, 1], dropped: [] });
    expect(pinPlan(node(), 0, 2, [0, 1], false)).toEqual({ cores: [], dropped: [] });
  });

  it("reads vCPU threads from query-cpus-fast", () => {
    expect(vcpuThreads([{ "cpu-index": 1, "thread-id": 502 }, { "cpu-index": 0, "thread-id": 501 }, { "cpu-index": 2 }])).toEqual([{ cpu: 0, thread: 501 }, { cpu: 1, thread: 502 }]);
    expect(vcpuThreads(undefined)).toEqual([]);
  });
});

describe("kernel and image helpers", () => {
  it("finds compressed payloads by magic and recognises ELF", () => {
    const img = Buffer.concat([Buffer.alloc(100), Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]), Buffer.alloc(10), Buffer.from([0x1f, 0x8b, 0x08])]);
    expect(payloadCandidates(img).map((c) => [c.offset, c.codec.argv[0]])).toEqual([[100, "xz"], [116, "gzip"]]);
    expect(isElf(Buffer.from("\x7fELF", "latin1"))).toBe(true);
    expect(isElf(Buffer.from("MZ.."))).toBe(false);
  });

  it("finds the PVH note (Xen, type 18) in a hand-made ELF and not in one without it", () => {
    const elf = (noteType: number) => {
      const b = Buffer.alloc(0x40 + 0x38 + 24);
      b.write("\x7fELF", 0, "latin1");
      b[4] = 2; // 64-bit
      b[5] = 1; // little endian
      b.writeBigUInt64LE(0x40n, 0x20); // e_phoff
      b.writeUInt16LE(0x38, 0x36); // e_phentsize
      b.writeUInt16LE(1, 0x38); // e_phnum
      const ph = 0x40;
      b.writeUInt32LE(4, ph); // PT_NOTE
      b.writeBigUInt64LE(BigInt(0x78), ph + 8); // p_offset
      b.writeBigUInt64LE(24n, ph + 0x20); // p_filesz
      const n = 0x78;
      b.writeUInt32LE(4, n); // namesz "Xen\0"
      b.writeUInt32LE(8, n + 4); // descsz
      b.writeUInt32LE(noteType, n + 8);
      b.write("Xen\0", n + 12, "latin1");
      return b;
    };
    expect(hasPvhNote(elf(18))).toBe(true);
    expect(hasPvhNote(elf(17))).toBe(false);
    expect(hasPvhNote(Buffer.from("not an elf"))).toBe(false);
  });

  it("reads apt-cache and ldd output", () => {
    expect(kernelPackageFrom("linux-image-amd64\n  Depends: linux-image-6.1.0-56-amd64\n")).toBe("linux-image-6.1.0-56-amd64");
    expect(kernelPackageFrom("linux-image-amd64\n")).toBeUndefined();
    const ldd = "\tlinux-vdso.so.1 (0x00007ffd)\n\tlibmnl.so.0 => /lib/x86_64-linux-gnu/libmnl.so.0 (0x00007f)\n\t/lib64/ld-linux-x86-64.so.2 (0x00007f)\n";
    expect(lddPaths(ldd)).toEqual(["/lib/x86_64-linux-gnu/libmnl.so.0", "/lib64/ld-linux-x86-64.so.2"]);
    expect(lddPaths("\tnot a dynamic executable\n")).toEqual([]);
  });
});

describe("consoleTail", () => {
  it("keeps the guest init's last complaint and the panic in view above a long stack dump", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "hynet-ct-"));
    const f = path.join(dir, "console.log");
    const dump = Array.from({ length: 20 }, (_, i) => `[ 2.${i}] frame ${i}`);
    fs.writeFileSync(f, ["hynet: ready g1", "hynet: the root image has no /run directory", "[ 2.0] Kernel panic - not syncing: x", ...dump].join("\r\n") + "\r\n");
    try {
      expect((await consoleTail(f, 3)).split("\n")).toEqual(["hynet: the root image has no /run directory", "…", "[ 2.0] Kernel panic - not syncing: x", "…", "[ 2.17] frame 17", "[ 2.18] frame 18", "[ 2.19] frame 19"]);
      fs.writeFileSync(f, "a\nhynet: x\n");
      expect(await consoleTail(f, 3)).toBe("a\nhynet: x");
      expect(await consoleTail(path.join(dir, "none"))).toBe("(the console is empty)");
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
