/** What a gate found: one row per run × check, and the verdict over all of them. */

/**
 * - `pass`: within the limit or tolerance.
 * - `noise`: worse than the baseline beyond the tolerance, but not beyond run-to-run noise (counts as a pass).
 * - `fail`: a limit exceeded, or a regression beyond tolerance and noise.
 * - `error`: could not be evaluated (run failed, value missing, run missing from the results).
 * - `new`: a run only in the results, not in the baseline (reported, does not fail).
 * - `missing`: a run only in the baseline (could not be evaluated, unless allowed).
 * - `skip`: nothing to evaluate (a selector matched no run, the baseline has no value, an allowed missing run).
 */
export type Verdict = "pass" | "noise" | "fail" | "error" | "new" | "missing" | "skip";

export const VERDICTS: readonly Verdict[] = ["pass", "noise", "fail", "error", "new", "missing", "skip"];

export interface NoiseStats {
  /** The baseline's values (one per repeat) and the results' values, in the metric's unit. */
  baseline: number[];
  current: number[];
  baselineMedian: number;
  currentMedian: number;
  /** How much worse the results' median is (positive = worse), and how much is allowed. */
  worsening: number;
  allowed: number;
  /** One-sided Mann-Whitney U test, when the difference exceeded the tolerance. */
  u?: number;
  p?: number;
  minP?: number;
}

export interface CheckResult {
  suite: "budget" | "baseline";
  /** Run name; for baseline checks the combination (run name without its repeat). */
  run: string;
  metric: string;
  /** Test-case name: "p99.99 <= 50us", "p99.99 vs baseline". */
  check: string;
  value: number | null;
  /** Value as shown in the table: "62.1us", "0.02%". */
  valueText: string;
  /** Limit or baseline as shown in the table: "<= 50us", "48us +10%". */
  referenceText: string;
  verdict: Verdict;
  /** One sentence saying why. */
  message: string;
  /** Where the budget was written. */
  source?: string;
  stats?: NoiseStats;
}

export interface GateResult {
  results: string;
  baseline?: string;
  checks: CheckResult[];
  counts: Record<Verdict, number>;
  /** 0 pass, 1 a check failed, 2 could not evaluate (and nothing failed). */
  exitCode: 0 | 1 | 2;
  /** Files written. */
  junit?: string;
  markdown?: string;
}

export function countVerdicts(checks: CheckResult[]): Record<Verdict, number> {
  const counts = Object.fromEntries(VERDICTS.map((v) => [v, 0])) as Record<Verdict, number>;
  for (const c of checks) counts[c.verdict]++;
  return counts;
}

/**
 * A failed check wins over one that could not be evaluated: a known regression
 * is the more useful answer. Runs missing from the results count as "could not evaluate".
 */
export function exitCodeFor(counts: Record<Verdict, number>): 0 | 1 | 2 {
  if (counts.fail > 0) return 1;
  if (counts.error > 0 || counts.missing > 0) return 2;
  return 0;
}
