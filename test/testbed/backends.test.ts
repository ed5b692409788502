/**
 * The MoonGen and MoonSniff backends without the tools: their exact command
 * lines, their outputs read back (a MoonGen run fed by a program that prints
 * what hynet's Lua script prints, MoonSniff's stats CSV), and a MoonSniff-layout
 * capture pair (hardware timestamp moved into the record header, the 8
 * trailing timestamp bytes left in a short frame's data, orig_len = frame − 8)
 * through hynet's evaluator. Also the testbed file's errors and the SSH argv.
 */
import { describe, expect, it } from "vitest";
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { moongenArgv, moongenLoadGenerator, MOONGEN_SCRIPT, parsePorts } from "../../src/traffic/moongen.js";
import { moonsniffArgv, parseMoonsniffStats } from "../../src/capture/moonsniff.js";
import { loadgens } from "../../src/traffic/registry.js";
import { timestampers } from "../../src/capture/registry.js";
import { fillPacket, makeTemplate } from "../../src/traffic/packet.js";
import { evaluatePair } from "../../src/evaluate/index.js";
import { DEFAULT_PARAMS } from "../../src/evaluate/params.js";
import { createSys } from "../../src/sys/index.js";
import { parseTestbed } from "../../src/testbed/file.js";
import { describeRoles } from "../../src/testbed/index.js";
import { loadExperiment } from "../../src/experiment/file.js";
import { sshArgv } from "../../src/sys/ssh.js";
import { HynetError } from "../../src/errors.js";
import { factsScript, judge, parseFacts, PAPER_BOOT_PARAMS } from "../../src/testbed/preflight.js";

const tmp = () => mkdtempSync(path.join(tmpdir(), "hynet-backends-"));

describe("moongen load generator", () => {
  it("is registered and builds the seed's command line from the run's parameters", () => {
    expect(loadgens.moongen).toBe(moongenLoadGenerator);
    const argv = moongenArgv({ iface: "0,1", rate: 50000, burst: 1, flows: 10, size: 84, durationS: 90, warmUpS: 30, dstMac: "3e:e5:a8:40:0d:00" }, "/opt/MoonGen/build/MoonGen");
    expect(argv).toEqual([
      "/opt/MoonGen/build/MoonGen", MOONGEN_SCRIPT,
      "-x", "84", "--fix-packetrate", "50000", "--packets", "4500000", "--flows", "10", "--burst", "1", "--warm-up", "30",
      "--dst-mac", "3e:e5:a8:40:0d:00", "0", "1",
    ]);
    expect(readFileSync(MOONGEN_SCRIPT, "utf8")).toMatch(/function master\(args\)/);
    expect(parsePorts("3")).toEqual({ tx: 3, rx: 4 });
    expect(() => moongenArgv({ iface: "eth0", rate: 1, burst: 1, flows: 1, size: 84, packets: 1, warmUpS: 0 })).toThrow(/DPDK port ids/);
  });

  it("passes the script's phases on and reads its result line", async () => {
    const d = tmp();
    // What moongen/hynet-loadgen.lua prints, from a program in MoonGen's place.
    const fake = path.join(d, "MoonGen");
    writeFileSync(fake, `#!/bin/sh\necho "[INFO]  Waiting for devices to come up..."\necho hynet-phase warmup\necho hynet-phase pause\nsleep 0.2\necho hynet-phase measure\necho hynet-phase done\necho "hynet-result sent=1000 warmup=945 first_ns=1000000000 last_ns=1019980000"\necho "$@" > ${d}/argv\n`);
    chmodSync(fake, 0o755);
    process.env.HYNET_MOONGEN = fake;
    const phases: string[] = [];
    try {
      const r = await moongenLoadGenerator.run({ iface: "0,1", rate: 50000, burst: 1, flows: 10, size: 84, packets: 1000, warmUpS: 0.2, onPhase: (p) => void phases.push(p) }, createSys());
      expect(phases).toEqual(["warmup", "pause", "measure", "done"]);
      expect(r.sent).toBe(1000);
      expect(r.warmup_sent).toBe(945);
      expect(r.duration_ns).toBe(19_980_000);
      expect(r.achieved_pps).toBeCloseTo(50000, 3);
      expect(readFileSync(path.join(d, "argv"), "utf8").trim()).toBe(`${MOONGEN_SCRIPT} -x 84 --fix-packetrate 50000 --packets 1000 --flows 10 --burst 1 --warm-up 0.2 0 1`);
    } finally {
      delete process.env.HYNET_MOONGEN;
    }
  });
});

