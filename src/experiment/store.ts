/**
 * The results store: one DuckDB file per results folder (`results.duckdb`)
 * with one row per run and the per-run distributions, for queries across
 * runs. It is filled from the run folders (run.json + eval/ files), never
 * from memory only, so it can always be rebuilt from what is on disk
 * (`hynet results DIR --rebuild`): the folders are the truth, the database
 * an index. Schema: docs/results.md.
 */
import { promises as fsp } from "node:fs";
import * as path from "node:path";
// DuckDB takes most of a second to load: only commands that open the store pay for it.
import type { DuckDBConnection, DuckDBValue } from "@duckdb/node-api";
import { FileError, InputError, SystemError, fileError } from "../errors.js";
import { logger } from "../events.js";
import type { Sys } from "../sys/context.js";
import { exists, readText } from "../sys/files.js";
import { outputNames } from "../evaluate/files.js";
import { DB_FILE, openResultsDb, type OpenStoreOptions } from "../store/db.js";

export { DB_FILE, type OpenStoreOptions };
import type { Scalar } from "./file.js";
import { readRunRecord, type RunRecord } from "./record.js";

/** One row of `runs`, with BIGINTs as numbers and timestamps as ISO strings. */
export interface RunRow {
  name: string;
  status: string;
  variables: Record<string, Scalar>;
  rate: number | null;
  node: string | null;
  link: string | null;
  burst: number | null;
  repeat: number | null;
  started_at: string | null;
  finished_at: string | null;
  error: string | null;
  run_dir: string | null;
  pre_records: number | null;
  post_records: number | null;
  matched: number | null;
  lost: number | null;
  loss_ratio: number | null;
  duplicated: number | null;
  reordered: number | null;
  lat_min_ns: number | null;
  lat_mean_ns: number | null;
  lat_stddev_ns: number | null;
  lat_p50_ns: number | null;
  lat_p99_ns: number | null;
  lat_p999_ns: number | null;
  lat_p9999_ns: number | null;
  lat_max_ns: number | null;
  pdv_mean_ns: number | null;
  pdv_max_ns: number | null;
  jitter_ns: number | null;
  requested_pps: number | null;
  achieved_pps: number | null;
  pre_pps: number | null;
  post_pps: number | null;
  flows: number | null;
  size: number | null;
  measurement_time: number | null;
  warm_up_time: number | null;
  sent: number | null;
  pre_dropped: number | null;
  post_dropped: number | null;
  error_code: string | null;
  duration_s: number | null;
  overhead_s: number | null;
  /** Inter-departure gaps of the pre capture (docs/evaluate.md "Departure gaps"). */
  gap_p1_ns: number | null;
  gap_p50_ns: number | null;
  gap_p99_ns: number | null;
  gap_max_ns: number | null;
  late_gaps: number | null;
}

export interface Store {
  readonly file: string;
  /** All runs, in the order they started. */
  runs(): Promise<RunRow[]>;
  /** Any SQL; rows with BIGINTs as numbers (strings beyond 2^53) and timestamps as ISO strings. */
  query(sql: string): Promise<Record<string, unknown>[]>;
  /** (Re)load one run folder into all tables, replacing earlier rows of that run. */
  ingestRun(runDir: string): Promise<void>;
  close(): void;
}

function whole(v: number | null): number | null {
  return v === null ? null : Math.round(v);
}

function sqlString(s: string): string {
  return `'${s.replace(/'/g, "''")}'`;
}

interface Summary {
  pre_records?: number | null;
  post_records?: number | null;
  matched?: number | null;
  lost?: number | null;
  duplicated?: number | null;
  reordered?: number | null;
  latency_ns?: Partial<Record<"min" | "mean" | "stddev" | "p50" | "p99" | "p999" | "p9999" | "max", number | null>>;
  pdv_ns?: { mean?: number | null; max?: number | null };
  rfc3550_jitter_ns?: number | null;
  pre_pps?: number | null;
  post_pps?: number | null;
  departure_gaps?: Partial<Record<"p1_ns" | "p50_ns" | "p99_ns" | "max_ns" | "late_gaps", number | null>>;
}

async function readSummary(file: string): Promise<Summary> {
  try {
    return JSON.parse(await readText(file)) as Summary;
  } catch (e) {
    if (e instanceof SyntaxError) throw new InputError("SUMMARY_INVALID", `not valid JSON: ${e.message}`, { file });
    throw e;
  }
}

