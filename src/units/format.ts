/**
 * Numbers for people, one way everywhere: the CLI's lines and tables, the
 * evaluator's summary line, the report's pages and the gate's verdicts. A
 * value that is absent prints as "–" so a column keeps its shape.
 */

export const MISSING = "–";

const isNumber = (v: unknown): v is number => typeof v === "number" && Number.isFinite(v);

/**
 * Latency in the largest unit that keeps a digit before the point: whole
 * nanoseconds, then µs with one decimal, ms and s with two. `digits`
 * overrides the decimals of µs, ms and s where finer steps matter (packet gaps).
 */
export function formatLatency(ns: unknown, digits?: number): string {
  if (!isNumber(ns)) return MISSING;
  const a = Math.abs(ns);
  if (a >= 1e9) return `${(ns / 1e9).toFixed(digits ?? 2)} s`;
  if (a >= 1e6) return `${(ns / 1e6).toFixed(digits ?? 2)} ms`;
  if (a >= 1e3) return `${(ns / 1e3).toFixed(digits ?? 1)} µs`;
  return `${Math.round(ns)} ns`;
}

/** A ratio (0.0002) as a percentage with three decimals (0.020%): loss of a run. */
export function formatShare(ratio: unknown): string {
  return isNumber(ratio) ? `${(100 * ratio).toFixed(3)}%` : MISSING;
}

/**
 * Latency in the syntax a budget is written in (ASCII units, no space,
 * trailing zeros dropped: 12.5us), so a verdict can be pasted back into a
 * budget file.
 */
export function formatLatencyCompact(ns: number): string {
  const a = Math.abs(ns);
  if (a < 1e3) return `${trimZeros(ns, 0)}ns`;
  if (a < 1e6) return `${trimZeros(ns / 1e3, 2)}us`;
  if (a < 1e9) return `${trimZeros(ns / 1e6, 3)}ms`;
  return `${trimZeros(ns / 1e9, 3)}s`;
}

function trimZeros(v: number, digits: number): string {
  const t = v.toFixed(digits);
  return t.includes(".") ? t.replace(/\.?0+$/, "") : t;
}
