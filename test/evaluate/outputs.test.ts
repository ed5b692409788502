/**
 * Every output file of one small, hand-computed pair.
 *
 * pre:  id0@0 id1@1000 id2@2000 id3@3000 id4@4000        (ns after T0)
 * post: id0@150 id2@2250 id1@2300 id1@2400 id4@4100 id9@5000
 * → matches in arrival order: 150 (id0), 250 (id2), 1300 (id1), 1400 (id1 copy), 100 (id4);
 *   id3 lost, id9 a miss, id1 reordered (arrives after id2) and duplicated.
 */
import { describe, expect, it, beforeAll } from "vitest";
import { existsSync } from "node:fs";
import * as path from "node:path";
import { evaluatePair, outputNames, PERCENTILE_LEVELS, type EvalSummary } from "../../src/evaluate/index.js";
import { abs, files, makePair, params, read, testSys, type Pkt } from "./helpers.js";

const PRE: Pkt[] = [0, 1, 2, 3, 4].map((id) => ({ id, t: id * 1000 }));
const POST: Pkt[] = [
  { id: 0, t: 150 },
  { id: 2, t: 2250 },
  { id: 1, t: 2300 },
  { id: 1, t: 2400 },
  { id: 4, t: 4100 },
  { id: 9, t: 5000 },
];

