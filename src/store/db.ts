/**
 * The results database of a results folder (`results.duckdb`): its schema
 * (docs/results.md) and how it is opened. Below both the runner's store,
 * which fills it from the run folders, and the gate, which reads it, so
 * neither depends on the other.
 */
import * as path from "node:path";
// DuckDB takes most of a second to load: only commands that open the store pay for it.
import type { DuckDBConnection, DuckDBInstance } from "@duckdb/node-api";
import { FileError, InputError, SystemError } from "../errors.js";
import type { Sys } from "../sys/context.js";
import { exists } from "../sys/files.js";

export const DB_FILE = "results.duckdb";

/** The tables of the results contract, one statement each (`runs` first). */
export const RESULTS_DDL: readonly string[] = [
  `CREATE TABLE IF NOT EXISTS runs (
  name VARCHAR PRIMARY KEY, status VARCHAR,
  variables JSON, rate BIGINT, node VARCHAR, link VARCHAR, burst INTEGER, repeat INTEGER,
  started_at TIMESTAMP, finished_at TIMESTAMP, error VARCHAR, run_dir VARCHAR,
  pre_records BIGINT, post_records BIGINT, matched BIGINT, lost BIGINT, loss_ratio DOUBLE,
  duplicated BIGINT, reordered BIGINT,
  lat_min_ns BIGINT, lat_mean_ns DOUBLE, lat_stddev_ns DOUBLE, lat_p50_ns BIGINT, lat_p99_ns BIGINT,
  lat_p999_ns BIGINT, lat_p9999_ns BIGINT, lat_max_ns BIGINT,
  pdv_mean_ns DOUBLE, pdv_max_ns BIGINT, jitter_ns DOUBLE,
  requested_pps DOUBLE, achieved_pps DOUBLE, pre_pps DOUBLE, post_pps DOUBLE,
  flows INTEGER, size INTEGER, measurement_time DOUBLE, warm_up_time DOUBLE,
  sent BIGINT, pre_dropped BIGINT, post_dropped BIGINT, error_code VARCHAR,
  duration_s DOUBLE, overhead_s DOUBLE,
  gap_p1_ns BIGINT, gap_p50_ns BIGINT, gap_p99_ns BIGINT, gap_max_ns BIGINT, late_gaps BIGINT
)`,
  // Databases made before the departure-gap columns get them (NULL for their runs until a --rebuild).
  "ALTER TABLE runs ADD COLUMN IF NOT EXISTS gap_p1_ns BIGINT",
  "ALTER TABLE runs ADD COLUMN IF NOT EXISTS gap_p50_ns BIGINT",
  "ALTER TABLE runs ADD COLUMN IF NOT EXISTS gap_p99_ns BIGINT",
  "ALTER TABLE runs ADD COLUMN IF NOT EXISTS gap_max_ns BIGINT",
  "ALTER TABLE runs ADD COLUMN IF NOT EXISTS late_gaps BIGINT",
  "CREATE TABLE IF NOT EXISTS percentiles (run VARCHAR, percentile DOUBLE, value_ns BIGINT)",
  "CREATE TABLE IF NOT EXISTS histograms (run VARCHAR, latency_bucket_ns BIGINT, count BIGINT)",
  "CREATE TABLE IF NOT EXISTS packet_rates (run VARCHAR, side VARCHAR, ts_ns BIGINT, count BIGINT)",
];

export interface OpenStoreOptions {
  readOnly?: boolean;
  /** How long to wait for another hynet process (a `hynet results` reader, the runner) to let go of the file. */
  waitMs?: number;
}

export interface ResultsDb {
  readonly file: string;
  readonly connection: DuckDBConnection;
  /** Any SQL; rows with BIGINTs as numbers (strings beyond 2^53) and timestamps as ISO strings. */
  query(sql: string): Promise<Record<string, unknown>[]>;
  close(): void;
}

function plain(v: unknown): unknown {
  if (typeof v === "bigint") return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v.toString();
  if (v instanceof Date) return v.toISOString();
  if (Array.isArray(v)) return v.map(plain);
  if (v && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plain(x)]));
  return v;
}

function isLockError(e: unknown): boolean {
  return /lock|Conflicting/i.test(String((e as Error)?.message ?? e));
}

/** Open (and create, unless readOnly) `<resultsDir>/results.duckdb`, waiting while another process holds it. */
export async function openResultsDb(resultsDir: string, sys: Sys, opts: OpenStoreOptions = {}): Promise<ResultsDb> {
  const file = path.join(resultsDir, DB_FILE);
  if (opts.readOnly && !(await exists(file))) {
    throw new FileError("RESULTS_NO_DB", `no ${DB_FILE} in this folder`, { file: resultsDir, hint: "is this a results folder of `hynet run`? `hynet results DIR --rebuild` builds the database from the run folders" });
  }
  const { DuckDBInstance } = await import("@duckdb/node-api");
  const deadline = Date.now() + (opts.waitMs ?? 15_000);
  let instance: DuckDBInstance | undefined;
  for (;;) {
    try {
      instance = await DuckDBInstance.create(file, opts.readOnly ? { access_mode: "READ_ONLY" } : {});
      break;
    } catch (e) {
      if (isLockError(e) && Date.now() < deadline) {
        await sys.sleep(100);
        continue;
      }
      throw new SystemError("STORE_OPEN", `cannot open the results database: ${(e as Error).message.split("\n")[0]}`, { file, cause: e });
    }
  }
  const inst = instance;
  const c = await inst.connect();
  if (!opts.readOnly) for (const ddl of RESULTS_DDL) await c.run(ddl);
  return {
    file,
    connection: c,
    async query(sql: string) {
      try {
        const r = await c.runAndReadAll(sql);
        return r.getRowObjectsJS().map((row) => plain(row) as Record<string, unknown>);
      } catch (e) {
        throw new InputError("SQL_ERROR", (e as Error).message.split("\n")[0], { file });
      }
    },
    close() {
      c.closeSync();
      inst.closeSync();
    },
  };
}
