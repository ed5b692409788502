/**
 * A figure is data, not drawing: a vega-lite spec that reads the named data
 * source "table", the rows bound to it, and the columns of the CSV written
 * next to the figure (those same rows). Rendering is src/report/render.
 */
import type { TopLevelSpec } from "vega-lite";
import type { Row } from "../csv.js";
import type { RunData } from "../run-data.js";

export interface Figure {
  /** File name without extension, e.g. "hdr-histogram-rate50000-linkveth-nodenamespace-burst1". */
  file: string;
  title: string;
  /** One or two sentences under the figure: what is plotted and from which file. */
  caption: string;
  spec: TopLevelSpec;
  rows: Row[];
  columns: string[];
  /** Values of the spec's params (signals) for this figure's data, e.g. where an axis ends. */
  signals?: Record<string, number>;
}

export interface FigureOptions {
  /** How many of the worst latencies the worst-of timeseries shows (the evaluator keeps num_worst). */
  worst: number;
}

/** One per-run figure kind; registered in figures/index.ts. Returns null when its input files are missing. */
export interface FigureKind {
  id: string;
  build(run: RunData, o: FigureOptions): Figure | null;
}
