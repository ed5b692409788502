/**
 * Results folders for gate tests: a real results.duckdb with exactly the
 * schema of the results contract (brief contracts.md / docs/results.md),
 * filled with hand-chosen numbers.
 */
import { mkdtempSync, mkdirSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";

export const RUNS_DDL = `CREATE TABLE runs(name VARCHAR PRIMARY KEY, status VARCHAR,
  variables JSON, rate BIGINT, node VARCHAR, link VARCHAR, burst INTEGER, repeat INTEGER,
  started_at TIMESTAMP, finished_at TIMESTAMP, error VARCHAR, run_dir VARCHAR,
  pre_records BIGINT, post_records BIGINT, matched BIGINT, lost BIGINT, loss_ratio DOUBLE,
  duplicated BIGINT, reordered BIGINT,
  lat_min_ns BIGINT, lat_mean_ns DOUBLE, lat_stddev_ns DOUBLE, lat_p50_ns BIGINT, lat_p99_ns BIGINT,
  lat_p999_ns BIGINT, lat_p9999_ns BIGINT, lat_max_ns BIGINT,
  pdv_mean_ns DOUBLE, pdv_max_ns BIGINT, jitter_ns DOUBLE,
  requested_pps DOUBLE, achieved_pps DOUBLE, pre_pps DOUBLE, post_pps DOUBLE)`;
export const OTHER_DDL = [
  "CREATE TABLE percentiles(run VARCHAR, percentile DOUBLE, value_ns BIGINT)",
  "CREATE TABLE histograms(run VARCHAR, latency_bucket_ns BIGINT, count BIGINT)",
  "CREATE TABLE packet_rates(run VARCHAR, side VARCHAR, ts_ns BIGINT, count BIGINT)",
];

export interface FixtureRun {
  rate?: number;
  node?: string;
  link?: string;
  burst?: number;
  repeat?: number;
  status?: string;
  error?: string;
  loss?: number | null;
  p50?: number | null;
  p99?: number | null;
  p999?: number | null;
  p9999?: number | null;
  max?: number | null;
  jitter?: number | null;
  pdv?: number | null;
  requested?: number;
  achieved?: number | null;
  /** Departure gaps (columns gap_max_ns, late_gaps, added to the table when a run gives them). */
  gapMax?: number | null;
  lateGaps?: number | null;
  /** Extra rows of the percentiles table: [p, value_ns]. */
  percentiles?: [number, number][];
  /** Override the run name. */
  name?: string;
}

/** Folder name as the runner makes it: rate, link, node, burst, then others alphabetically. */
export function runName(r: FixtureRun): string {
  const rate = r.rate ?? 50000;
  let n = `rate${rate}-link${r.link ?? "veth"}-node${r.node ?? "namespace"}-burst${r.burst ?? 1}`;
  if (r.repeat !== undefined) n += `-repeat${r.repeat}`;
  return r.name ?? n;
}

export function tmpDir(tag: string): string {
  return mkdtempSync(path.join(os.tmpdir(), `hynet-gate-${tag}-`));
}

function sql(v: unknown): string {
  if (v === null || v === undefined) return "NULL";
  if (typeof v === "number") return String(v);
  return `'${String(v).replace(/'/g, "''")}'`;
}

/** Make `<dir>/results.duckdb` (dir is created) holding these runs. */
export async function makeResults(dir: string, runs: FixtureRun[], opts: { ddl?: string[] } = {}): Promise<string> {
  mkdirSync(dir, { recursive: true });
  const inst = await DuckDBInstance.create(path.join(dir, "results.duckdb"));
  const c = await inst.connect();
  try {
    for (const d of opts.ddl ?? [RUNS_DDL, ...OTHER_DDL]) await c.run(d);
    if (opts.ddl) return dir;
    for (const r of runs) {
      const name = runName(r);
      const rate = r.rate ?? 50000;
      const vars = { rate, link: r.link ?? "veth", node: r.node ?? "namespace", burst: r.burst ?? 1, ...(r.repeat !== undefined ? { repeat: r.repeat } : {}) };
      const row = [
        name, r.status ?? "ok", JSON.stringify(vars), rate, vars.node, vars.link, vars.burst, r.repeat ?? 0,
        "2026-01-01 00:00:00", "2026-01-01 00:01:00", r.error ?? null, `${dir}/${name}`,
        1000000, 999000, 999000, 1000, r.loss === undefined ? 0.001 : r.loss, 0, 0,
        1000, 5000.5, 100.25, r.p50 === undefined ? 5000 : r.p50, r.p99 === undefined ? 9000 : r.p99,
        r.p999 === undefined ? 15000 : r.p999, r.p9999 === undefined ? 40000 : r.p9999, r.max === undefined ? 90000 : r.max,
        r.pdv === undefined ? 300 : r.pdv, 20000, r.jitter === undefined ? 250 : r.jitter,
        r.requested ?? rate, r.achieved === undefined ? rate : r.achieved, rate, rate,
      ];
      await c.run(`INSERT INTO runs VALUES (${row.map(sql).join(", ")})`);
      for (const [p, v] of r.percentiles ?? []) await c.run(`INSERT INTO percentiles VALUES (${sql(name)}, ${p}, ${v})`);
    }
    // The departure-gap columns came later: only a fixture that uses them has them.
    if (runs.some((r) => r.gapMax !== undefined || r.lateGaps !== undefined)) {
      await c.run("ALTER TABLE runs ADD COLUMN gap_max_ns BIGINT");
      await c.run("ALTER TABLE runs ADD COLUMN late_gaps BIGINT");
      for (const r of runs) await c.run(`UPDATE runs SET gap_max_ns = ${sql(r.gapMax)}, late_gaps = ${sql(r.lateGaps)} WHERE name = ${sql(runName(r))}`);
    }
  } finally {
    c.closeSync();
    inst.closeSync();
  }
  return dir;
}
