/** Against ground truth: a synthesized pair (hynet synth) with loss, duplicates, reordering, noise, id wrap. */
import { describe, expect, it } from "vitest";
import { synthesize } from "../../src/traffic/synth.js";
import { evaluatePair, postPathFor } from "../../src/evaluate/index.js";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { params, testSys, tmp } from "./helpers.js";

describe("evaluate a synthesized pair", () => {
  it("finds exactly the loss and duplicates synth put in, across id 65536 boundaries, from .zst pcapng", async () => {
    const dir = tmp();
    const { sys } = testSys();
    const r = await synthesize(
      {
        outDir: dir,
        name: "s",
        rate: 1e6,
        burst: 4,
        flows: 10,
        size: 84,
        packets: 150_000,
        latency: { baseNs: 10_000, jitterNs: 3_000, tailProb: 0.01, tailNs: 200_000 },
        loss: 0.002,
        duplicates: 0.001,
        reorder: 0.001,
        noise: 50,
        startId: 4_294_967_296 - 70_000,
        resolution: "ns",
        format: "pcapng",
        compression: "zstd",
        seed: 42,
      },
      sys,
    );
    const s = await evaluatePair(r.pre, postPathFor(r.pre), dir, params({ formats: ["csv", "parquet"] }), sys);
    expect(s.pre_records).toBe(r.sent);
    expect(s.ambiguous_pre).toBe(0);
    expect(s.lost).toBe(r.lost);
    expect(s.duplicated).toBe(r.duplicated);
    expect(s.unique_matched).toBe(r.delivered);
    expect(s.matched).toBe(r.delivered + r.duplicated);
    expect(s.misses).toBe(0);
    expect(Object.values(s.skipped_pre).reduce((a, b) => a + b, 0)).toBe(r.noise);
    expect(s.flows.length).toBe(10);
    expect(s.flows.reduce((a, f) => a + f.lost, 0)).toBe(r.lost);
    // A reorder swaps two post arrivals: the earlier one can move back by up to a burst gap (4 µs here).
    expect(s.latency_ns.min).toBeGreaterThanOrEqual(10_000 - 4_100);
    expect(s.latency_ns.max).toBeLessThanOrEqual(203_000 + 4_100);
    expect(s.latency_ns.p99).toBeGreaterThanOrEqual(10_000);

    // The Parquet table (written on its own thread, 2048 rows a chunk) holds the CSV's rows in its order.
    const base = path.join(dir, path.basename(r.pre));
    const csv = readFileSync(`${base}.latency-flows.csv`, "utf8").trim().split("\n").slice(1);
    expect(csv.length).toBe(s.matched);
    const { DuckDBInstance } = await import("@duckdb/node-api");
    const inst = await DuckDBInstance.create(":memory:");
    const con = await inst.connect();
    const pq = await con.runAndReadAll(`SELECT latency, prets, postts, id, srcport, dstport FROM '${base}.latency-flows.parquet'`);
    const rows = pq.getRows();
    expect(rows.length).toBe(csv.length);
    for (let i = 0; i < rows.length; i += 997) expect(rows[i].map(String).join(",")).toBe(csv[i]);
    expect(rows.at(-1)!.map(String).join(",")).toBe(csv.at(-1));
    con.closeSync();
    inst.closeSync();
  });
});
