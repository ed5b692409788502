/** The per-run figures, in the order a run page shows them: one line per kind. */
import { flowCdf, flowHdr } from "./flows.js";
import { interrupts, softirqs } from "./irq.js";
import { hdrHistogram, latencyHistogram, worstOf } from "./latency.js";
import { jitter, packetRate } from "./rates.js";
import type { FigureKind } from "./types.js";

export const runFigures: FigureKind[] = [
  hdrHistogram,
  packetRate,
  worstOf,
  latencyHistogram,
  jitter,
  flowHdr,
  flowCdf,
  interrupts,
  softirqs,
];

export type { Figure, FigureKind, FigureOptions } from "./types.js";
