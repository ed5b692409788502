/** Matching and metric edge cases, each with hand-computed expectations. */
import { describe, expect, it } from "vitest";
import * as path from "node:path";
import { evaluatePair } from "../../src/evaluate/index.js";
import { abs, makePair, params, read, testSys, type Pkt } from "./helpers.js";
import type { EvalParams } from "../../src/evaluate/index.js";

const B = "latencies-pre-t.pcap";

async function run(pre: Pkt[], post: Pkt[], p: Partial<EvalParams> = {}, o: Parameters<typeof makePair>[3] = {}) {
  const pair = await makePair(pre, post, "t", o);
  const { sys, events } = testSys();
  const s = await evaluatePair(pair.pre, pair.post, pair.dir, params(p), sys);
  const r = (name: string) => read(pair.dir, name);
  return { s, r, events, dir: pair.dir };
}

const rows = (csv: string) => csv.trim().split("\n").slice(1);

describe("matching", () => {
  it("drops a key that appears twice in pre (all its records), matches each post duplicate", async () => {
    const { s, r } = await run(
      [
        { id: 7, t: 0 },
        { id: 8, t: 100 },
        { id: 7, t: 200 },
      ],
      [
        { id: 7, t: 500 },
        { id: 8, t: 600 },
        { id: 8, t: 700 },
        { id: 8, t: 800 },
      ],
    );
    expect(s.ambiguous_pre).toBe(2);
    expect(s.ambiguous_post).toBe(1);
    expect(s.misses).toBe(0);
    expect(s.matched).toBe(3);
    expect(s.duplicated).toBe(2);
    expect(s.lost).toBe(0);
    expect(rows(r(`${B}.latency-flows.csv`)).map((l) => l.split(",")[0])).toEqual(["700", "600", "500"]);
  });

  it("pre.ts < post.ts < pre.ts + 5 s: latency 0 and exactly 5 s are excluded, 5 s − 1 ns is kept", async () => {
    const { s, r } = await run(
      [
        { id: 1, t: 1000 },
        { id: 2, t: 2000 },
        { id: 3, t: 3000 },
        { id: 4, t: 4000 },
      ],
      [
        { id: 1, t: 1000 }, // 0
        { id: 2, t: 2000 + 5e9 }, // 5 s
        { id: 3, t: 3000 + 5e9 - 1 }, // 5 s − 1 ns
        { id: 4, t: 3999 }, // before pre
      ],
    );
    expect(s.out_of_window).toBe(3);
    expect(s.matched).toBe(1);
    expect(s.lost).toBe(3);
    expect(rows(r(`${B}.latency-flows.csv`))).toEqual([`4999999999,${abs(3000)},${abs(3000 + 5e9 - 1)},3,1,23432`]);
  });

  it("keys ids by (id, srcport, dstport): the same id with another source port is another packet (wrap past 65536)", async () => {
    const { s, r } = await run(
      [
        { id: 65535, t: 0 }, // srcport 1
        { id: 65536, t: 10 }, // srcport 1
        { id: 65537, t: 20 }, // srcport 2
        { id: 5, srcport: 1, t: 30 },
        { id: 5, srcport: 2, t: 40 },
      ],
      [
        { id: 65535, t: 100 },
        { id: 65536, t: 200 },
        { id: 65537, t: 300 },
        { id: 5, srcport: 2, t: 1040 },
        { id: 5, srcport: 1, t: 2030 },
      ],
    );
    expect(s.ambiguous_pre).toBe(0);
    expect(s.matched).toBe(5);
    expect(rows(r(`${B}.latency-flows.csv`)).map((l) => l.split(",").slice(3).join(","))).toEqual([
      "5,1,23432", // 2000
      "5,2,23432", // 1000
      "65537,2,23432", // 280
      "65536,1,23432", // 190
      "65535,1,23432", // 100
    ]);
  });

  it("ids wrap past 2^32: 4294967295 then 0 are distinct keys, written as unsigned", async () => {
    const { s, r } = await run(
      [
        { id: 4294967294, t: 0 },
        { id: 4294967295, t: 10 },
        { id: 0, t: 20 },
        { id: 1, t: 30 },
      ],
      [
        { id: 4294967294, t: 100 },
        { id: 4294967295, t: 200 },
        { id: 0, t: 320 },
        { id: 1, t: 330 },
      ],
    );
    expect(s.matched).toBe(4);
    expect(s.reordered).toBe(0);
    expect(rows(r(`${B}.latency-flows.csv`))).toEqual([
      `300,${abs(20)},${abs(320)},0,0,23432`,
      `300,${abs(30)},${abs(330)},1,1,23432`,
      `190,${abs(10)},${abs(200)},4294967295,0,23432`,
      `100,${abs(0)},${abs(100)},4294967294,0,23432`,
    ]);
  });

  it("orders ties: latency desc, then prets, postts, dstport asc (latency-flows), prets then postts (worst)", async () => {
    const pre: Pkt[] = [
      { id: 1, dstport: 2000, t: 100 },
      { id: 2, dstport: 1000, t: 100 },
      { id: 3, dstport: 1500, t: 50 },
      { id: 4, dstport: 900, t: 300 },
    ];
    const post: Pkt[] = [
      { id: 4, dstport: 900, t: 800 }, // 500
      { id: 1, dstport: 2000, t: 600 }, // 500
      { id: 2, dstport: 1000, t: 600 }, // 500
      { id: 3, dstport: 1500, t: 550 }, // 500
    ];
    const { r } = await run(pre, post, { numWorst: 3 });
    const flows = rows(r(`${B}.latency-flows.csv`)).map((l) => l.split(",")[3]);
    expect(flows).toEqual(["3", "2", "1", "4"]);
    const worst = rows(r(`${B}.trim_ms0.num_worst3.worst.csv`)).map((l) => l.split(",")[3]);
    expect(worst).toEqual(["3", "2", "1"]);
  });

  it("histogram bucket edges: 199 → 100, 200 → 200, 299 → 200", async () => {
    const { r } = await run(
      [
        { id: 1, t: 0 },
        { id: 2, t: 1000 },
        { id: 3, t: 2000 },
      ],
      [
        { id: 1, t: 199 },
        { id: 2, t: 1200 },
        { id: 3, t: 2299 },
      ],
    );
    expect(r(`${B}.bucket_size100.trim_ms0.hist.csv`)).toBe("latency_bucket,count\n100,1\n200,2\n");
  });

  it("trim: keeps matches with post.ts ≥ min(post) + trim, each side's rates against its own first record", async () => {
    const ms = 1e6;
    const pre: Pkt[] = [
      { id: 1, t: 0 },
      { id: 2, t: 1 * ms - 100 },
      { id: 3, t: 1 * ms },
      { id: 4, t: 2 * ms },
    ];
    const post: Pkt[] = [
      { id: 1, t: 500 }, // post min
      { id: 2, t: 1 * ms + 499 }, // min + trim − 1 → out
      { id: 3, t: 1 * ms + 500 }, // exactly min + trim → in
      { id: 4, t: 2 * ms + 500 },
    ];
    const { r, s } = await run(pre, post, { trimMs: 1 });
    expect(rows(r(`${B}.bucket_size100.trim_ms1.hist.csv`))).toEqual(["500,2"]);
    expect(s.latency_ns.count).toBe(2);
    // pre trimmed at 0 + 1 ms: ids 3, 4 (1 ms − 100 is out); post at 500 + 1 ms: ids 3, 4
    expect(r(`${B}.trim_ms1.transferrate.csv`)).toBe("pre_received,post_received,transferrate,pre_pkts_per_second,post_pkts_per_second\n2,2,1,2,2\n");
    expect(r(`${B}.trim_ms1.packetratepre.csv`)).toBe(`ts,count\n${abs(1 * ms)},2\n`);
    expect(r(`${B}.trim_ms1.packetratepost.csv`)).toBe(`ts,count\n${abs(1 * ms + 500)},2\n`);
    expect(r(`${B}.bucket_size100.trim_ms1.jitterpre.csv`)).toBe("bucket,count\n1000000,1\n");
    // latency-flows is never trimmed
    expect(rows(r(`${B}.latency-flows.csv`)).length).toBe(4);
  });

  it("packet rate: a short last second lowers the mean (5 records over 3 buckets)", async () => {
    const s1 = 1e9;
    const pre: Pkt[] = [0, 0.5 * s1, 1 * s1, 1.2 * s1, 2.9 * s1].map((t, i) => ({ id: i, t }));
    const { r } = await run(pre, []);
    expect(r(`${B}.trim_ms0.packetratepre.csv`)).toBe(`ts,count\n${abs(0)},2\n${abs(1e9)},2\n${abs(2e9)},1\n`);
    expect(r(`${B}.trim_ms0.transferrate.csv`).split("\n")[1]).toBe(`5,0,0,${5 / 3},`);
    // gaps 0.5 s, 0.5 s, 0.2 s, 1.7 s with 100 ns buckets
    expect(r(`${B}.bucket_size100.trim_ms0.jitterpre.csv`)).toBe("bucket,count\n200000000,1\n500000000,2\n1700000000,1\n");
  });

  it("transferrate with no pre records: the row with an empty transferrate, and a warning", async () => {
    const { r, events, s } = await run([], [{ id: 1, t: 10 }]);
    expect(r(`${B}.trim_ms0.transferrate.csv`)).toBe("pre_received,post_received,transferrate,pre_pkts_per_second,post_pkts_per_second\n0,1,,,1\n");
    expect(s.transfer_rate).toBeNull();
    expect(events.some((e) => e.type === "log" && e.level === "warn" && /transferrate/.test(e.message))).toBe(true);
    expect(r(`${B}.trim_ms0.percentiles.csv`)).toBe("percentile,value,onefraconeminuspercentile\n");
    expect(s.latency_ns.p50).toBeNull();
  });

  it("per-flow statistics and TRex counters: a dup right after its original, per-flow PDV and RFC 3550 jitter", async () => {
    const pre: Pkt[] = [
      { id: 0, src: "10.0.0.1", t: 0 },
      { id: 1, src: "10.0.0.2", t: 10 },
      { id: 2, src: "10.0.0.1", t: 20 },
      { id: 3, src: "10.0.0.2", t: 30 },
      { id: 4, src: "10.0.0.1", t: 40 },
    ];
    const post: Pkt[] = [
      { id: 0, src: "10.0.0.1", t: 100 }, // A 100
      { id: 1, src: "10.0.0.2", t: 210 }, // B 200
      { id: 0, src: "10.0.0.1", t: 220 }, // A dup (seq 0 = exp − 1) 220
      { id: 3, src: "10.0.0.2", t: 330 }, // B 300
      { id: 4, src: "10.0.0.1", t: 540 }, // A 500 (seq 2 lost before it → dropped 1)
      { id: 77, src: "10.0.0.2", t: 600 }, // B miss
    ];
    const { s, r } = await run(pre, post);
    const [a, b] = s.flows;
    expect(a.key).toEqual({ src: "10.0.0.1", dst: "10.0.2.20", dstport: 23432 });
    expect(a.sequence).toEqual({ dropped: 1, dup: 1, out_of_order: 0, seq_too_high: 1, seq_too_low: 1 });
    expect([a.pre_records, a.post_records, a.matched, a.lost, a.misses]).toEqual([3, 3, 3, 1, 0]);
    // A latencies in arrival order 100 220 500: |D| 120 280; J = 7.5 then 7.5 + (280 − 7.5)/16
    expect(a.latency_ns.p50).toBe(220);
    expect(a.pdv_ns).toEqual({ mean: 200, max: 280 });
    expect(a.rfc3550_jitter_ns).toBe(7.5 + (280 - 7.5) / 16);
    expect(b.sequence).toEqual({ dropped: 0, dup: 0, out_of_order: 0, seq_too_high: 0, seq_too_low: 0 });
    expect([b.pre_records, b.post_records, b.matched, b.lost, b.misses]).toEqual([2, 3, 2, 0, 1]);
    expect(b.pdv_ns).toEqual({ mean: 100, max: 100 });
    expect(b.latency_ns.min).toBe(200);
    expect(b.latency_ns.max).toBe(300);
    // overall arrival order 100 200 220 300 500: |D| 100 20 80 200
    expect(s.pdv_ns).toEqual({ mean: 100, max: 200 });
    const flowRows = rows(r(`${B}.trim_ms0.flows.csv`));
    expect(flowRows.map((l) => l.split(",").slice(0, 13).join(","))).toEqual([
      "10.0.0.1,10.0.2.20,23432,3,3,3,1,0,1,1,0,1,1",
      "10.0.0.2,10.0.2.20,23432,2,3,2,0,1,0,0,0,0,0",
    ]);
  });

  it("--flow-key src,srcport groups by those fields", async () => {
    const { s, r } = await run(
      [
        { id: 1, srcport: 7, t: 0 },
        { id: 2, srcport: 8, t: 10 },
      ],
      [
        { id: 1, srcport: 7, t: 100 },
        { id: 2, srcport: 8, t: 110 },
      ],
      { flowKey: ["src", "srcport"] },
    );
    expect(s.flows.map((f) => f.key)).toEqual([
      { src: "10.0.0.10", srcport: 7 },
      { src: "10.0.0.10", srcport: 8 },
    ]);
    expect(r(`${B}.trim_ms0.flows.csv`).split("\n")[0].startsWith("src,srcport,pre_records,")).toBe(true);
  });

  it("reads microsecond captures as multiples of 1000 ns", async () => {
    const { r } = await run([{ id: 1, t: 1000 }], [{ id: 1, t: 4000 }], {}, { resolution: "us" });
    expect(rows(r(`${B}.latency-flows.csv`))).toEqual([`3000,${abs(1000)},${abs(4000)},1,1,23432`]);
  });

  it("--calibration reports the floor; --subtract-floor removes its median from latencies", async () => {
    const pair = await makePair(
      [
        { id: 1, t: 0 },
        { id: 2, t: 100 },
      ],
      [
        { id: 1, t: 1000 },
        { id: 2, t: 1350 },
      ],
    );
    const cal = path.join(pair.dir, "calibration.json");
    const { writeFileSync } = await import("node:fs");
    writeFileSync(cal, JSON.stringify({ latency_ns: { min: 900, p50: 950, p99: 990 } }));
    const { sys } = testSys();
    const s = await evaluatePair(pair.pre, pair.post, pair.dir, params({ calibration: cal, subtractFloor: true }), sys);
    expect(s.calibration).toEqual({ file: cal, floor_min_ns: 900, floor_p50_ns: 950, floor_p99_ns: 990, subtracted_ns: 950 });
    expect(s.latency_ns.min).toBe(50);
    expect(s.latency_ns.max).toBe(300);
    expect(rows(read(pair.dir, `${B}.latency-flows.csv`)).map((l) => l.split(",")[0])).toEqual(["300", "50"]);
    const s2 = await evaluatePair(pair.pre, pair.post, pair.dir, params({ calibration: cal }), sys);
    expect(s2.latency_ns.min).toBe(1000);
    expect(s2.calibration?.subtracted_ns).toBe(0);
  });
});
