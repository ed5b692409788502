/** The terminal table: run, metric, value, limit or baseline, verdict (and a note saying why). */
import type { CheckResult } from "./result.js";

export const TABLE_COLUMNS = ["run", "metric", "value", "limit or baseline", "verdict", "note"] as const;

export function tableCells(c: CheckResult): string[] {
  return [c.run, c.metric, c.valueText, c.referenceText, c.verdict.toUpperCase(), c.message];
}

/** Lines of an aligned table (the last column is not padded). */
export function formatTable(checks: CheckResult[]): string[] {
  const rows = [TABLE_COLUMNS.map((h) => h), ...checks.map(tableCells)];
  const widths = TABLE_COLUMNS.map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  return rows.map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]))).join("  ").trimEnd());
}