describe("evaluate: every output of a hand-computed pair", () => {
  let dir: string;
  let pre: string;
  let s: EvalSummary;
  const p = params({ formats: ["csv", "parquet"] });
  const B = "latencies-pre-t.pcap";
  beforeAll(async () => {
    ({ dir, pre } = await makePair(PRE, POST));
    const { sys } = testSys();
    s = await evaluatePair(pre, path.join(dir, "latencies-post-t.pcap"), dir, p, sys);
  });

  it("names every file from the pre file's basename, extensions included", () => {
    const n = outputNames(pre, p);
    expect(n.hist).toBe(`${B}.bucket_size100.trim_ms0.hist.csv`);
    expect(n.worst).toBe(`${B}.trim_ms0.num_worst5000.worst.csv`);
    expect(n.jitterpost).toBe(`${B}.bucket_size100.trim_ms0.jitterpost.csv`);
    expect(files(dir)).toEqual(
      [
        `${B}.bucket_size100.trim_ms0.hist.csv`,
        `${B}.bucket_size100.trim_ms0.jitterpost.csv`,
        `${B}.bucket_size100.trim_ms0.jitterpre.csv`,
        `${B}.latency-flows.csv`,
        `${B}.latency-flows.parquet`,
        `${B}.summary.json`,
        `${B}.trim_ms0.flows-percentiles.csv`,
        `${B}.trim_ms0.flows.csv`,
        `${B}.trim_ms0.hdr.csv`,
        `${B}.trim_ms0.num_worst5000.worst.csv`,
        `${B}.trim_ms0.packetratepost.csv`,
        `${B}.trim_ms0.packetratepre.csv`,
        `${B}.trim_ms0.percentiles.csv`,
        `${B}.trim_ms0.transferrate.csv`,
        "latencies-post-t.pcap",
        "latencies-pre-t.pcap",
      ].sort(),
    );
  });

  it("hist: floor(latency / b) · b, ascending", () => {
    expect(read(dir, `${B}.bucket_size100.trim_ms0.hist.csv`)).toBe("latency_bucket,count\n100,2\n200,1\n1300,1\n1400,1\n");
  });

  it("latency-flows: every match, latency desc, absolute ns timestamps", () => {
    expect(read(dir, `${B}.latency-flows.csv`)).toBe(
      "latency,prets,postts,id,srcport,dstport\n" +
        `1400,${abs(1000)},${abs(2400)},1,1,23432\n` +
        `1300,${abs(1000)},${abs(2300)},1,1,23432\n` +
        `250,${abs(2000)},${abs(2250)},2,1,23432\n` +
        `150,${abs(0)},${abs(150)},0,0,23432\n` +
        `100,${abs(4000)},${abs(4100)},4,1,23432\n`,
    );
  });

  it("worst: the same order, cut at num_worst", () => {
    expect(read(dir, `${B}.trim_ms0.num_worst5000.worst.csv`)).toBe(read(dir, `${B}.latency-flows.csv`));
  });

  it("percentiles: discrete, one row per level of percentiles.txt, 1/(1-p)", () => {
    const rows = read(dir, `${B}.trim_ms0.percentiles.csv`).trim().split("\n");
    expect(rows[0]).toBe("percentile,value,onefraconeminuspercentile");
    expect(rows.length - 1).toBe(PERCENTILE_LEVELS.length);
    const at = (p: string) => rows.find((r) => r.startsWith(`${p},`));
    // sorted: 100 150 250 1300 1400
    expect(at("0.0")).toBe("0.0,100,1");
    expect(at("0.05")).toBe("0.05,100,1.0526315789473684");
    expect(at("0.23076923076923078")).toBe("0.23076923076923078,150,1.3");
    expect(at("0.5")).toBe("0.5,250,2");
    expect(at("0.6")).toBe("0.6,250,2.5"); // exactly at a step: 3/5 ≥ 0.6
    expect(at("0.7499999999999999")).toBe("0.7499999999999999,1300,3.9999999999999982");
    expect(at("0.75")).toBe("0.75,1300,4");
    expect(at("0.8076923076923076")!.split(",")[1]).toBe("1400");
    expect(rows[rows.length - 1].split(",")[1]).toBe("1400");
  });

  it("transferrate: all records of each side, post/pre, mean records per non-empty second", () => {
    expect(read(dir, `${B}.trim_ms0.transferrate.csv`)).toBe(
      "pre_received,post_received,transferrate,pre_pkts_per_second,post_pkts_per_second\n5,6,1.2,5,6\n",
    );
  });

  it("packetratepre/post: buckets from each side's first record, absolute ns", () => {
    expect(read(dir, `${B}.trim_ms0.packetratepre.csv`)).toBe(`ts,count\n${abs(0)},5\n`);
    expect(read(dir, `${B}.trim_ms0.packetratepost.csv`)).toBe(`ts,count\n${abs(150)},6\n`);
  });

  it("jitterpre/post: inter-arrival gaps bucketed", () => {
    expect(read(dir, `${B}.bucket_size100.trim_ms0.jitterpre.csv`)).toBe("bucket,count\n1000,4\n");
    // post sorted: 150 2250 2300 2400 4100 5000 → gaps 2100 50 100 1700 900
    expect(read(dir, `${B}.bucket_size100.trim_ms0.jitterpost.csv`)).toBe("bucket,count\n0,1\n100,1\n900,1\n1700,1\n2100,1\n");
  });

  it("summary: counts, latency statistics, PDV and RFC 3550 jitter", () => {
    expect(s.pre_records).toBe(5);
    expect(s.post_records).toBe(6);
    expect(s.matched).toBe(5);
    expect(s.unique_matched).toBe(4);
    expect(s.lost).toBe(1);
    expect(s.duplicated).toBe(1);
    expect(s.reordered).toBe(1);
    expect(s.misses).toBe(1);
    expect(s.latency_ns).toEqual({ count: 5, min: 100, mean: 640, stddev: Math.sqrt(1697000 / 5), p50: 250, p99: 1400, p999: 1400, p9999: 1400, max: 1400 });
    // arrival order 150 250 1300 1400 100 → |D| = 100 1050 100 1300
    expect(s.pdv_ns).toEqual({ mean: 637.5, max: 1300 });
    expect(s.rfc3550_jitter_ns).toBe(149.93743896484375);
    expect(s.transfer_rate).toBe(1.2);
    const json = JSON.parse(read(dir, `${B}.summary.json`));
    expect(json.lost).toBe(1);
    expect(json.latency_ns.p50).toBe(250);
  });

  it("flows.csv and TRex counters: seq 0 2 1 1 4 → dropped 1, out_of_order 2, too_high 2, too_low 2", () => {
    const csv = read(dir, `${B}.trim_ms0.flows.csv`).trim().split("\n");
    expect(csv[0]).toBe(
      "src,dst,dstport,pre_records,post_records,matched,lost,misses,dropped,dup,out_of_order,seq_too_high,seq_too_low," +
        "latency_count,latency_min,latency_mean,latency_stddev,latency_p50,latency_p99,latency_p999,latency_p9999,latency_max,pdv_mean,pdv_max,rfc3550_jitter",
    );
    expect(csv[1]).toBe(`10.0.0.10,10.0.2.20,23432,5,6,5,1,1,1,0,2,2,2,5,100,640,${Math.sqrt(1697000 / 5)},250,1400,1400,1400,1400,637.5,1300,149.93743896484375`);
    expect(s.sequence).toEqual({ dropped: 1, dup: 0, out_of_order: 2, seq_too_high: 2, seq_too_low: 2 });
  });

  it("hdr.csv: HdrHistogram layout, last row at 100 % with Infinity", () => {
    const rows = read(dir, `${B}.trim_ms0.hdr.csv`).trim().split("\n");
    expect(rows[0]).toBe("Value,Percentile,TotalCount,1/(1-Percentile)");
    expect(rows[1]).toBe("100,0.000000000000,1,1.00");
    expect(rows[2]).toBe("100,0.100000000000,1,1.11");
    expect(rows[3]).toBe("100,0.200000000000,1,1.25"); // 1/5 of the values ≤ 100
    expect(rows[4]).toBe("150,0.300000000000,2,1.43");
    expect(rows[rows.length - 1]).toBe("1400,1.000000000000,5,Infinity");
  });

  it("parquet: the per-packet table with the same rows", async () => {
    const { DuckDBInstance } = await import("@duckdb/node-api");
    const inst = await DuckDBInstance.create(":memory:");
    const con = await inst.connect();
    const r = await con.runAndReadAll(`SELECT latency, prets::VARCHAR AS prets, id FROM '${path.join(dir, `${B}.latency-flows.parquet`)}'`);
    expect(r.getRowObjectsJS()).toEqual([
      { latency: 1400n, prets: abs(1000), id: 1 },
      { latency: 1300n, prets: abs(1000), id: 1 },
      { latency: 250n, prets: abs(2000), id: 2 },
      { latency: 150n, prets: abs(0), id: 0 },
      { latency: 100n, prets: abs(4000), id: 4 },
    ]);
    con.closeSync();
    inst.closeSync();
  });

  it("--format parquet alone writes no latency-flows.csv", async () => {
    const { dir: d2, pre: pre2, post: post2 } = await makePair(PRE, POST);
    await evaluatePair(pre2, post2, d2, params({ formats: ["parquet"] }), testSys().sys);
    expect(existsSync(path.join(d2, `${B}.latency-flows.parquet`))).toBe(true);
    expect(existsSync(path.join(d2, `${B}.latency-flows.csv`))).toBe(false);
    expect(files(d2).filter((f) => f.startsWith("."))).toEqual([]);
  });
});
