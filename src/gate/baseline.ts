/**
 * Baseline comparison: the results against an earlier results folder,
 * combination by combination (runs with the same loop variables apart from
 * `repeat`). Method (docs/gate.md, "Noise"):
 *
 * 1. worsening = median(results) − median(baseline), signed so that positive is worse;
 *    allowed = max(relative tolerance × |median(baseline)|, absolute tolerance).
 *    worsening ≤ allowed → pass.
 * 2. Otherwise, a one-sided exact Mann-Whitney U test of "the results' runs are
 *    worse than the baseline's" on the per-run values: p ≤ alpha → fail,
 *    else `noise` (within run-to-run noise; passes).
 * 3. When the numbers of runs are too small for any outcome to reach alpha
 *    (2 vs 2 runs: p ≥ 1/6; 1 vs 1: no test at all), the gate fails only if
 *    every run of the results is worse than every baseline run by more than
 *    the allowed amount; overlapping ranges are `noise`.
 */
import type { BaselineSpec, GateBudgets, Tolerance } from "./budgets.js";
import { metricValue } from "./check.js";
import type { MetricDef } from "./metrics.js";
import { mannWhitneyGreater, median } from "./noise.js";
import type { CheckResult, NoiseStats } from "./result.js";
import { matches } from "./selector.js";
import type { ResultsSet, RunRecord } from "./store.js";
import { formatQuantity, formatRatio } from "./units.js";

interface Combination {
  key: string;
  label: string;
  runs: RunRecord[];
}

/** Variables that tell repeated runs apart rather than what was measured. */
const NOT_IDENTITY = new Set(["repeat", "run"]);

function keyOf(r: RunRecord): string {
  const v = Object.keys(r.variables)
    .filter((k) => !NOT_IDENTITY.has(k))
    .sort()
    .map((k) => [k, String(r.variables[k])]);
  return JSON.stringify(v);
}

/** The run name without its repeat (`rate50000-…-repeat2` → `rate50000-…`). */
function labelOf(r: RunRecord): string {
  const l = r.name.replace(/(^|-)repeat\d+(?=-|$)/, "").replace(/^-|-$/g, "");
  return l || r.name;
}

export function combinations(runs: RunRecord[]): Map<string, Combination> {
  const m = new Map<string, Combination>();
  for (const r of runs) {
    const k = keyOf(r);
    let c = m.get(k);
    if (!c) m.set(k, (c = { key: k, label: labelOf(r), runs: [] }));
    c.runs.push(r);
  }
  return m;
}

function toleranceOf(spec: BaselineSpec, m: MetricDef): Tolerance {
  return spec.tolerance[m.name] ?? spec.defaultTolerance;
}

function tolText(t: Tolerance, m: MetricDef): string {
  const rel = t.relative > 0 ? formatRatio(t.relative) : "";
  const abs = t.absolute > 0 ? formatQuantity(t.absolute, m.kind) : "";
  if (rel && abs) return `max(${rel}, ${abs})`;
  return rel || abs || "0";
}

function plural(n: number, w: string): string {
  return `${n} ${w}${n === 1 ? "" : "s"}`;
}

/** Compare one metric of one combination; values are per-run, in the metric's unit. */
export function compareValues(
  x: number[],
  y: number[],
  metric: MetricDef,
  tol: Tolerance,
  alpha: number,
): { verdict: "pass" | "fail" | "noise"; message: string; stats: NoiseStats } {
  const sign = metric.worse === "higher" ? 1 : -1;
  const mx = median(x);
  const my = median(y);
  const worsening = sign * (my - mx);
  const allowed = Math.max(tol.relative * Math.abs(mx), tol.absolute);
  const stats: NoiseStats = { baseline: x, current: y, baselineMedian: mx, currentMedian: my, worsening, allowed };
  const fmt = (v: number) => formatQuantity(v, metric.kind);
  // Past 10×, a factor reads better than a percentage (+1650000%).
  const ratio = mx !== 0 ? Math.abs(worsening / mx) : 0;
  const rel = mx === 0 ? "" : ratio >= 10 && mx > 0 && my > 0 ? ` (×${Number((my / mx).toPrecision(3))})` : ` (${my >= mx ? "+" : "-"}${formatRatio(ratio)})`;
  const runs = `${plural(y.length, "run")} vs ${plural(x.length, "baseline run")}`;
  const diff = `${worsening >= 0 ? "worse" : "better"} by ${fmt(Math.abs(worsening))}${rel}`;
  if (worsening <= allowed) return { verdict: "pass", message: `${diff}, within tolerance ${tolText(tol, metric)}`, stats };
  const t = mannWhitneyGreater(
    x.map((v) => sign * v),
    y.map((v) => sign * v),
  );
  stats.u = t.u;
  stats.p = t.p;
  stats.minP = t.minP;
  if (t.minP <= alpha) {
    const test = `one-sided Mann-Whitney U = ${t.u}, p = ${Number(t.p.toPrecision(3))}, ${runs}`;
    if (t.p <= alpha) return { verdict: "fail", message: `${diff}, beyond tolerance ${tolText(tol, metric)} and beyond run-to-run noise (${test})`, stats };
    return { verdict: "noise", message: `${diff}, beyond tolerance ${tolText(tol, metric)} but within run-to-run noise (${test} > alpha ${alpha})`, stats };
  }
  if (x.length === 1 && y.length === 1) {
    return { verdict: "fail", message: `${diff}, beyond tolerance ${tolText(tol, metric)} (single runs: repeat runs to tell a change from noise)`, stats };
  }
  const worstBase = Math.max(...x.map((v) => sign * v));
  const bestNow = Math.min(...y.map((v) => sign * v));
  const few = `${runs} are too few for the test to reach alpha ${alpha}`;
  if (bestNow - worstBase > allowed) {
    return { verdict: "fail", message: `${diff}: every run is worse than every baseline run by more than ${tolText(tol, metric)} (${few})`, stats };
  }
  return { verdict: "noise", message: `${diff}, beyond tolerance ${tolText(tol, metric)} but the runs overlap the baseline's: within run-to-run noise (${few})`, stats };
}

