/**
 * Delay, jitter and loss measured with hynet's own traffic where netem
 * exists: inside a VM guest (Debian's kernel; this machine's has none).
 * lg's tx → guest h1 → lg's rx; each impairment is set on h1's egress
 * towards rx (link 1, direction a→b) of one running network, and the
 * built-in generator and timestamper measure it. The numbers this test
 * prints (`impair-accuracy:`) are docs/topology.md's accuracy table.
 * The guest is a `pc` machine: during this test's writing, microvm TCG
 * guests (hynet's initrd or not) printed nothing within 15 minutes on the
 * busy 2-core test machine, while pc guests booted in seconds.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Net } from "../../src/net/index.js";
import { parseTopology, type Impairment } from "../../src/topo/index.js";
import { builtinLoadGenerator } from "../../src/traffic/builtin.js";
import { builtinTimestamper } from "../../src/capture/builtin.js";
import { matchCaptures, quantile } from "../traffic/helpers.js";
import { netnsWith, requireRoot, sh, sweep, testSys, tmpDir, uniquePrefix } from "../net/helpers.js";
import { qemuPidsWith, requireQemu } from "./helpers.js";

const prefix = uniquePrefix();
const dir = tmpDir("vmimpair");
const stateDir = path.join(dir, "state");

const TOPOLOGY = `name: oneguest
hosts:
  lg: { role: loadgen, sysctls: { net.ipv4.conf.*.rp_filter: 0 } }
  h1:
    kind: vm
    cpus: 1
    memory: 256M
    params: { boot_timeout: 900, machine: pc }
    sysctls: { net.ipv4.ip_forward: 1, net.ipv4.conf.*.rp_filter: 0 }
    neighbors: [{ ip: 10.0.2.20, mac: "56:54:00:00:00:01" }]
links:
  - a: { node: lg, ifname: tx, addrs: 10.0.0.10/24 }
    b: { node: h1, ifname: h1-lg, addrs: 10.0.0.101/24, mac: "3e:e5:a8:40:0d:00" }
  - a: { node: h1, ifname: h1-rx, addrs: 10.0.2.101/24 }
    b: { node: lg, ifname: rx, mac: "56:54:00:00:00:01" }
`;

const RATE = 500;
const PACKETS = 2000;
let net: Net;

beforeAll(async () => {
  requireRoot();
  requireQemu();
  net = new Net(parseTopology(TOPOLOGY, "oneguest.yaml"), { host: "namespace", link: "veth" }, testSys(), { prefix, stateDir });
  await net.start();
}, 1_000_000);

afterAll(async () => {
  if (net?.isStarted()) await net.stop();
  await sweep(stateDir, prefix);
  fs.rmSync(dir, { recursive: true, force: true });
});

interface Measured {
  p50Ms: number;
  minMs: number;
  /** σ estimated from the interquartile range (IQR / 1.349 for a normal distribution): a TCG guest's stalls of tens of ms on a busy host inflate the plain standard deviation. */
  sigmaMs: number;
  loss: number;
}

/** PACKETS test frames through the guest with impairment `imp` on its egress towards lg:rx. */
async function measure(name: string, imp: Impairment | undefined): Promise<Measured> {
  await net.setImpairment(1, "a", imp);
  const sys = testSys();
  const lg = net.get("lg").netns;
  const session = await builtinTimestamper.start({ pre: { netns: lg, iface: "tx" }, post: { netns: lg, iface: "rx" }, outDir: dir, name, snaplen: 84 }, sys);
  await builtinLoadGenerator.run({ netns: lg, iface: "tx", rate: RATE, burst: 1, flows: 1, size: 84, packets: PACKETS, warmUpS: 0, dstMac: "3e:e5:a8:40:0d:00" }, sys);
  await sys.sleep(500);
  const c = await session.stop();
  const m = await matchCaptures(c.pre, c.post);
  expect(m.pre.length).toBe(PACKETS);
  const l = m.latencies;
  const iqr = quantile(l, 0.75) - quantile(l, 0.25);
  return { p50Ms: quantile(l, 0.5) / 1e6, minMs: Math.min(...l) / 1e6, sigmaMs: iqr / 1.349 / 1e6, loss: 1 - m.matched / m.pre.length };
}

