/**
 * Departure gaps (src/evaluate/gaps.ts) on hand-computed timestamps, and a
 * small hand-made pair through the JavaScript evaluator (HYNET_NATIVE=0)
 * whose every expected number is worked out below, not read back from a run.
 */
import { afterEach, describe, expect, it } from "vitest";
import { departureGaps, LATE_FACTOR } from "../../src/evaluate/gaps.js";
import { evaluatePair } from "../../src/evaluate/index.js";
import { evalKernels } from "../../src/sys/kernels.js";
import { makePair, params, read, testSys, tmp } from "./helpers.js";

const none = { count: 0, period_ns: null, p1_ns: null, p50_ns: null, p99_ns: null, max_ns: null, late_gaps: 0 };

describe("departureGaps", () => {
  it("no departure or one departure: no gaps", () => {
    expect(departureGaps(new Float64Array([]))).toEqual(none);
    expect(departureGaps(new Float64Array([123]))).toEqual(none);
  });

  it("98 gaps of 1 µs, one of 5 µs, one of 20 µs: percentiles by rank, one late gap", () => {
    const ts = [0];
    for (let i = 0; i < 98; i++) ts.push(ts.at(-1)! + 1000);
    ts.push(ts.at(-1)! + 5000, ts.at(-1)! + 5000 + 20000);
    // 100 gaps, sum 98 000 + 5 000 + 20 000 = 123 000 → period 1 230; late above 12 300: only the 20 µs gap.
    // Ranks: p1 → 1st (1 000), p50 → 50th (1 000), p99 → 99th (5 000), max 20 000.
    expect(departureGaps(Float64Array.from(ts))).toEqual({ count: 100, period_ns: 1230, p1_ns: 1000, p50_ns: 1000, p99_ns: 5000, max_ns: 20000, late_gaps: 1 });
  });

  it("a gap of exactly LATE_FACTOR periods is not late, one nanosecond more is", () => {
    // 10 gaps of 1 ns and one of x: period (10 + x) / 11. x = 100 → period 10, limit exactly 100: not late.
    // x = 101 → period 111 / 11 ≈ 10.09, limit ≈ 100.9: late.
    const run = (x: number) => Float64Array.from([...Array.from({ length: 11 }, (_, i) => i), 10 + x]);
    expect(LATE_FACTOR).toBe(10);
    expect(departureGaps(run(100))).toMatchObject({ period_ns: 10, max_ns: 100, late_gaps: 0 });
    expect(departureGaps(run(101)).late_gaps).toBe(1);
  });

  it("equal timestamps are gaps of 0; nothing is late when every gap is 0", () => {
    expect(departureGaps(new Float64Array([5, 5, 5]))).toEqual({ count: 2, period_ns: 0, p1_ns: 0, p50_ns: 0, p99_ns: 0, max_ns: 0, late_gaps: 0 });
  });

  it("a duplicated departure counts as a departure of its own", () => {
    // 0, 100, 100, 200 → gaps 100, 0, 100; period 200 / 3; sorted 0, 100, 100: p1 1st, p50 2nd, p99 3rd.
    expect(departureGaps(new Float64Array([0, 100, 100, 200]))).toEqual({ count: 3, period_ns: 200 / 3, p1_ns: 0, p50_ns: 100, p99_ns: 100, max_ns: 100, late_gaps: 0 });
  });

  it("takes departures in time order when the capture is not", () => {
    expect(departureGaps(new Float64Array([0, 200, 100, 300]))).toEqual({ count: 3, period_ns: 100, p1_ns: 100, p50_ns: 100, p99_ns: 100, max_ns: 100, late_gaps: 0 });
  });
});

