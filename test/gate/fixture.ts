/**
 * Results folders for gate tests: a real results.duckdb with the schema the
 * results store creates (src/store/db.ts, docs/results.md), filled with
 * hand-chosen numbers.
 */
import { mkdtempSync, mkdirSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import { RESULTS_DDL } from "../../src/store/db.js";

/** The store's own schema, so the fixture cannot drift from what `hynet run` writes. */
export const [RUNS_DDL, ...OTHER_DDL] = RESULTS_DDL;

/** The columns the fixture fills, in the order of the values in makeResults. */
const FILLED = `name, status, variables, rate, node, link, burst, repeat, started_at, finished_at, error, run_dir,
  pre_records, post_records, matched, lost, loss_ratio, duplicated, reordered,
  lat_min_ns, lat_mean_ns, lat_stddev_ns, lat_p50_ns, lat_p99_ns, lat_p999_ns, lat_p9999_ns, lat_max_ns,
  pdv_mean_ns, pdv_max_ns, jitter_ns, requested_pps, achieved_pps, pre_pps, post_pps`;

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
  /** Departure gaps (columns gap_max_ns, late_gaps; NULL unless a run gives them). */
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
      await c.run(`INSERT INTO runs (${FILLED}) VALUES (${row.map(sql).join(", ")})`);
      for (const [p, v] of r.percentiles ?? []) await c.run(`INSERT INTO percentiles VALUES (${sql(name)}, ${p}, ${v})`);
    }
    if (runs.some((r) => r.gapMax !== undefined || r.lateGaps !== undefined)) {
      for (const r of runs) await c.run(`UPDATE runs SET gap_max_ns = ${sql(r.gapMax)}, late_gaps = ${sql(r.lateGaps)} WHERE name = ${sql(runName(r))}`);
    }
  } finally {
    c.closeSync();
    inst.closeSync();
  }
  return dir;
}
