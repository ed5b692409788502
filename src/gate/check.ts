/**
 * Budget checks: each run against every budget that applies to it. For one
 * metric and bound the last applying budget wins, so a specific `where:`
 * entry listed after a general one replaces it for the runs it selects.
 */
import { UsageError } from "../errors.js";
import type { Budget, GateBudgets } from "./budgets.js";
import type { MetricDef } from "./metrics.js";
import type { CheckResult } from "./result.js";
import { describeSelector, matches, type Selector } from "./selector.js";
import type { ResultsSet, RunRecord } from "./store.js";
import { formatQuantity } from "./units.js";

/** A metric's value for a run, or why there is none. */
export function metricValue(set: ResultsSet, run: RunRecord, metric: MetricDef, ofRequested = false): { value: number } | { why: string } {
  let v: number | null | undefined;
  if (metric.column) v = run.values[metric.column];
  else if (metric.percentile !== undefined) {
    v = set.percentile(run.name, metric.percentile);
    if (v === undefined) return { why: `the percentiles table has no p=${metric.percentile} for this run` };
  }
  if (v === null || v === undefined) return { why: `no ${metric.name} value (no matched packets?)` };
  if (ofRequested) {
    const req = run.values.requested_pps;
    if (req === null || !(req > 0)) return { why: "the run has no requested rate to compare with" };
    return { value: v / req };
  }
  return { value: v };
}

/** A selector naming a variable no run has is a typo, not an empty match: say so. */
export function checkSelectorKeys(sel: Selector | undefined, runs: RunRecord[], source: string): void {
  const known = new Set(runs.flatMap((r) => Object.keys(r.variables)));
  for (const c of sel ?? []) {
    if (!known.has(c.key)) {
      throw new UsageError(`${source}: no run has a variable "${c.key}"`, { hint: `the runs have: ${[...known].sort().join(", ")}` });
    }
  }
}

function limitText(b: Budget): string {
  return `${b.bound === "max" ? "<=" : ">="} ${b.limit.text}`;
}

export function checkBudgets(set: ResultsSet, gate: GateBudgets): CheckResult[] {
  const runs = set.runs.filter((r) => matches(gate.where, r.variables));
  const out: CheckResult[] = [];
  const used = new Set<Budget>();
  for (const run of runs) {
    const applying = new Map<string, Budget>();
    for (const b of gate.budgets) if (matches(b.where, run.variables)) applying.set(`${b.metric.name}/${b.bound}`, b);
    for (const b of applying.values()) {
      used.add(b);
      const base = { suite: "budget" as const, run: run.name, metric: b.metric.name, check: `${b.metric.name} ${limitText(b)}`, referenceText: limitText(b), source: b.source };
      if (run.status !== "ok") {
        out.push({ ...base, value: null, valueText: "-", verdict: "error", message: `run ${run.status || "has no status"}${run.error ? `: ${run.error}` : ""}` });
        continue;
      }
      const got = metricValue(set, run, b.metric, b.limit.ofRequested);
      if ("why" in got) {
        out.push({ ...base, value: null, valueText: "-", verdict: "error", message: got.why });
        continue;
      }
      const v = got.value;
      const ok = b.bound === "max" ? v <= b.limit.value : v >= b.limit.value;
      const valueText = formatQuantity(v, b.metric.kind, b.limit.ofRequested);
      const what = b.limit.ofRequested ? `${b.metric.name} (share of requested)` : b.metric.name;
      out.push({
        ...base,
        value: v,
        valueText,
        verdict: ok ? "pass" : "fail",
        message: ok ? `${what} ${valueText} within ${limitText(b)}` : `${what} ${valueText} ${b.bound === "max" ? "exceeds" : "is below"} ${b.limit.text}`,
      });
    }
  }
  // A budget that applies to no run is reported, so a selector that silently matches nothing is seen.
  for (const b of gate.budgets) {
    if (used.has(b)) continue;
    const shadowed = runs.some((r) => matches(b.where, r.variables));
    if (shadowed) continue;
    out.push({
      suite: "budget",
      run: "(no run)",
      metric: b.metric.name,
      check: `${b.metric.name} ${limitText(b)} where ${describeSelector(b.where)}`,
      value: null,
      valueText: "-",
      referenceText: limitText(b),
      verdict: "skip",
      message: `no run matches ${describeSelector(b.where)} (${b.source})`,
      source: b.source,
    });
  }
  return out;
}
