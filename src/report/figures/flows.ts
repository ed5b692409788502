/**
 * Per-flow latency distributions (the seed's generate_flow_graphs.py): an HDR
 * plot and a CDF with one line per flow. From B.trim_ms{t}.flows-percentiles.csv,
 * flows labelled by the evaluator's flow key; eval folders older than that file
 * fall back to B.latency-flows.csv (every match) with flows inferred from the
 * packet ids (run-data.ts), and the captions say so.
 */
import * as path from "node:path";
import type { Row } from "../csv.js";
import type { FlowLatencies, RunData } from "../run-data.js";
import type { FlowPercentiles } from "../flow-percentiles.js";
import { hdrSpec, HDR_END, panel } from "./theme.js";
import type { FigureKind } from "./types.js";

const DEFAULT_PERCENTILES = [0, 0.5, 0.9, 0.99, 0.999, 0.9999, 0.99999, 0.999999];
/** Points per flow on the CDF: enough for a smooth line at column width, few enough to keep figures small. */
export const CDF_POINTS = 200;

/** Discrete percentile as spec/evaluation.md defines it: the smallest L with fraction(≤ L) ≥ p; p = 0 gives the minimum. */
export function discretePercentile(sorted: Float64Array, p: number): number {
  const n = sorted.length;
  if (p <= 0) return sorted[0];
  // The tolerance keeps p·n that should be an integer (0.7 · 10 = 7.000000000000001) from rounding up.
  const idx = Math.min(n - 1, Math.max(0, Math.ceil(p * n - 1e-9) - 1));
  return sorted[idx];
}

function percentileList(run: RunData): number[] {
  const t = run.percentiles;
  return t && t.rows.length ? t.rows.map((r) => Number(r.percentile)) : DEFAULT_PERCENTILES;
}

function flowCount(run: RunData): number {
  return (run.flowPercentiles ?? run.flowLatencies)?.flows.size ?? 0;
}

/** Constant for every run (so one compiled view serves them all); more than 10 flows get no legend, as 10 colours are all there are. */
function legend(run: RunData) {
  return flowCount(run) > 10 ? null : { title: null, columns: 3, labelFontSize: 8 };
}

/** Where the flows came from, for the captions. */
function source(run: RunData): string {
  const fp = run.flowPercentiles;
  if (fp) return `trimmed matches, flows by the evaluator's key ${fp.key.join(",")}; from ${path.basename(fp.file)}`;
  return `all matches, untrimmed; flows inferred from packet ids, as this eval folder has no flows-percentiles.csv; from ${path.basename(run.flowLatencies!.file)}`;
}

/** HDR rows from the evaluator's per-flow ladders. */
function ladderHdrRows(fp: FlowPercentiles): Row[] {
  const rows: Row[] = [];
  for (const [flow, l] of fp.flows) {
    l.percentile.forEach((p, i) => rows.push({ flow, percentile: p, value: l.latency[i], onefraconeminuspercentile: 1 / (1 - p) }));
  }
  return rows;
}

/** HDR rows from every latency of each flow, at the run's percentile levels. */
function sortedHdrRows(fl: FlowLatencies, ps: number[]): Row[] {
  const rows: Row[] = [];
  for (const [flow, a] of fl.flows) {
    if (a.length === 0) continue;
    // Past 1/(1-p) = n every percentile is the maximum: one point there ends the line, more would only repeat it.
    for (const p of ps) {
      const x = 1 / (1 - p);
      rows.push({ flow, percentile: p, value: discretePercentile(a, p), onefraconeminuspercentile: x });
      if (x >= a.length) break;
    }
  }
  return rows;
}

/**
 * CDF rows from the ladders: at level p, a fraction p of the flow's packets is at most the
 * latency (the definition of the discrete percentile); the last point, the maximum, is all of them.
 */
function ladderCdfRows(fp: FlowPercentiles): Row[] {
  const rows: Row[] = [];
  for (const [flow, l] of fp.flows) {
    l.percentile.forEach((p, i) => rows.push({ flow, latency: l.latency[i], fraction: p }));
    rows.push({ flow, latency: l.latency[l.latency.length - 1], fraction: 1 });
  }
  return rows;
}

function sortedCdfRows(fl: FlowLatencies): Row[] {
  const rows: Row[] = [];
  for (const [flow, a] of fl.flows) {
    const n = a.length;
    if (n === 0) continue;
    const k = Math.min(CDF_POINTS, n);
    let last = -1;
    for (let j = 0; j <= k; j++) {
      const idx = j === 0 ? 0 : Math.ceil((j / k) * n) - 1;
      if (idx === last) continue;
      last = idx;
      rows.push({ flow, latency: a[idx], fraction: (idx + 1) / n });
    }
  }
  return rows;
}

export const flowHdr: FigureKind = {
  id: "flow-hdr",
  build(run) {
    if (flowCount(run) === 0) return null;
    const rows = run.flowPercentiles ? ladderHdrRows(run.flowPercentiles) : sortedHdrRows(run.flowLatencies!, percentileList(run));
    const maxX = Math.max(...rows.map((r) => Number(r.onefraconeminuspercentile)));
    return {
      file: `flow-hdr-${run.ref.name}`,
      title: "HDR histogram per flow",
      caption: `Latency at each percentile for each of the ${flowCount(run)} flows (${source(run)}).`,
      columns: ["flow", "percentile", "value", "onefraconeminuspercentile"],
      rows,
      signals: { [HDR_END]: Math.max(1e6, maxX) },
      spec: hdrSpec({ strokeWidth: 1, color: { field: "flow", type: "nominal", legend: legend(run) } }),
    };
  },
};

export const flowCdf: FigureKind = {
  id: "flow-cdf",
  build(run) {
    if (flowCount(run) === 0) return null;
    const fp = run.flowPercentiles;
    const rows = fp ? ladderCdfRows(fp) : sortedCdfRows(run.flowLatencies!);
    return {
      file: `flow-cdf-${run.ref.name}`,
      title: "Latency CDF per flow",
      caption: `Fraction of each flow's packets with at most the given latency (${fp ? "at the evaluator's percentile levels" : `${CDF_POINTS} points per flow`}; ${source(run)}).`,
      columns: ["flow", "latency", "fraction"],
      rows,
      spec: {
        ...panel,
        transform: [{ calculate: "datum.latency / 1000", as: "latency_us" }],
        mark: { type: "line", interpolate: "step-after", strokeWidth: 1 },
        encoding: {
          x: { field: "latency_us", type: "quantitative", title: "Latency [µs]", scale: { zero: false } },
          y: { field: "fraction", type: "quantitative", title: "Cumulative fraction", scale: { domain: [0, 1] } },
          color: { field: "flow", type: "nominal", legend: legend(run) },
        },
      },
    };
  },
};
