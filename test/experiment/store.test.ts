import { describe, expect, it } from "vitest";
import { mkdtempSync, mkdirSync, writeFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { openStore, rebuildStore, ingestRuns } from "../../src/experiment/store.js";
import { writeRunRecord, type RunRecord } from "../../src/experiment/record.js";
import { runsTable } from "../../src/cli/results.js";
import { createSys } from "../../src/sys/index.js";

const sys = createSys();

function record(name: string, over: Partial<RunRecord> = {}): RunRecord {
  return {
    name,
    index: 1,
    variables: { rate: 50000, link: "veth", node: "namespace", burst: 1 },
    params: { topology: "/t.yaml", rate: 50000, burst: 1, node: "namespace", link: "veth", switch: "bridge", repeat: 0, flows: 10, size: 84, measurementTime: 2, warmUpTime: 1 },
    status: "ok",
    started_at: "2026-01-02T03:04:05.000Z",
    finished_at: "2026-01-02T03:04:09.500Z",
    timings: { total: 4.5, overhead: 1.5 },
    host: { hostname: "h", kernel: "6.1", kernel_version: "", cmdline: "", os: "", cpu: "x", cpus: 2, memory_bytes: 1, arch: "x64", governor: null, sysctl: {} },
    versions: { hynet: "0.1.0", node: "v20", duckdb: "1", iproute2: null, zstd: null },
    experiment: { file: "e.yaml", topology: "t.yaml", loadgen: "builtin", timestamper: "builtin" },
    evaluation: { bucket_size: 100, trim_ms: 0, num_worst: 5000, strict_marker: false, formats: ["csv"], flow_key: ["src"] },
    captures: { pre: `latencies-pre-${name}.pcap.zst`, post: `latencies-post-${name}.pcap.zst`, compression: "zstd" },
    loadgen: { sent: 100000, warmup_sent: 1000, duration_ns: 2e9, achieved_pps: 49999.5, gap_ns: {} },
    capture: { pre_frames: 100000, post_frames: 99990, pre_dropped: 0, post_dropped: 3, timestamping: "software" },
    eval_summary: `eval/latencies-pre-${name}.pcap.zst.summary.json`,
    ...over,
  };
}

async function okRun(results: string, name: string): Promise<string> {
  const dir = path.join(results, name);
  mkdirSync(path.join(dir, "eval"), { recursive: true });
  await writeRunRecord(dir, record(name));
  const B = `latencies-pre-${name}.pcap.zst`;
  writeFileSync(
    path.join(dir, "eval", `${B}.summary.json`),
    JSON.stringify({
      pre_records: 100000, post_records: 99990, matched: 99980, lost: 20, duplicated: 0, reordered: 1,
      latency_ns: { min: 9000, mean: 12345.5, stddev: 800.25, p50: 12000, p99: 15000, p999: 21000, p9999: 40000, max: 123456 },
      pdv_ns: { mean: 55.5, max: 9000 }, rfc3550_jitter_ns: 42.25, pre_pps: 50000, post_pps: 49995,
      departure_gaps: { count: 99999, period_ns: 20000.4, p1_ns: 19000, p50_ns: 20000, p99_ns: 23000.000000004, max_ns: 2500000, late_gaps: 3 },
    }),
  );
  writeFileSync(path.join(dir, "eval", `${B}.trim_ms0.percentiles.csv`), "percentile,value,onefraconeminuspercentile\n0,9000,1\n0.5,12000,2\n0.999,21000,1000\n");
  writeFileSync(path.join(dir, "eval", `${B}.bucket_size100.trim_ms0.hist.csv`), "latency_bucket,count\n9000,10\n12000,99960\n123400,10\n");
  writeFileSync(path.join(dir, "eval", `${B}.trim_ms0.packetratepre.csv`), "ts,count\n1767323045000000000,50000\n1767323046000000000,50000\n");
  writeFileSync(path.join(dir, "eval", `${B}.trim_ms0.packetratepost.csv`), "ts,count\n1767323045000012000,49990\n");
  return dir;
}

describe("results store", () => {
  it("loads run folders into runs, percentiles, histograms and packet_rates", async () => {
    const results = mkdtempSync(path.join(tmpdir(), "hynet-store-"));
    const a = await okRun(results, "rate50000-linkveth-nodenamespace-burst1");
    const b = path.join(results, "rate100000-linkveth-nodenamespace-burst1");
    mkdirSync(b);
    await writeRunRecord(b, record("rate100000-linkveth-nodenamespace-burst1", {
      status: "failed", started_at: "2026-01-02T03:05:00.000Z", error: { code: "COMMAND_FAILED", message: "`ip link add` failed" },
      captures: undefined, eval_summary: undefined, loadgen: undefined, capture: undefined,
      params: { topology: "/t.yaml", rate: 100000, burst: 1, node: "namespace", link: "veth", switch: "bridge", repeat: 0, flows: 10, size: 84, measurementTime: 2, warmUpTime: 1 },
    }));
    await ingestRuns(results, [a, b], sys);
    const s = await openStore(results, sys, { readOnly: true });
    try {
      const runs = await s.runs();
      expect(runs.map((r) => [r.name, r.status])).toEqual([
        ["rate50000-linkveth-nodenamespace-burst1", "ok"],
        ["rate100000-linkveth-nodenamespace-burst1", "failed"],
      ]);
      const r = runs[0];
      expect(r).toMatchObject({
        rate: 50000, node: "namespace", link: "veth", burst: 1, repeat: 0,
        pre_records: 100000, post_records: 99990, matched: 99980, lost: 20, duplicated: 0, reordered: 1,
        lat_min_ns: 9000, lat_mean_ns: 12345.5, lat_stddev_ns: 800.25, lat_p50_ns: 12000, lat_p99_ns: 15000,
        lat_p999_ns: 21000, lat_p9999_ns: 40000, lat_max_ns: 123456, pdv_mean_ns: 55.5, pdv_max_ns: 9000, jitter_ns: 42.25,
        requested_pps: 50000, achieved_pps: 49999.5, pre_pps: 50000, post_pps: 49995, sent: 100000, post_dropped: 3,
        started_at: "2026-01-02T03:04:05.000Z", finished_at: "2026-01-02T03:04:09.500Z", error: null, run_dir: a, overhead_s: 1.5,
        gap_p1_ns: 19000, gap_p50_ns: 20000, gap_p99_ns: 23000, gap_max_ns: 2500000, late_gaps: 3,
      });
      expect(r.loss_ratio).toBeCloseTo(20 / 100000, 12);
      expect(r.variables).toEqual({ rate: 50000, link: "veth", node: "namespace", burst: 1 });
      expect(runs[1]).toMatchObject({ error: "`ip link add` failed", error_code: "COMMAND_FAILED", lat_p50_ns: null, loss_ratio: null, gap_max_ns: null, late_gaps: null });
      expect(await s.query("SELECT percentile, value_ns FROM percentiles ORDER BY percentile")).toEqual([
        { percentile: 0, value_ns: 9000 }, { percentile: 0.5, value_ns: 12000 }, { percentile: 0.999, value_ns: 21000 },
      ]);
      expect(await s.query("SELECT sum(count) AS n, max(latency_bucket_ns) AS top FROM histograms")).toEqual([{ n: 99980, top: 123400 }]);
      expect(await s.query("SELECT side, count(*) AS buckets, sum(count) AS frames FROM packet_rates GROUP BY side ORDER BY side")).toEqual([
        { side: "post", buckets: 1, frames: 49990 }, { side: "pre", buckets: 2, frames: 100000 },
      ]);
      expect(await s.query("SELECT ts_ns FROM packet_rates WHERE side = 'post'")).toEqual([{ ts_ns: "1767323045000012000" }]);
      expect(runsTable(runs)).toEqual([
        "run                                       status    loss      p50    p99.9   p99.99       max  max gap  late gaps",
        "rate50000-linkveth-nodenamespace-burst1   ok      0.020%  12.0 µs  21.0 µs  40.0 µs  123.5 µs  2.50 ms          3",
        "rate100000-linkveth-nodenamespace-burst1  failed       –        –        –        –         –        –          –",
      ]);
      await expect(s.query("SELECT nope FROM runs")).rejects.toMatchObject({ code: "SQL_ERROR" });
    } finally {
      s.close();
    }
  });

  it("replaces a run's rows when it is loaded again, and rebuilds from the folders", async () => {
    const results = mkdtempSync(path.join(tmpdir(), "hynet-store-"));
    const a = await okRun(results, "rate1");
    await ingestRuns(results, [a, a], sys);
    // A moved-aside attempt is not a run of the series.
    mkdirSync(path.join(results, "rate1.incomplete-1"));
    await writeRunRecord(path.join(results, "rate1.incomplete-1"), record("rate1", { status: "aborted" }));
    rmSync(path.join(results, "results.duckdb"));
    expect(await rebuildStore(results, sys)).toBe(1);
    const s = await openStore(results, sys, { readOnly: true });
    try {
      expect(await s.query("SELECT (SELECT count(*) FROM runs) AS r, (SELECT count(*) FROM percentiles) AS p, (SELECT count(*) FROM histograms) AS h")).toEqual([{ r: 1, p: 3, h: 3 }]);
      expect((await s.runs())[0].status).toBe("ok");
    } finally {
      s.close();
    }
  });

  it("gives a database made before the departure-gap columns those columns", async () => {
    const results = mkdtempSync(path.join(tmpdir(), "hynet-store-"));
    const { DuckDBInstance } = await import("@duckdb/node-api");
    const db = await DuckDBInstance.create(path.join(results, "results.duckdb"));
    const c = await db.connect();
    // The runs table as hynet made it before the gap columns.
    await c.run(`CREATE TABLE runs (name VARCHAR PRIMARY KEY, status VARCHAR, variables JSON, rate BIGINT, node VARCHAR, link VARCHAR, burst INTEGER,
      repeat INTEGER, started_at TIMESTAMP, finished_at TIMESTAMP, error VARCHAR, run_dir VARCHAR, pre_records BIGINT, post_records BIGINT,
      matched BIGINT, lost BIGINT, loss_ratio DOUBLE, duplicated BIGINT, reordered BIGINT, lat_min_ns BIGINT, lat_mean_ns DOUBLE,
      lat_stddev_ns DOUBLE, lat_p50_ns BIGINT, lat_p99_ns BIGINT, lat_p999_ns BIGINT, lat_p9999_ns BIGINT, lat_max_ns BIGINT,
      pdv_mean_ns DOUBLE, pdv_max_ns BIGINT, jitter_ns DOUBLE, requested_pps DOUBLE, achieved_pps DOUBLE, pre_pps DOUBLE, post_pps DOUBLE,
      flows INTEGER, size INTEGER, measurement_time DOUBLE, warm_up_time DOUBLE, sent BIGINT, pre_dropped BIGINT, post_dropped BIGINT,
      error_code VARCHAR, duration_s DOUBLE, overhead_s DOUBLE)`);
    c.closeSync();
    db.closeSync();
    const a = await okRun(results, "rate1");
    await ingestRuns(results, [a], sys);
    const s = await openStore(results, sys, { readOnly: true });
    try {
      expect(await s.query("SELECT gap_max_ns, late_gaps FROM runs")).toEqual([{ gap_max_ns: 2500000, late_gaps: 3 }]);
    } finally {
      s.close();
    }
  });

  it("says when a folder has no database", async () => {
    const results = mkdtempSync(path.join(tmpdir(), "hynet-store-"));
    await expect(openStore(results, sys, { readOnly: true })).rejects.toMatchObject({ code: "RESULTS_NO_DB" });
  });
});