describe("moonsniff timestamper", () => {
  it("is registered and builds the seed's sniffer command line", () => {
    expect(Object.keys(timestampers)).toContain("moonsniff");
    expect(moonsniffArgv({ pre: { iface: "0" }, post: { iface: "1" }, outDir: ".", snaplen: 84, durationS: 105 }, "MoonGen", "/opt/MoonGen/examples/moonsniff/sniffer.lua")).toEqual([
      "MoonGen", "/opt/MoonGen/examples/moonsniff/sniffer.lua", "0", "1", "--capture", "--time", "105", "--snaplen", "84",
    ]);
    expect(() => moonsniffArgv({ pre: { iface: "eth0" }, post: { iface: "1" }, outDir: ".", snaplen: 84 })).toThrow(/DPDK port ids/);
  });

  it("reads MoonGen's rate-counter CSV: the last row per device is the total, pre first", () => {
    const csv = [
      "Time,Device,Direction,PacketRate,Mbit,MbitWithFraming,TotalPackets,TotalBytes",
      "1.0,id=0,rx,0.05,33.6,41.6,50000,4200000",
      "1.0,id=1,rx,0.05,33.6,41.6,49990,4199160",
      "2.0,id=0,rx,0.05,33.6,41.6,100000,8400000",
      "2.0,id=1,rx,0.05,33.6,41.6,99990,8399160",
    ].join("\n");
    expect(parseMoonsniffStats(csv).devices).toEqual([
      { device: "id=0", packets: 100000, bytes: 8400000 },
      { device: "id=1", packets: 99990, bytes: 8399160 },
    ]);
    expect(() => parseMoonsniffStats("Time,Device\n")).toThrow(/no column Direction/);
  });

  /** A pcap as MoonSniff writes it: ns magic; ts from the NIC's trailing 8 bytes; orig_len = frame − 8; data cut at snaplen. */
  function moonsniffPcap(file: string, size: number, snaplen: number, frames: { id: number; ns: bigint }[]): void {
    const t = makeTemplate({ size, flows: 10 });
    const parts: Buffer[] = [];
    const gh = Buffer.alloc(24);
    gh.writeUInt32LE(0xa1b23c4d, 0);
    gh.writeUInt16LE(2, 4);
    gh.writeUInt16LE(4, 6);
    gh.writeUInt32LE(snaplen, 16);
    gh.writeUInt32LE(1, 20);
    parts.push(gh);
    frames.forEach((f, n) => {
      const wire = Buffer.alloc(size + 8);
      fillPacket(t, f.id, n + 1, wire, 0);
      const sec = Number(f.ns / 1_000_000_000n);
      const nsec = Number(f.ns % 1_000_000_000n);
      // The NIC's stamp in the last 8 bytes: low 32 bits nanoseconds, high 32 bits seconds.
      wire.writeUInt32LE(nsec, size);
      wire.writeUInt32LE(sec, size + 4);
      const incl = Math.min(wire.length, snaplen);
      const h = Buffer.alloc(16);
      h.writeUInt32LE(sec, 0);
      h.writeUInt32LE(nsec, 4);
      h.writeUInt32LE(incl, 8);
      h.writeUInt32LE(size, 12);
      parts.push(h, wire.subarray(0, incl));
    });
    writeFileSync(file, Buffer.concat(parts));
  }

  for (const size of [64, 84]) {
    it(`a MoonSniff-layout pair of ${size}-byte frames (snaplen 84) evaluates to the latencies it holds`, async () => {
      const d = tmp();
      const base = 1_700_000_000_000_000_000n;
      const n = 2000;
      const pre = Array.from({ length: n }, (_, i) => ({ id: i, ns: base + BigInt(i) * 20_000n }));
      // Latency 3000 + (id mod 7) * 100 ns; id 5 lost on the way.
      const post = pre.filter((f) => f.id !== 5).map((f) => ({ id: f.id, ns: f.ns + 3000n + BigInt(f.id % 7) * 100n }));
      const preFile = path.join(d, "latencies-pre-rate50000-linkveth-nodenamespace-burst1.pcap");
      const postFile = path.join(d, "latencies-post-rate50000-linkveth-nodenamespace-burst1.pcap");
      moonsniffPcap(preFile, size, 84, pre);
      moonsniffPcap(postFile, size, 84, post);
      const s = await evaluatePair(preFile, postFile, path.join(d, "eval"), { ...DEFAULT_PARAMS, formats: ["csv"] }, createSys());
      expect(s.pre_records).toBe(n);
      expect(s.matched).toBe(n - 1);
      expect(s.lost).toBe(1);
      expect(s.latency_ns.min).toBe(3000);
      expect(s.latency_ns.max).toBe(3600);
      const hist = readFileSync(path.join(d, "eval", `${path.basename(preFile)}.bucket_size100.trim_ms0.hist.csv`), "utf8").trim().split("\n");
      expect(hist[0]).toBe("latency_bucket,count");
      expect(hist.slice(1).map((l) => Number(l.split(",")[0]))).toEqual([3000, 3100, 3200, 3300, 3400, 3500, 3600]);
      expect(hist.slice(1).reduce((a, l) => a + Number(l.split(",")[1]), 0)).toBe(n - 1);
    });
  }
});

