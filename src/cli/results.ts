/** `hynet results DIR [--sql "…"]`: the runs of a results folder, or any query on its database. */
import { UsageError } from "../errors.js";
import { formatLatency as ns, formatShare as pct } from "../units/format.js";
import type { RunRow } from "../experiment/store.js";
import type { CommandSpec } from "./spec.js";


function cell(v: unknown): string {
  if (v === null || v === undefined) return "";
  if (typeof v === "object") return JSON.stringify(v);
  return String(v);
}

/** Columns padded to their widest cell; numbers right-aligned. */
export function formatTable(header: string[], rows: string[][], rightAlign: boolean[] = []): string[] {
  const w = header.map((h, i) => Math.max([...h].length, ...rows.map((r) => [...(r[i] ?? "")].length)));
  const line = (r: string[]) =>
    r
      .map((c, i) => (rightAlign[i] ? c.padStart(w[i]) : c.padEnd(w[i])))
      .join("  ")
      .trimEnd();
  return [line(header), ...rows.map(line)];
}

export const RUNS_HEADER = ["run", "status", "loss", "p50", "p99.9", "p99.99", "max", "max gap", "late gaps"];

function count(v: number | null): string {
  return v === null || v === undefined ? "–" : String(v);
}

export function runsTable(rows: RunRow[]): string[] {
  return formatTable(
    RUNS_HEADER,
    rows.map((r) => [r.name, r.status, pct(r.loss_ratio), ns(r.lat_p50_ns), ns(r.lat_p999_ns), ns(r.lat_p9999_ns), ns(r.lat_max_ns), ns(r.gap_max_ns), count(r.late_gaps)]),
    [false, false, true, true, true, true, true, true, true],
  );
}

export const resultsCommand: CommandSpec = {
  name: "results",
  summary: "Show the runs of a results folder (loss, p50, p99.9, p99.99, max, max departure gap, late gaps) or run SQL on its database",
  description:
    "Reads `DIR/results.duckdb` (tables runs, percentiles, histograms, packet_rates; see docs/results.md). Without --sql prints one line per run. --rebuild first reloads every run folder into the database (it is an index of the folders and can always be rebuilt from them).",
  args: [{ name: "dir", description: "results folder written by `hynet run`", required: true }],
  options: [
    { name: "sql", type: "string", value: "QUERY", description: "run this SQL query on results.duckdb and print its rows" },
    { name: "rebuild", type: "boolean", description: "rebuild results.duckdb from the run folders first" },
  ],
  examples: [
    "hynet results results/quick",
    `hynet results results/quick --sql "SELECT name, lat_p99_ns FROM runs WHERE node = 'namespace' ORDER BY rate"`,
    "hynet results results/paper --rebuild",
  ],
  async run(args, opts, { sys }) {
    const dir = args[0];
    if (opts.sql !== undefined && (typeof opts.sql !== "string" || !opts.sql.trim())) throw new UsageError("--sql needs a query");
    const { openStore, rebuildStore } = await import("../experiment/store.js");
    if (opts.rebuild) await rebuildStore(dir, sys);
    const store = await openStore(dir, sys, { readOnly: true });
    try {
      if (typeof opts.sql === "string") {
        const rows = await store.query(opts.sql);
        const header = rows.length ? Object.keys(rows[0]) : [];
        const lines = formatTable(header, rows.map((r) => header.map((h) => cell(r[h]))), header.map((h) => typeof rows[0][h] === "number"));
        sys.emit({ type: "result", scope: "results", kind: "results.sql", line: rows.length ? lines.join("\n") : "(no rows)", data: rows });
      } else {
        const rows = await store.runs();
        sys.emit({ type: "result", scope: "results", kind: "results.runs", line: rows.length ? runsTable(rows).join("\n") : "(no runs yet)", data: rows });
      }
    } finally {
      store.close();
    }
    return 0;
  },
};
