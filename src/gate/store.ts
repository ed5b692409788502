/**
 * The gate's reader of a results folder's `results.duckdb`, through the
 * results database (read-only, waiting while a running series holds the file).
 * It reads only the tables and columns the results contract fixes
 * (docs/results.md) and checks them first, so a database of another shape
 * gives one clear error instead of a failed query.
 */
import * as path from "node:path";
import { promises as fsp } from "node:fs";
import { openResultsDb, type ResultsDb } from "../store/db.js";
import type { Sys } from "../sys/index.js";
import { GateError } from "./errors.js";
import { METRIC_COLUMNS, OPTIONAL_METRIC_COLUMNS } from "./metrics.js";

/** One run as the gate sees it. */
export interface RunRecord {
  name: string;
  status: string;
  error: string | null;
  /** Loop variables (the `variables` JSON overlaid with the rate/node/link/burst/repeat columns), plus `run` = name. */
  variables: Record<string, unknown>;
  /** Metric columns of `runs` as numbers (null where the database holds NULL). */
  values: Record<string, number | null>;
}

export interface ResultsSet {
  dir: string;
  db: string;
  runs: RunRecord[];
  /** Percentile p (fraction) of each run, from the `percentiles` table; undefined when the table has no such row. */
  percentile(run: string, p: number): number | undefined;
}

const VAR_COLUMNS = ["rate", "node", "link", "burst", "repeat"];
/** Every table and column the gate reads: checked before reading, and by a test against the results contract. */
export const REQUIRED: Record<string, string[]> = {
  runs: ["name", "status", "variables", "error", ...VAR_COLUMNS, ...METRIC_COLUMNS.filter((c) => !OPTIONAL_METRIC_COLUMNS.includes(c))],
  percentiles: ["run", "percentile", "value_ns"],
};

function q(id: string): string {
  return `"${id.replace(/"/g, '""')}"`;
}

/** Read a results folder; throws GateError (exit 2) when it is missing or not a results database of the contract's shape. */
export async function readResults(dir: string, sys: Sys, role = "results"): Promise<ResultsSet> {
  const db = path.join(dir, "results.duckdb");
  let st;
  try {
    st = await fsp.stat(dir);
  } catch {
    throw new GateError("GATE_NO_RESULTS", `${role} folder does not exist`, { file: dir, hint: "pass the folder `hynet run` wrote (it holds results.duckdb)" });
  }
  if (!st.isDirectory()) throw new GateError("GATE_NO_RESULTS", `${role} is not a folder`, { file: dir, hint: "pass the results folder, not a file in it" });
  try {
    await fsp.access(db);
  } catch {
    throw new GateError("GATE_NO_RESULTS", `${role} folder has no results.duckdb`, { file: dir, hint: "is the series finished? `hynet run` writes results.duckdb after the runs" });
  }
  let store: ResultsDb;
  try {
    store = await openResultsDb(dir, sys, { readOnly: true });
  } catch (e) {
    const why = e instanceof Error ? e.message.replace(/^cannot open the results database: /, "") : String(e);
    throw new GateError("GATE_BAD_RESULTS", `cannot open as a DuckDB database: ${why.split("\n")[0]}`, { file: db, cause: e });
  }
  const run = async (sql: string) => store.query(sql);
  try {
    const cols = (await run("SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = 'main'")) as {
      table_name: string;
      column_name: string;
    }[];
    for (const [table, need] of Object.entries(REQUIRED)) {
      const have = new Set(cols.filter((c) => c.table_name === table).map((c) => c.column_name));
      if (have.size === 0) throw new GateError("GATE_BAD_RESULTS", `results database has no table ${table}`, { file: db, hint: "it was not written by `hynet run` (see docs/results.md for the schema)" });
      const missing = need.filter((c) => !have.has(c));
      if (missing.length) {
        throw new GateError("GATE_BAD_RESULTS", `table ${table} lacks column${missing.length > 1 ? "s" : ""} ${missing.join(", ")}`, {
          file: db,
          hint: "it was written by another hynet version or by hand (see docs/results.md for the schema)",
        });
      }
    }
    // Numbers come back as doubles: BIGINT nanoseconds stay exact below 2^53 (104 days).
    const haveRuns = new Set(cols.filter((c) => c.table_name === "runs").map((c) => c.column_name));
    const metricSel = METRIC_COLUMNS.map((c) => `CAST(${haveRuns.has(c) ? q(c) : "NULL"} AS DOUBLE) AS ${q(c)}`).join(", ");
    const rows = await run(
      `SELECT name, status, error, CAST(variables AS VARCHAR) AS variables, CAST(rate AS DOUBLE) AS rate, node, link, CAST(burst AS DOUBLE) AS burst, CAST("repeat" AS DOUBLE) AS "repeat", ${metricSel} FROM runs`,
    );
    // Natural order, so rate50000 comes before rate500000 and rate100000.
    const collator = new Intl.Collator("en", { numeric: true });
    rows.sort((a, b) => collator.compare(String(a.name), String(b.name)));
    const runs: RunRecord[] = rows.map((r) => {
      const name = String(r.name);
      let vars: Record<string, unknown> = {};
      if (typeof r.variables === "string" && r.variables !== "") {
        try {
          const v: unknown = JSON.parse(r.variables);
          if (v && typeof v === "object" && !Array.isArray(v)) vars = { ...(v as Record<string, unknown>) };
        } catch {
          throw new GateError("GATE_BAD_RESULTS", `runs.variables of run ${name} is not JSON`, { file: db });
        }
      }
      for (const c of VAR_COLUMNS) if (r[c] !== null && r[c] !== undefined) vars[c] = r[c];
      vars.run = name;
      const values: Record<string, number | null> = {};
      for (const c of METRIC_COLUMNS) values[c] = typeof r[c] === "number" && Number.isFinite(r[c]) ? (r[c] as number) : null;
      return { name, status: String(r.status ?? ""), error: r.error === null || r.error === undefined ? null : String(r.error), variables: vars, values };
    });
    const prows = await run("SELECT run, CAST(percentile AS DOUBLE) AS p, CAST(value_ns AS DOUBLE) AS v FROM percentiles");
    const pct = new Map<string, { p: number; v: number }[]>();
    for (const r of prows) {
      const k = String(r.run);
      let l = pct.get(k);
      if (!l) pct.set(k, (l = []));
      l.push({ p: Number(r.p), v: Number(r.v) });
    }
    return {
      dir,
      db,
      runs,
      percentile(run, p) {
        // The table's p values are doubles like 0.9999 written from percentiles.txt: match to a relative 1e-9.
        const hit = pct.get(run)?.find((e) => Math.abs(e.p - p) <= 1e-9 * Math.max(1, p));
        return hit?.v;
      },
    };
  } catch (e) {
    if (e instanceof GateError) throw e;
    throw new GateError("GATE_BAD_RESULTS", `cannot read the results database: ${(e as Error).message.split("\n")[0]}`, { file: db, cause: e });
  } finally {
    store.close();
  }
}
