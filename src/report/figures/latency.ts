/**
 * The latency figures of one run: HDR histogram (the paper's
 * hdr-histogram-…), latency histogram, and worst-of timeseries
 * (worstof-timeseries-…). Latencies are stored in ns and shown in µs.
 */
import * as path from "node:path";
import type { Row } from "../csv.js";
import { relSeconds } from "../run-data.js";
import { hdrSpec, HDR_END, hdrEnd, panel } from "./theme.js";
import type { FigureKind } from "./types.js";

const src = (f: string | undefined) => (f ? path.basename(f) : "");

export const hdrHistogram: FigureKind = {
  id: "hdr-histogram",
  build(run) {
    const t = run.percentiles;
    if (!t || t.rows.length === 0) return null;
    const rows = t.rows.map((r) => ({ percentile: r.percentile, value: r.value, onefraconeminuspercentile: r.onefraconeminuspercentile }));
    const maxX = hdrEnd(rows);
    return {
      file: `hdr-histogram-${run.ref.name}`,
      title: "HDR histogram",
      caption: `Latency at each percentile, on a 1/(1−p) axis; from ${src(t.file)}.`,
      columns: ["percentile", "value", "onefraconeminuspercentile"],
      rows,
      signals: { [HDR_END]: Math.max(1e6, maxX) },
      spec: hdrSpec({ strokeWidth: 1.5 }),
    };
  },
};

export const latencyHistogram: FigureKind = {
  id: "latency-histogram",
  build(run) {
    const t = run.hist;
    if (!t || t.rows.length === 0) return null;
    const bucket = t.rows.length > 1 ? Number(t.rows[1].latency_bucket) - Number(t.rows[0].latency_bucket) : 0;
    const m = /bucket_size(\d+)/.exec(t.file);
    const rows = t.rows.map((r) => ({ latency_bucket: r.latency_bucket, count: r.count }));
    return {
      file: `latency-histogram-${run.ref.name}`,
      title: "Latency histogram",
      caption: `Packets per ${m ? `${m[1]} ns` : `${bucket} ns`} latency bucket (log count); from ${src(t.file)}.`,
      columns: ["latency_bucket", "count"],
      rows,
      spec: {
        ...panel,
        transform: [{ calculate: "datum.latency_bucket / 1000", as: "latency_us" }],
        mark: { type: "line", interpolate: "step-after", strokeWidth: 1 },
        encoding: {
          x: { field: "latency_us", type: "quantitative", title: "Latency [µs]", scale: { zero: false } },
          y: { field: "count", type: "quantitative", title: "Packets", scale: { type: "log" }, axis: { format: "~s" } },
        },
      },
    };
  },
};

export const worstOf: FigureKind = {
  id: "worstof-timeseries",
  build(run, o) {
    const t = run.worst;
    if (!t || t.rows.length === 0) return null;
    const rows: Row[] = [];
    const n = Math.min(o.worst, t.rows.length);
    const t0 = run.t0 ?? String(t.rows.reduce((m, r) => (BigInt(r.prets as string) < BigInt(m) ? (r.prets as string) : m), t.rows[0].prets as string));
    for (let i = 0; i < n; i++) {
      const r = t.rows[i];
      rows.push({ latency: r.latency, prets: r.prets, postts: r.postts, id: r.id, srcport: r.srcport, dstport: r.dstport, time_s: relSeconds(r.prets as string, t0) });
    }
    return {
      file: `worstof-timeseries-${run.ref.name}`,
      title: `Worst ${n} latencies over time`,
      caption: `The ${n} highest latencies${n < t.rows.length ? ` (of the ${t.rows.length} in the file)` : ""} at the time the packet entered; from ${src(t.file)}.`,
      columns: ["latency", "prets", "postts", "id", "srcport", "dstport", "time_s"],
      rows,
      spec: {
        ...panel,
        transform: [{ calculate: "datum.latency / 1000", as: "latency_us" }],
        // fill-opacity, not opacity: SVG renderers such as librsvg composite every element with an opacity in its own layer (3× slower).
        mark: { type: "point", filled: true, size: 5, fillOpacity: 0.7, strokeOpacity: 0 },
        encoding: {
          x: { field: "time_s", type: "quantitative", title: "Measurement time [s]" },
          y: { field: "latency_us", type: "quantitative", title: "Latency [µs]", scale: { zero: false } },
        },
      },
    };
  },
};
