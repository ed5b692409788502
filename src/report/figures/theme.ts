/**
 * The look shared by all figures: sized for a paper column (about 3.5 in;
 * one SVG pixel is one PDF point), fonts readable at that size, white
 * background so PNGs work on dark pages and slides.
 */
import type { Config } from "vega-lite";
import { DATA_NAME, FONT_FAMILY } from "../render/names.js";

export const WIDTH = 190;
export const HEIGHT = 120;

/** The source every figure's spec reads its rows from (the renderer binds them to it). */
export const data = { name: DATA_NAME };

export const config: Config = {
  font: FONT_FAMILY,
  background: "white",
  padding: 4,
  view: { stroke: "#999" },
  axis: { labelFontSize: 9, titleFontSize: 10, titleFontWeight: "normal", gridColor: "#e6e6e6", tickColor: "#999", domainColor: "#999", labelColor: "#222", titleColor: "#222" },
  legend: { labelFontSize: 9, titleFontSize: 9, titleFontWeight: "normal", symbolSize: 40, orient: "top", direction: "horizontal", columns: 4 },
  header: { labelFontSize: 9, titleFontSize: 9 },
  range: { category: { scheme: "tableau10" } },
};

/** Size, theme and data source of a per-run panel. */
export const panel = { width: WIDTH, height: HEIGHT, config, data };

/** Ticks of the HDR percentile axis: 1/(1-p) and their labels in percent. */
export const HDR_TICKS: [number, string][] = [
  [1, "0"], [2, "50"], [10, "90"], [100, "99"], [1e3, "99.9"], [1e4, "99.99"], [1e5, "99.999"], [1e6, "99.9999"],
  [1e7, "99.99999"], [1e8, "99.999999"], [1e9, "99.9999999"],
];

/** HDR plots span many decades: a little wider than the others so the percentile labels do not collide. */
export const HDR_WIDTH = 230;

/**
 * Where an HDR line stops saying anything: past the first percentile that
 * reaches the maximum, every point repeats it. Rounded up to a decade so the
 * axis ends on a tick.
 */
export function hdrEnd(rows: readonly { value: unknown; onefraconeminuspercentile: unknown }[]): number {
  if (rows.length === 0) return 1;
  const last = Number(rows[rows.length - 1].value);
  const first = rows.find((r) => Number(r.value) === last) ?? rows[rows.length - 1];
  const x = Number(first.onefraconeminuspercentile);
  const maxX = Math.max(...rows.map((r) => Number(r.onefraconeminuspercentile)));
  return Math.min(maxX, 10 ** Math.ceil(Math.log10(Math.max(1, x)) - 1e-9));
}

/** The signal holding the HDR axis' end: a value, not part of the spec, so one compiled view serves every run. */
export const HDR_END = "hdr_end";
export const hdrParams = (end: number) => [{ name: HDR_END, value: Math.max(1e6, end) }];

/** An x axis over 1/(1-p), log scale, labelled in percentiles as HdrHistogram plots are; it ends at the HDR_END signal. */
export function hdrAxis() {
  const labels = Object.fromEntries(HDR_TICKS.map(([v, l]) => [String(v), l]));
  return {
    field: "onefraconeminuspercentile",
    type: "quantitative" as const,
    title: "Percentile [%]",
    scale: { type: "log" as const, domain: [1, { expr: HDR_END }], nice: false },
    axis: { values: HDR_TICKS.map(([v]) => v), labelExpr: `${JSON.stringify(labels)}[''+datum.value] || ''`, labelAngle: -45, labelAlign: "right" as const, labelBaseline: "top" as const, labelOverlap: false },
  };
}

/**
 * The HDR plot every HDR figure shares (per run, per flow, overlay): latency
 * in µs as a step line over hdrAxis(). Callers add a colour field, a log y
 * scale or their own config.
 */
export function hdrSpec(o: { strokeWidth: number; yScale?: { type: "log" }; color?: Record<string, unknown>; config?: typeof config }) {
  return {
    params: hdrParams(1e6),
    width: HDR_WIDTH, height: HEIGHT, config: o.config ?? config, data,
    transform: [{ calculate: "datum.value / 1000", as: "latency_us" }],
    mark: { type: "line" as const, interpolate: "step-after" as const, strokeWidth: o.strokeWidth, clip: true },
    encoding: {
      x: hdrAxis(),
      y: { field: "latency_us", type: "quantitative" as const, title: "Latency [µs]", ...(o.yScale ? { scale: o.yScale } : {}) },
      ...(o.color ? { color: o.color } : {}),
    },
  };
}