describe("the JavaScript evaluator on a hand-made pair", () => {
  const saved = process.env.HYNET_NATIVE;
  afterEach(() => {
    if (saved === undefined) delete process.env.HYNET_NATIVE;
    else process.env.HYNET_NATIVE = saved;
  });

  it("22 frames, latency 10 µs + 100 ns · id, departures 1 µs apart then one 30 µs hole", async () => {
    process.env.HYNET_NATIVE = "0";
    expect(evalKernels()).toBeUndefined(); // the JavaScript loops, not the addon's
    // Departures: id i at i µs for i ≤ 20, id 21 at 50 µs. Arrival = departure + 10 000 + 100 i.
    const dep = (i: number) => (i <= 20 ? i * 1000 : 50000);
    const pre = Array.from({ length: 22 }, (_, i) => ({ id: i, t: dep(i) }));
    const post = pre.map((p, i) => ({ id: i, t: p.t + 10000 + 100 * i }));
    const pair = await makePair(pre, post);
    const out = tmp();
    const s = await evaluatePair(pair.pre, pair.post, out, params(), testSys().sys);
    const B = "latencies-pre-t.pcap";

    expect([s.pre_records, s.post_records, s.matched, s.lost, s.duplicated, s.reordered]).toEqual([22, 22, 22, 0, 0, 0]);
    // Latencies 10 000 … 12 100 step 100: mean 11 050; population variance 100² · (22² − 1) / 12 = 402 500.
    expect(s.latency_ns).toEqual({ count: 22, min: 10000, mean: 11050, stddev: Math.sqrt(402500), p50: 11000, p99: 12100, p999: 12100, p9999: 12100, max: 12100 });
    // p50: smallest rank k with k / 22 ≥ 0.5 is 11 → 10 000 + 100 · 10.
    expect(read(out, `${B}.trim_ms0.percentiles.csv`).split("\n")).toContain("0.5,11000,2");
    // Consecutive latencies differ by 100: PDV mean = max = 100; RFC 3550 J = 100 · (1 − (15/16)^21).
    expect(s.pdv_ns).toEqual({ mean: 100, max: 100 });
    expect(s.rfc3550_jitter_ns).toBeCloseTo(100 * (1 - (15 / 16) ** 21), 9);
    // One latency per 100 ns bucket.
    expect(read(out, `${B}.bucket_size100.trim_ms0.hist.csv`)).toBe(`latency_bucket,count\n${Array.from({ length: 22 }, (_, i) => `${10000 + 100 * i},1\n`).join("")}`);
    // Inter-arrival gaps: pre 20 × 1 000 and 30 000; post 20 × 1 100 and (50 000 + 12 100) − (20 000 + 12 000) = 30 100.
    expect(read(out, `${B}.bucket_size100.trim_ms0.jitterpre.csv`)).toBe("bucket,count\n1000,20\n30000,1\n");
    expect(read(out, `${B}.bucket_size100.trim_ms0.jitterpost.csv`)).toBe("bucket,count\n1100,20\n30100,1\n");
    expect(read(out, `${B}.trim_ms0.transferrate.csv`)).toBe("pre_received,post_received,transferrate,pre_pkts_per_second,post_pkts_per_second\n22,22,1,22,22\n");
    // Worst first: id 21, 12 100 ns; source port ceil(21 / 65536) = 1.
    expect(read(out, `${B}.trim_ms0.num_worst5000.worst.csv`).split("\n")[1]).toBe("12100,1700000000000050000,1700000000000062100,21,1,23432");
    // Departure gaps: 21 gaps, sum 50 000 → period 50 000 / 21; late above 10 periods = 23 809.5: the 30 µs hole.
    // Ranks of 21 sorted gaps: p1 → 1st, p50 → 11th (1 000), p99 → 21st (30 000).
    expect(s.departure_gaps).toEqual({ count: 21, period_ns: 50000 / 21, p1_ns: 1000, p50_ns: 1000, p99_ns: 30000, max_ns: 30000, late_gaps: 1 });
    const onDisk = JSON.parse(read(out, `${B}.summary.json`)) as { departure_gaps: unknown };
    expect(onDisk.departure_gaps).toEqual(s.departure_gaps);
  });
});