describe("impairments inside a VM guest, measured", () => {
  it("notes the run's fidelity: the accelerator, the host's cores and the guest's vCPU", () => {
    const cores = os.cpus().length;
    expect(net.fidelity()).toEqual({ accel: expect.stringMatching(/^(kvm|tcg)$/), host_cores: cores, guest_vcpus: 1, guests: 1, oversubscribed: cores < 1 });
  });

  it("the guest has tc and netem: the qdisc is set inside it, not on the host", async () => {
    await net.setImpairment(1, "a", { delayNs: 1e6 });
    const q = await net.get("h1").cmd(["tc", "qdisc", "show", "dev", "h1-rx"]);
    expect(q.stdout).toMatch(/qdisc netem 1: root .*delay 1ms/);
    expect(sh(["tc", "-n", `${prefix}-h1`, "qdisc", "show"])).not.toMatch(/netem/);
  });

  it("delay, jitter (normal) and random loss land where netem puts them", async () => {
    const base = await measure("base", undefined);
    const delayed = await measure("delay", { delayNs: 10e6 });
    const jittered = await measure("jitter", { delayNs: 10e6, jitterNs: 2e6, distribution: "normal" });
    const lossy = await measure("loss", { loss: 10 });
    const f = (x: number) => x.toFixed(3);
    process.stdout.write(
      `impair-accuracy: base min ${f(base.minMs)} p50 ${f(base.p50Ms)} ms σ(IQR) ${f(base.sigmaMs)} ms; delay 10ms: min ${f(delayed.minMs)} p50 ${f(delayed.p50Ms)} ms, σ(IQR) ${f(delayed.sigmaMs)} ms; ` +
        `jitter 10ms±2ms normal: p50 ${f(jittered.p50Ms)} ms, σ(IQR) ${f(jittered.sigmaMs)} ms; loss 10%: ${(100 * lossy.loss).toFixed(2)} % of ${PACKETS}\n`,
    );
    // Offsets are taken from the unimpaired path's fastest packet: a guest stall on a busy host only ever adds, so minima are what stalls leave alone.
    // Delay: a floor (no packet leaves early), 10 ms above the unimpaired floor; the median a little above it (the guest's timer slack).
    expect(delayed.minMs).toBeGreaterThanOrEqual(10);
    expect(delayed.minMs - base.minMs).toBeLessThan(10.6);
    expect(delayed.p50Ms - base.minMs).toBeGreaterThan(9.8);
    expect(delayed.p50Ms - base.minMs).toBeLessThan(12);
    // Jitter: normal with σ = 2 ms around the same median; the plain delay varies far less.
    expect(jittered.p50Ms - base.minMs).toBeGreaterThan(9);
    expect(jittered.p50Ms - base.minMs).toBeLessThan(12);
    expect(jittered.sigmaMs).toBeGreaterThan(1.5);
    expect(jittered.sigmaMs).toBeLessThan(2.6);
    expect(delayed.sigmaMs).toBeLessThan(jittered.sigmaMs / 2);
    // Loss: 10 % of 2 000 packets (binomial σ 0.67 points); the unimpaired path loses next to nothing.
    expect(lossy.loss).toBeGreaterThan(0.07);
    expect(lossy.loss).toBeLessThan(0.13);
    expect(base.loss).toBeLessThan(0.01);
  }, 600_000);

  it("leaves nothing behind", async () => {
    await net.stop();
    expect(netnsWith(prefix)).toEqual([]);
    expect(qemuPidsWith(stateDir)).toEqual([]);
  });
});