/** The eval/ file names of a run, as spec/evaluation.md names them (B = basename of the pre capture). */
export function evalFiles(runDir: string, rec: RunRecord): { percentiles: string; hist: string; ratePre: string; ratePost: string } | undefined {
  if (!rec.captures) return undefined;
  const e = rec.evaluation;
  const n = outputNames(rec.captures.pre, { bucketSize: e.bucket_size, trimMs: e.trim_ms, numWorst: e.num_worst });
  const dir = path.join(runDir, "eval");
  return {
    percentiles: path.join(dir, n.percentiles),
    hist: path.join(dir, n.hist),
    ratePre: path.join(dir, n.packetratepre),
    ratePost: path.join(dir, n.packetratepost),
  };
}

async function ingest(c: DuckDBConnection, runDir: string): Promise<void> {
  const rec = await readRunRecord(runDir);
  if (!rec) throw new FileError("RUN_JSON_MISSING", "no run.json in the run folder", { file: runDir });
  const s: Summary = rec.eval_summary && (await exists(path.join(runDir, rec.eval_summary))) ? await readSummary(path.join(runDir, rec.eval_summary)) : {};
  const lat = s.latency_ns ?? {};
  const gaps = s.departure_gaps ?? {};
  const n = (v: number | null | undefined): number | null => (v === undefined || v === null || !Number.isFinite(v) ? null : v);
  const lossRatio = n(s.lost) !== null && n(s.pre_records) ? (s.lost as number) / (s.pre_records as number) : null;
  const p = rec.params;
  const values: Record<string, DuckDBValue> = {
    name: rec.name,
    // A run.json still saying "running" is one hynet never finished (killed, power cut): to the index it is aborted.
    status: rec.status === "running" ? "aborted" : rec.status,
    variables: JSON.stringify(rec.variables),
    rate: p.rate,
    node: p.node,
    link: p.link,
    burst: p.burst,
    repeat: p.repeat,
    started_at: rec.started_at ?? null,
    finished_at: rec.finished_at ?? null,
    error: rec.error ? rec.error.message : rec.status === "running" ? "the run did not finish (hynet was stopped)" : null,
    run_dir: path.resolve(runDir),
    pre_records: n(s.pre_records),
    post_records: n(s.post_records),
    matched: n(s.matched),
    lost: n(s.lost),
    loss_ratio: lossRatio,
    duplicated: n(s.duplicated),
    reordered: n(s.reordered),
    lat_min_ns: n(lat.min),
    lat_mean_ns: n(lat.mean),
    lat_stddev_ns: n(lat.stddev),
    lat_p50_ns: n(lat.p50),
    lat_p99_ns: n(lat.p99),
    lat_p999_ns: n(lat.p999),
    lat_p9999_ns: n(lat.p9999),
    lat_max_ns: n(lat.max),
    pdv_mean_ns: n(s.pdv_ns?.mean),
    pdv_max_ns: n(s.pdv_ns?.max),
    jitter_ns: n(s.rfc3550_jitter_ns),
    requested_pps: p.rate,
    achieved_pps: n(rec.loadgen?.achieved_pps),
    pre_pps: n(s.pre_pps),
    post_pps: n(s.post_pps),
    flows: p.flows,
    size: p.size,
    measurement_time: p.measurementTime,
    warm_up_time: p.warmUpTime,
    sent: n(rec.loadgen?.sent),
    pre_dropped: n(rec.capture?.pre_dropped),
    post_dropped: n(rec.capture?.post_dropped),
    error_code: rec.error ? rec.error.code : null,
    duration_s: n(rec.timings?.total),
    overhead_s: n(rec.timings?.overhead),
    // Whole ns: the percentiles are gaps between two integer timestamps; round only float noise away.
    gap_p1_ns: whole(n(gaps.p1_ns)),
    gap_p50_ns: whole(n(gaps.p50_ns)),
    gap_p99_ns: whole(n(gaps.p99_ns)),
    gap_max_ns: whole(n(gaps.max_ns)),
    late_gaps: n(gaps.late_gaps),
  };
  const cols = Object.keys(values);
  const expr = cols.map((k) => {
    if (values[k] === null) return "NULL";
    if (k === "variables") return `CAST($${k} AS JSON)`;
    if (k === "started_at" || k === "finished_at") return `CAST($${k} AS TIMESTAMP)`;
    return `$${k}`;
  });
  const bound = Object.fromEntries(cols.filter((k) => values[k] !== null).map((k) => [k, values[k]]));
  const files = rec.status === "ok" ? evalFiles(runDir, rec) : undefined;
  await c.run("BEGIN TRANSACTION");
  try {
    for (const t of ["percentiles", "histograms", "packet_rates"]) await c.run(`DELETE FROM ${t} WHERE run = $run`, { run: rec.name });
    await c.run("DELETE FROM runs WHERE name = $run", { run: rec.name });
    await c.run(`INSERT INTO runs (${cols.join(", ")}) VALUES (${expr.join(", ")})`, bound);
    if (files) {
      const run = sqlString(rec.name);
      if (await exists(files.percentiles)) {
        await c.run(
          `INSERT INTO percentiles SELECT ${run}, percentile, value FROM read_csv(${sqlString(files.percentiles)}, header = true, columns = {'percentile': 'DOUBLE', 'value': 'BIGINT', 'onefraconeminuspercentile': 'DOUBLE'})`,
        );
      }
      if (await exists(files.hist)) {
        await c.run(`INSERT INTO histograms SELECT ${run}, latency_bucket, count FROM read_csv(${sqlString(files.hist)}, header = true, columns = {'latency_bucket': 'BIGINT', 'count': 'BIGINT'})`);
      }
      for (const [side, f] of [["pre", files.ratePre], ["post", files.ratePost]] as const) {
        if (await exists(f)) {
          await c.run(`INSERT INTO packet_rates SELECT ${run}, '${side}', ts, count FROM read_csv(${sqlString(f)}, header = true, columns = {'ts': 'BIGINT', 'count': 'BIGINT'})`);
        }
      }
    }
    await c.run("COMMIT");
  } catch (e) {
    await c.run("ROLLBACK").catch(() => {});
    throw e instanceof Error && !(e instanceof FileError) && !(e instanceof InputError)
      ? new SystemError("STORE_INGEST", `cannot load run ${rec.name} into ${DB_FILE}: ${e.message}`, { file: runDir, cause: e })
      : e;
  }
}