describe("testbed file and transport", () => {
  const good = `machines:
  lg: { address: 192.0.2.1, identity: keys/id, known_hosts: accept-new }
  dut: { address: 192.0.2.2, port: 2222, user: hynet }
roles:
  loadgen: { machine: lg, tx: 0, rx: 1 }
  dut: { machine: dut, sudo: true }
  timestamper: { machine: lg, pre: 2, post: 3 }
`;

  it("reads machines and roles; the evaluator defaults to this machine", () => {
    const tb = parseTestbed(good, "/etc/hynet/tb.yaml");
    expect(tb.targets.dut).toMatchObject({ name: "dut", local: false, address: "192.0.2.2", port: 2222, user: "hynet", knownHosts: "strict" });
    expect(tb.targets.loadgen.identity).toBe("/etc/hynet/keys/id");
    expect(tb.targets.evaluator).toEqual({ name: "local", local: true });
    expect(tb.roles.loadgen.tx).toBe("0");
    expect(tb.roles.timestamper.work_dir).toBe("/tmp/hynet-testbed");
  });

  it("names file and line of a mistake", () => {
    const err = (text: string) => {
      try {
        parseTestbed(text, "tb.yaml");
      } catch (e) {
        return e as HynetError;
      }
      throw new Error("no error");
    };
    const a = err(good.replace("dut: { machine: dut, sudo: true }", "dut: { machine: dutt, sudo: true }"));
    expect([a.code, a.line, a.message]).toEqual(["TESTBED_UNKNOWN_MACHINE", 6, 'field `roles.dut.machine`: no machine "dutt" under `machines`']);
    const b = err(good.replace("port: 2222", "port: 2222, pasword: x"));
    expect([b.code, b.line]).toEqual(["TESTBED_INVALID", 3]);
    expect(b.message).toBe("field `machines.dut`: unknown field `pasword`");
    const c = err(good.replace("  timestamper: { machine: lg, pre: 2, post: 3 }\n", ""));
    expect(c.message).toBe("field `roles.timestamper`: is required");
  });

  it("the paper's testbed file: which machine plays which role (hynet plan --testbed)", async () => {
    const tb = parseTestbed(readFileSync("examples/testbed/paper.yaml", "utf8"), path.resolve("examples/testbed/paper.yaml"));
    expect(describeRoles(tb, await loadExperiment("examples/paper/experiment.yaml"))).toEqual([
      "loadgen: loadgen (root@loadgen.testbed.example:22): load generator moongen",
      "dut: dut (root@dut.testbed.example:22): the network (hynet up/down)",
      "timestamper: timestamper (root@timestamper.testbed.example:22): timestamper moonsniff",
      "evaluator: this machine: evaluation",
    ]);
    expect(parseTestbed(readFileSync("examples/testbed/namespaces.yaml", "utf8"), "namespaces.yaml").targets.dut.address).toBe("10.249.1.2");
  });

  it("builds one multiplexed, non-interactive ssh argv per command", () => {
    const tb = parseTestbed(good, "/etc/hynet/tb.yaml");
    const argv = sshArgv(tb.targets.dut, "hynet down --net tb1");
    expect(argv[0]).toBe("ssh");
    expect(argv).toContain("BatchMode=yes");
    expect(argv).toContain("ControlMaster=auto");
    expect(argv.find((a) => a.startsWith("ControlPath="))).toMatch(/^ControlPath=\/tmp\/hynet-ssh-\d+\/%C$/);
    expect(argv).toContain("StrictHostKeyChecking=yes");
    expect(argv.slice(-7)).toEqual(["-p", "2222", "-l", "hynet", "192.0.2.2", "--", "hynet down --net tb1"]);
    expect(sshArgv(tb.targets.evaluator, "true")).toEqual(["sh", "-c", "true"]);
  });

  it("preflight judges facts: boot parameters and governor warn, a missing tool fails", () => {
    const facts = parseFacts(`uid=0\nroot=yes\nhynet=0.1.0\ncmdline=BOOT_IMAGE=/vmlinuz ${PAPER_BOOT_PARAMS.slice(1).join(" ")}\ngovernor=powersave\niommu_groups=0\nhugepages=0\nfree_kb=1048576\nfile.moongen=no\n`);
    const f = judge("dut", "dut1", facts, { nics: [], files: {}, dpdk: false }, { hynet: "hynet" });
    expect(f.find((x) => x.check === "boot parameters")).toMatchObject({ level: "warn", detail: expect.stringMatching(/lacks nosmt$/) });
    expect(f.find((x) => x.check === "cpu governor")).toMatchObject({ level: "warn", detail: "powersave" });
    const g = judge("loadgen", "lg", facts, { nics: [], files: { moongen: "/opt/MoonGen" }, dpdk: true }, { hynet: "hynet" });
    expect(g.filter((x) => x.level === "fail").map((x) => x.check)).toEqual(["moongen", "hugepages"]);
    expect(factsScript({ hynet: ["hynet"], workDir: "/tmp/w", nics: ["eth1"], files: {} })).toContain("if [ -e /sys/class/net/eth1 ]");
  });
});
