/**
 * Per-flow latency distributions (the seed's generate_flow_graphs.py): an HDR
 * plot and a CDF with one line per flow, from B.latency-flows.csv (every
 * match; see run-data.ts for how flows are told apart).
 */
import * as path from "node:path";
import type { Row } from "../csv.js";
import type { RunData } from "../run-data.js";
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

/** Constant for every run (so one compiled view serves them all); more than 10 flows get no legend, as 10 colours are all there are. */
function legend(run: RunData) {
  return run.flowLatencies!.flows.size > 10 ? null : { title: null, columns: 3, labelFontSize: 8 };
}

export const flowHdr: FigureKind = {
  id: "flow-hdr",
  build(run) {
    const fl = run.flowLatencies;
    if (!fl || fl.flows.size === 0) return null;
    const ps = percentileList(run);
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
    const maxX = Math.max(...rows.map((r) => Number(r.onefraconeminuspercentile)));
    return {
      file: `flow-hdr-${run.ref.name}`,
      title: "HDR histogram per flow",
      caption: `Latency at each percentile for each of the ${fl.flows.size} flows (all matches, untrimmed); from ${path.basename(fl.file)}.`,
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
    const fl = run.flowLatencies;
    if (!fl || fl.flows.size === 0) return null;
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
    return {
      file: `flow-cdf-${run.ref.name}`,
      title: "Latency CDF per flow",
      caption: `Fraction of each flow's packets with at most the given latency (${CDF_POINTS} points per flow); from ${path.basename(fl.file)}.`,
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