/** Open (and create, unless readOnly) `<resultsDir>/results.duckdb`. */
export async function openStore(resultsDir: string, sys: Sys, opts: OpenStoreOptions = {}): Promise<Store> {
  const db = await openResultsDb(resultsDir, sys, opts);
  return {
    file: db.file,
    query: db.query,
    async runs() {
      const rows = await db.query("SELECT * FROM runs ORDER BY started_at NULLS LAST, name");
      return rows.map((r) => ({ ...r, variables: typeof r.variables === "string" ? (JSON.parse(r.variables) as Record<string, Scalar>) : r.variables }) as RunRow);
    },
    ingestRun: (runDir) => ingest(db.connection, runDir),
    close: db.close,
  };
}

/** Load the given run folders, holding the database only as long as that takes (so `hynet results` can read between runs). */
export async function ingestRuns(resultsDir: string, runDirs: string[], sys: Sys): Promise<void> {
  const store = await openStore(resultsDir, sys);
  try {
    for (const d of runDirs) await store.ingestRun(d);
  } finally {
    store.close();
  }
}

/** Every folder in a results folder that holds a run.json (moved-aside `.incomplete-N` folders excluded). */
export async function runFolders(resultsDir: string): Promise<string[]> {
  let entries: string[];
  try {
    entries = await fsp.readdir(resultsDir);
  } catch (e) {
    throw fileError(e, resultsDir, "list the results folder");
  }
  const out: string[] = [];
  for (const e of entries.sort()) {
    if (/\.incomplete-\d+$/.test(e)) continue;
    if (await exists(path.join(resultsDir, e, "run.json"))) out.push(path.join(resultsDir, e));
  }
  return out;
}

/** Rebuild the database from the run folders. Returns the number of runs loaded. */
export async function rebuildStore(resultsDir: string, sys: Sys): Promise<number> {
  const dirs = await runFolders(resultsDir);
  const log = logger(sys.emit, "results");
  await ingestRuns(resultsDir, dirs, sys);
  log.info(`loaded ${dirs.length} run${dirs.length === 1 ? "" : "s"} into ${path.join(resultsDir, DB_FILE)}`);
  return dirs.length;
}
