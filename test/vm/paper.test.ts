/**
 * The paper's topology (examples/paper/topology.yaml) with its seven chain
 * hosts as `vm` guests (256 MB, 1 vCPU each here; the file's cpu_pin names
 * testbed cores, which this machine does not have) and the load generator
 * `lg` as a namespace: test traffic from lg's tx port crosses h1…h7 in
 * guests and arrives at lg's rx port. One network for the whole file.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as fs from "node:fs";
import { loadTopology, type Topology } from "../../src/topo/index.js";
import { Net } from "../../src/net/index.js";
import type { HynetEvent } from "../../src/events.js";
import { PAPER, netnsWith, pingAcrossChain, requireRoot, sweep, testSys, tmpDir, uniquePrefix } from "../net/helpers.js";
import { qemuPidsWith, requireQemu } from "./helpers.js";

const prefix = uniquePrefix();
const stateDir = tmpDir("vmpaper");
const events: HynetEvent[] = [];
let topo: Topology;
let net: Net;

beforeAll(async () => {
  requireRoot();
  requireQemu();
  topo = await loadTopology(PAPER);
  for (const h of topo.hosts) {
    if (h.role === "loadgen") h.kind = "namespace";
    else h.params = { ...h.params, cpus: 1, memory: "256M" };
  }
  net = new Net(topo, { host: "vm", link: "veth" }, testSys(events), { prefix, stateDir });
  await net.start();
}, 600_000);

afterAll(async () => {
  try {
    await net?.stop();
    const shutdowns = events.filter((e) => e.type === "log" && /: guest shut down cleanly$/.test(e.message));
    expect(shutdowns.length).toBe(7);
    expect(netnsWith(prefix)).toEqual([]);
    expect(qemuPidsWith(stateDir)).toEqual([]);
  } finally {
    await sweep(stateDir, prefix);
  }
}, 120_000);

describe("the paper topology with vm hosts", () => {
  it("runs h1…h7 as guests, lg as a namespace, and warns about cores this machine lacks", async () => {
    expect(net.hosts().map((h) => [h.name, h.kind])).toEqual([["lg", "namespace"], ...[1, 2, 3, 4, 5, 6, 7].map((i) => [`h${i}`, "vm"])]);
    expect(events.some((e) => e.type === "log" && e.level === "warn" && /h1: cpu_pin cores 24,25 are not online/.test(e.message))).toBe(true);
    const r = await net.get("h4").cmd(["sh", "-c", "cat /proc/sys/net/ipv4/ip_forward; ip -4 -o addr show | awk '{print $2, $4}'"]);
    expect(r.stdout.split("\n").filter(Boolean)).toEqual(["1", "lo 127.0.0.1/8", "h4-eth0 10.0.3.202/32", "h4-eth1 10.0.3.103/24"]);
  });

  it("carries lg's test traffic through the seven guests to lg's rx port (TTL 64 - 7)", async () => {
    const ns = `${prefix}-lg`;
    const { ping, dump: out } = await pingAcrossChain(net.get("lg"), ns, { interval: "0.3", wait: "3", killAfterMs: 20000 });
    expect(ping).toMatch(/3 packets transmitted, 0 received/);
    expect(out.match(/> 56:54:00:00:00:01/g)?.length).toBe(3);
    expect(out.match(/ttl 57,/g)?.length).toBe(3);
    expect(out.match(/10\.0\.0\.10 > 10\.0\.2\.20: ICMP echo request/g)?.length).toBe(3);
  });

  it("has a QEMU process and a tap per link end in the state file", () => {
    const recs = net.records();
    expect(recs.filter((r) => r.type === "process").map((r) => (r as { what: string }).what).sort()).toEqual([1, 2, 3, 4, 5, 6, 7].map((i) => `qemu h${i}`));
    expect(recs.filter((r) => r.type === "link" && r.name.startsWith("tap")).length).toBe(14);
    expect(qemuPidsWith(stateDir).length).toBe(7);
    expect(fs.readdirSync(stateDir).some((f) => f.endsWith(".jsonl"))).toBe(true);
  });
});
