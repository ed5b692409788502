/**
 * Rates over measurement time and inter-arrival gaps: packet rate pre vs
 * post (the paper's Figure 4 panels) and the jitter histograms of both sides.
 */
import * as path from "node:path";
import type { Row } from "../csv.js";
import { relSeconds } from "../run-data.js";
import { config, HEIGHT, WIDTH, panel, data } from "./theme.js";
import type { FigureKind } from "./types.js";

export const packetRate: FigureKind = {
  id: "packetrate",
  build(run) {
    if (!run.ratePre && !run.ratePost) return null;
    const t0 = run.t0 ?? String(run.ratePost?.rows[0]?.ts ?? "0");
    const rows: Row[] = [];
    for (const [side, t] of [["pre", run.ratePre], ["post", run.ratePost]] as const) {
      for (const r of t?.rows ?? []) rows.push({ side, ts: r.ts, count: r.count, time_s: relSeconds(r.ts as string, t0) });
    }
    if (rows.length === 0) return null;
    const files = [run.files?.packetratepre, run.files?.packetratepost].filter(Boolean).map((f) => path.basename(f!));
    return {
      file: `packetrate-${run.ref.name}`,
      title: "Packet rate, pre vs post",
      caption: `Packets per 1-s bucket before (pre) and after (post) the network under test; from ${files.join(" and ")}.`,
      columns: ["side", "ts", "count", "time_s"],
      rows,
      spec: {
        ...panel,
        mark: { type: "line", strokeWidth: 1.5, point: { size: 10 } },
        encoding: {
          x: { field: "time_s", type: "quantitative", title: "Measurement time [s]" },
          y: { field: "count", type: "quantitative", title: "Packet rate [packets/s]", axis: { format: "~s" } },
          color: { field: "side", type: "nominal", title: null, scale: { domain: ["pre", "post"], range: ["#4c78a8", "#e45756"] } },
          strokeDash: { field: "side", type: "nominal", title: null, scale: { domain: ["pre", "post"], range: [[1, 0], [4, 2]] } },
        },
      },
    };
  },
};

export const jitter: FigureKind = {
  id: "jitter-histogram",
  build(run) {
    if (!run.jitterPre && !run.jitterPost) return null;
    const rows: Row[] = [];
    for (const [side, t] of [["pre", run.jitterPre], ["post", run.jitterPost]] as const) {
      for (const r of t?.rows ?? []) rows.push({ side, bucket: r.bucket, count: r.count });
    }
    if (rows.length === 0) return null;
    const files = [run.files?.jitterpre, run.files?.jitterpost].filter(Boolean).map((f) => path.basename(f!));
    return {
      file: `jitter-histogram-${run.ref.name}`,
      title: "Inter-arrival times, pre and post",
      caption: `Gaps between consecutive packets on each side, bucketed (log count); from ${files.join(" and ")}.`,
      columns: ["side", "bucket", "count"],
      rows,
      spec: {
        config, data,
        facet: { row: { field: "side", type: "nominal", title: null, sort: ["pre", "post"] } },
        spec: {
          width: WIDTH, height: Math.round(HEIGHT * 0.55),
          transform: [{ calculate: "datum.bucket / 1000", as: "gap_us" }],
          mark: { type: "line", interpolate: "step-after", strokeWidth: 1 },
          encoding: {
            x: { field: "gap_us", type: "quantitative", title: "Inter-arrival time [µs]" },
            y: { field: "count", type: "quantitative", title: "Packets", scale: { type: "log" }, axis: { format: "~s" } },
            color: { field: "side", type: "nominal", legend: null, scale: { domain: ["pre", "post"], range: ["#4c78a8", "#e45756"] } },
          },
        },
      },
    };
  },
};
