/**
 * B.trim_ms{t}.flows-percentiles.csv on a hand-computed pair of two flows.
 *
 * flow A (10.0.0.10 → 10.0.2.20:23432): ids 0 2 4 6, latencies 100 400 200 300 → sorted 100 200 300 400
 * flow B (10.0.0.11 → 10.0.2.20:23432): ids 1 3 5,   latencies 1000 3000 2000 → sorted 1000 2000 3000
 *
 * Discrete percentile = the smallest L with (values ≤ L) / n ≥ p:
 *   A (n = 4): p ≤ 0.25 → 100; 0.375…, 0.47…, 0.5 → 200; 0.545… up to 0.75 → 300 (8 levels);
 *              0.767… → 400 = the maximum, where the flow's rows stop (16 rows).
 *   B (n = 3): p ≤ 0.25 → 1000; 0.375… up to 0.642… → 2000 (6 levels); 0.677… → 3000, the maximum (11 rows).
 */
import { describe, expect, it, beforeAll } from "vitest";
import * as path from "node:path";
import { evaluatePair, outputNames, PERCENTILE_LEVELS } from "../../src/evaluate/index.js";
import { makePair, params, read, testSys, type Pkt } from "./helpers.js";

const A = [100, 400, 200, 300];
const B = [1000, 3000, 2000];
const PRE: Pkt[] = [];
const POST: Pkt[] = [];
for (let id = 0; id < 7; id++) {
  const src = id % 2 === 0 ? "10.0.0.10" : "10.0.0.11";
  const lat = id % 2 === 0 ? A[id / 2] : B[(id - 1) / 2];
  PRE.push({ id, src, t: id * 10_000 });
  POST.push({ id, src, t: id * 10_000 + lat });
}

const expectedA = [...Array(4).fill(100), ...Array(3).fill(200), ...Array(8).fill(300), 400];
const expectedB = [...Array(4).fill(1000), ...Array(6).fill(2000), 3000];

function ladder(key: string, values: number[]): string[] {
  return values.map((v, i) => `${key},${PERCENTILE_LEVELS[i]},${v}`);
}

describe("evaluate: per-flow percentiles", () => {
  let dir: string;
  let pre: string;
  beforeAll(async () => {
    ({ dir, pre } = await makePair(PRE, POST));
  });

  it("default key: src,dst,dstport then percentile,latency; each flow up to its maximum", async () => {
    const p = params();
    await evaluatePair(pre, path.join(dir, "latencies-post-t.pcap"), dir, p, testSys().sys);
    const name = outputNames(pre, p).flowsPercentiles;
    expect(name).toBe("latencies-pre-t.pcap.trim_ms0.flows-percentiles.csv");
    const rows = read(dir, name).trim().split("\n");
    expect(rows).toEqual([
      "src,dst,dstport,percentile,latency",
      ...ladder("10.0.0.10,10.0.2.20,23432", expectedA),
      ...ladder("10.0.0.11,10.0.2.20,23432", expectedB),
    ]);
    // The same figures as flows.csv's p50/p99 (p99 is past the ladder's end: the maximum).
    const flows = read(dir, outputNames(pre, p).flows).trim().split("\n").slice(1).map((l) => l.split(","));
    const col = read(dir, outputNames(pre, p).flows).split("\n")[0].split(",");
    expect(flows.map((f) => [f[col.indexOf("latency_p50")], f[col.indexOf("latency_p99")]])).toEqual([
      ["200", "400"],
      ["2000", "3000"],
    ]);
  });

  it("--flow-key src,dstport: those columns; one key per source", async () => {
    const out = path.join(dir, "k2");
    const p = params({ flowKey: ["src", "dstport"] });
    await evaluatePair(pre, path.join(dir, "latencies-post-t.pcap"), out, p, testSys().sys);
    const rows = read(out, outputNames(pre, p).flowsPercentiles).trim().split("\n");
    expect(rows[0]).toBe("src,dstport,percentile,latency");
    expect(rows.slice(1)).toEqual([...ladder("10.0.0.10,23432", expectedA), ...ladder("10.0.0.11,23432", expectedB)]);
  });

  it("--flow-key dstport: both flows are one; trimmed like the other trim_ms outputs", async () => {
    const out = path.join(dir, "k1");
    // Trim 0.015 ms from the first post record (t = 100): ids 0 (post 100) and 1 (post 11000) go.
    const p = params({ flowKey: ["dstport"], trimMs: 0.015 });
    await evaluatePair(pre, path.join(dir, "latencies-post-t.pcap"), out, p, testSys().sys);
    const rows = read(out, outputNames(pre, p).flowsPercentiles).trim().split("\n");
    expect(rows[0]).toBe("dstport,percentile,latency");
    // Left: 400 200 300 3000 2000 → sorted 200 300 400 2000 3000 (n = 5).
    // p = 0 .. 0.2307… → 200; 0.25 … 0.375… → 300; 0.47… … 0.6 → 400; 0.64… … 0.7999 → 2000; then 3000.
    const lat = rows.slice(1).map((r) => Number(r.split(",")[2]));
    const levels = rows.slice(1).map((r) => Number(r.split(",")[1]));
    const want = levels.map((q) => (q <= 0.2 ? 200 : q <= 0.4 ? 300 : q <= 0.6 ? 400 : q <= 0.8 ? 2000 : 3000));
    expect(lat).toEqual(want);
    expect(lat[lat.length - 1]).toBe(3000);
    expect(lat.filter((v) => v === 3000)).toHaveLength(1);
  });
});
