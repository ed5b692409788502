/**
 * CI verdicts: a results folder against latency budgets and, optionally, an
 * earlier results folder. `hynet gate` and `hynet run --gate` both call runGate.
 */
import type { Sys } from "../sys/index.js";
import { writeFileAtomic } from "../sys/files.js";
import { HynetError } from "../errors.js";
import type { GateBudgets } from "./budgets.js";
import { compareBaseline } from "./baseline.js";
import { checkBudgets, checkSelectorKeys } from "./check.js";
import { GateError } from "./errors.js";
import { junitErrorXml, junitXml } from "./junit.js";
import { markdownSummary } from "./markdown.js";
import { countVerdicts, exitCodeFor, type GateResult } from "./result.js";
import { readResults, type ResultsSet } from "./store.js";
import { formatTable } from "./table.js";

export { gateSchema, parseBudgets, loadGateSection, DEFAULT_COMPARE, DEFAULT_ALPHA, DEFAULT_RELATIVE_TOLERANCE } from "./budgets.js";
export type { GateSection, GateBudgets, Budget, BaselineSpec, BudgetFlags, Tolerance, SectionSource } from "./budgets.js";
export type { GateResult, CheckResult, Verdict, NoiseStats } from "./result.js";
export { GateError } from "./errors.js";
export { METRICS, metricByName, type MetricDef } from "./metrics.js";
export { parseQuantity, formatNs, type Quantity, type QuantityKind } from "./units.js";
export { mannWhitneyGreater, type UTest } from "./noise.js";
export { readResults, type ResultsSet, type RunRecord } from "./store.js";
export { junitXml } from "./junit.js";
export { markdownSummary } from "./markdown.js";

export interface GateOptions {
  /** Baseline results folder; replaces the budgets' `baseline.results`. */
  baseline?: string;
  /** Write JUnit XML here (also when the results cannot be read: one errored test case). */
  junit?: string;
  /** Write a Markdown summary here. */
  markdown?: string;
}

/** A report the gate cannot write leaves CI without its verdict: "could not evaluate" (2), not a failed check (1). */
async function writeOutputs(opts: GateOptions, junit: () => string, md: () => string): Promise<void> {
  try {
    if (opts.junit) await writeFileAtomic(opts.junit, junit());
    if (opts.markdown) await writeFileAtomic(opts.markdown, md());
  } catch (e) {
    if (!(e instanceof HynetError)) throw e;
    throw new GateError(e.code, e.message, { file: e.file, hint: e.hint ?? "the verdict was reached but could not be written: give a --junit/--markdown path in a writable folder", cause: e });
  }
}

/**
 * Judge `resultsDir` by `budgets`. Emits the table as `result` events (kind
 * `gate.header`, `gate.check`, `gate.summary`), writes the requested files and
 * returns every check with the exit code (0 pass, 1 a check failed, 2 could not
 * evaluate). Throws a GateError (exit 2) when there is nothing to check or a
 * results folder cannot be read — after writing a JUnit file that says so.
 */
export async function runGate(resultsDir: string, budgets: GateBudgets, opts: GateOptions, sys: Sys): Promise<GateResult> {
  const baselineDir = opts.baseline ?? budgets.baseline.results;
  const stamp = new Date(Number(sys.nowNs() / 1_000_000n)).toISOString();
  if (budgets.budgets.length === 0 && baselineDir === undefined) {
    throw new GateError("GATE_NOTHING_TO_CHECK", "no budgets and no baseline: nothing to check", {
      hint: "give --max/--min budgets, --baseline DIR, or an experiment file with a gate: section (--experiment FILE)",
    });
  }
  let cur: ResultsSet;
  let base: ResultsSet | undefined;
  try {
    cur = await readResults(resultsDir, sys, "results");
    if (baselineDir !== undefined) base = await readResults(baselineDir, sys, "baseline");
    if (cur.runs.length === 0) throw new GateError("GATE_NO_RUNS", "the results database holds no runs", { file: cur.db, hint: "did the series run?" });
    checkSelectorKeys(budgets.where, cur.runs, "gate.where / --where");
    for (const b of budgets.budgets) checkSelectorKeys(b.where, cur.runs, b.source);
  } catch (e) {
    if (e instanceof HynetError) {
      const text = `${e.file ? `${e.file}: ` : ""}${e.message}`;
      await writeOutputs(
        opts,
        () => junitErrorXml(resultsDir, text, stamp),
        () => `## hynet gate: ⚠️ COULD NOT EVALUATE\n\n${text}${e.hint ? ` (hint: ${e.hint})` : ""}\n`,
      );
    }
    throw e;
  }

  const checks = [...checkBudgets(cur, budgets), ...(base ? compareBaseline(cur, base, budgets) : [])];
  const counts = countVerdicts(checks);
  const result: GateResult = { results: resultsDir, baseline: baselineDir, checks, counts, exitCode: exitCodeFor(counts) };

  // The files first: the verdict line is the last word, and it is not printed if they cannot be written.
  await writeOutputs(
    opts,
    () => junitXml(result, stamp),
    () => markdownSummary(result),
  );
  const lines = formatTable(checks);
  sys.emit({ type: "result", scope: "gate", kind: "gate.header", line: lines[0], data: { results: resultsDir, baseline: baselineDir } });
  checks.forEach((c, i) => sys.emit({ type: "result", scope: "gate", kind: "gate.check", line: lines[i + 1], data: c }));
  const summary = Object.entries(counts)
    .filter(([, n]) => n > 0)
    .map(([v, n]) => `${n} ${v}`)
    .join(", ");
  const word = result.exitCode === 0 ? "PASS" : result.exitCode === 1 ? "FAIL" : "COULD NOT EVALUATE";
  sys.emit({
    type: "result",
    scope: "gate",
    kind: "gate.summary",
    line: `gate: ${word}: ${checks.length} checks (${summary || "none"}); exit ${result.exitCode}`,
    data: { counts, exitCode: result.exitCode },
  });
  if (opts.junit) result.junit = opts.junit;
  if (opts.markdown) result.markdown = opts.markdown;
  return result;
}