export function compareBaseline(cur: ResultsSet, base: ResultsSet, gate: GateBudgets): CheckResult[] {
  const spec = gate.baseline;
  const now = combinations(cur.runs.filter((r) => matches(gate.where, r.variables)));
  const old = combinations(base.runs.filter((r) => matches(gate.where, r.variables)));
  const out: CheckResult[] = [];
  const row = (label: string, metric: string, rest: Omit<CheckResult, "suite" | "run" | "metric" | "check">): CheckResult => ({
    suite: "baseline",
    run: label,
    metric,
    check: metric === "-" ? "present in both" : `${metric} vs baseline`,
    ...rest,
  });
  for (const [key, c] of now) {
    const b = old.get(key);
    if (!b) {
      out.push(row(c.label, "-", { value: null, valueText: "-", referenceText: "-", verdict: "new", message: "not in the baseline (a new combination): nothing to compare" }));
      continue;
    }
    const okNow = c.runs.filter((r) => r.status === "ok");
    const okOld = b.runs.filter((r) => r.status === "ok");
    for (const m of spec.compare) {
      const tol = toleranceOf(spec, m);
      if (okNow.length === 0) {
        out.push(row(c.label, m.name, { value: null, valueText: "-", referenceText: "-", verdict: "error", message: `no run of this combination succeeded (${c.runs.map((r) => `${r.name}: ${r.status}`).join(", ")})` }));
        continue;
      }
      const vals = (set: ResultsSet, runs: RunRecord[]) =>
        runs.flatMap((r) => {
          const v = metricValue(set, r, m);
          return "value" in v ? [v.value] : [];
        });
      const y = vals(cur, okNow);
      const x = vals(base, okOld);
      if (y.length === 0) {
        out.push(row(c.label, m.name, { value: null, valueText: "-", referenceText: "-", verdict: "error", message: `no ${m.name} value in the results` }));
        continue;
      }
      if (x.length === 0) {
        out.push(row(c.label, m.name, { value: median(y), valueText: formatQuantity(median(y), m.kind), referenceText: "-", verdict: "skip", message: `the baseline has no ${m.name} value for this combination` }));
        continue;
      }
      const r = compareValues(x, y, m, tol, spec.alpha);
      const many = x.length > 1 || y.length > 1;
      out.push(
        row(c.label, m.name, {
          value: r.stats.currentMedian,
          valueText: `${formatQuantity(r.stats.currentMedian, m.kind)}${many ? ` (median of ${y.length})` : ""}`,
          referenceText: `${formatQuantity(r.stats.baselineMedian, m.kind)}${x.length > 1 ? ` (median of ${x.length})` : ""} ${m.worse === "higher" ? "+" : "-"}${tolText(tol, m)}`,
          verdict: r.verdict,
          message: r.message,
          stats: r.stats,
        }),
      );
    }
  }
  for (const [key, b] of old) {
    if (now.has(key)) continue;
    out.push(
      row(b.label, "-", {
        value: null,
        valueText: "-",
        referenceText: "-",
        verdict: spec.allowMissing ? "skip" : "missing",
        message: `in the baseline but not in the results${spec.allowMissing ? " (allowed)" : " (pass --allow-missing if it was dropped on purpose)"}`,
      }),
    );
  }
  return out;
}
