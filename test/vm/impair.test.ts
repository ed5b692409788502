/**
 * Delay, jitter and loss measured with hynet's own traffic where netem
 * exists: inside a VM guest (Debian's kernel; this machine's has none).
 * lg's tx → guest h1 → lg's rx; the impairment is on h1's egress towards
 * rx (`impair_links: ["h1:h1-rx"]`), set by loop variables, one run each.
 * The numbers this test sees are the ones docs/topology.md's accuracy
 * table reports (the test prints them).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as fs from "node:fs";
import * as path from "node:path";
import { loadExperiment } from "../../src/experiment/file.js";
import { runSeries } from "../../src/experiment/runner.js";
import { defaultDeps } from "../../src/experiment/wiring.js";
import { openStore, type RunRow } from "../../src/experiment/store.js";
import { netnsWith, requireRoot, sweep, testSys, tmpDir, uniquePrefix } from "../net/helpers.js";
import { qemuPidsWith, requireQemu } from "./helpers.js";

const prefix = uniquePrefix();
const dir = tmpDir("vmimpair");
const stateDir = path.join(dir, "state");

const TOPOLOGY = `name: oneguest
hosts:
  lg: { role: loadgen, sysctls: { net.ipv4.conf.*.rp_filter: 0 } }
  h1:
    cpus: 1
    memory: 256M
    sysctls: { net.ipv4.ip_forward: 1, net.ipv4.conf.*.rp_filter: 0 }
    neighbors: [{ ip: 10.0.2.20, mac: "56:54:00:00:00:01" }]
links:
  - a: { node: lg, ifname: tx, addrs: 10.0.0.10/24 }
    b: { node: h1, ifname: h1-lg, addrs: 10.0.0.101/24, mac: "3e:e5:a8:40:0d:00" }
  - a: { node: h1, ifname: h1-rx, addrs: 10.0.2.101/24 }
    b: { node: lg, ifname: rx, mac: "56:54:00:00:00:01" }
`;

const EXPERIMENT = `topology: topology.yaml
globals:
  rate: 500
  node: vm
  flows: 1
  measurement_time: 4
  warm_up_time: 1
  impair_links: ["h1:h1-rx"]
loop:
  - link_delay: [0ms, 10ms]
  - { link_delay: [10ms], link_jitter: [2ms], link_distribution: [normal] }
  - link_loss: [10]
capture: { compression: none }
traffic: { tx: "lg:tx", pre: "lg:tx", post: "lg:rx", dst_mac: "3e:e5:a8:40:0d:00" }
`;

beforeAll(() => {
  requireRoot();
  requireQemu();
  process.env.HYNET_STATE_DIR = stateDir;
});

afterAll(async () => {
  delete process.env.HYNET_STATE_DIR;
  await sweep(stateDir, prefix);
  fs.rmSync(dir, { recursive: true, force: true });
});

describe("impairments inside a VM guest, measured", () => {
  it("delay, jitter (normal) and random loss land where netem puts them", async () => {
    fs.writeFileSync(path.join(dir, "topology.yaml"), TOPOLOGY);
    fs.writeFileSync(path.join(dir, "experiment.yaml"), EXPERIMENT);
    const out = path.join(dir, "results");
    const sys = testSys();
    const r = await runSeries(await loadExperiment(path.join(dir, "experiment.yaml")), { out, prefix }, sys, await defaultDeps());
    expect(r.runs.map((x) => [x.name, x.status, x.error])).toEqual([
      ["link_delay0ms", "ok", undefined],
      ["link_delay10ms", "ok", undefined],
      ["link_delay10ms-link_distributionnormal-link_jitter2ms", "ok", undefined],
      ["link_loss10", "ok", undefined],
    ]);
    const s = await openStore(out, sys, { readOnly: true });
    let rows: RunRow[];
    try {
      rows = await s.runs();
    } finally {
      s.close();
    }
    const by = Object.fromEntries(rows.map((x) => [x.name, x]));
    const base = by["link_delay0ms"];
    const delayed = by["link_delay10ms"];
    const jittered = by["link_delay10ms-link_distributionnormal-link_jitter2ms"];
    const lossy = by["link_loss10"];
    const ms = (ns: number | null) => (ns ?? NaN) / 1e6;
    // Shown so docs/topology.md's accuracy table can be re-measured.
    process.stdout.write(
      `impair-accuracy: base p50 ${ms(base.lat_p50_ns).toFixed(3)} ms; delay 10ms: p50 +${(ms(delayed.lat_p50_ns) - ms(base.lat_p50_ns)).toFixed(3)} ms, ` +
        `std ${ms(delayed.lat_stddev_ns).toFixed(3)} ms; jitter 2ms normal: p50 +${(ms(jittered.lat_p50_ns) - ms(base.lat_p50_ns)).toFixed(3)} ms, ` +
        `std ${ms(jittered.lat_stddev_ns).toFixed(3)} ms; loss 10%: ${(100 * lossy.loss_ratio!).toFixed(2)} % of ${lossy.pre_records}\n`,
    );
    // Delay: the median moves by the delay (netem adds it to every packet; TCG's own timer slack rides on top).
    expect(ms(delayed.lat_p50_ns) - ms(base.lat_p50_ns)).toBeGreaterThan(9.8);
    expect(ms(delayed.lat_p50_ns) - ms(base.lat_p50_ns)).toBeLessThan(11.5);
    expect(ms(delayed.lat_min_ns)).toBeGreaterThan(9.9);
    // Jitter: normal with σ = 2 ms around the same median.
    expect(ms(jittered.lat_p50_ns) - ms(base.lat_p50_ns)).toBeGreaterThan(9.3);
    expect(ms(jittered.lat_p50_ns) - ms(base.lat_p50_ns)).toBeLessThan(11.5);
    expect(ms(jittered.lat_stddev_ns)).toBeGreaterThan(1.6);
    expect(ms(jittered.lat_stddev_ns)).toBeLessThan(2.6);
    expect(ms(delayed.lat_stddev_ns)).toBeLessThan(ms(jittered.lat_stddev_ns) / 2);
    // Loss: 10 % of 2 000 packets; binomial σ is 0.67 points, and the unimpaired run loses next to nothing.
    expect(lossy.loss_ratio!).toBeGreaterThan(0.07);
    expect(lossy.loss_ratio!).toBeLessThan(0.13);
    expect(base.loss_ratio!).toBeLessThan(0.01);
    expect(netnsWith(prefix)).toEqual([]);
    expect(qemuPidsWith(stateDir)).toEqual([]);
  }, 900_000);
});
