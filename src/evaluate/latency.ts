/**
 * The latency statistics of a set of matches: what the analysis computes
 * (analysis.ts) and the summary reports (summary.ts). Their own module so
 * that neither of the two imports the other.
 */

/** Latency fields of summary.json, in ns (null without matches). */
export interface LatencySummary {
  count: number;
  min: number | null;
  mean: number | null;
  stddev: number | null;
  p50: number | null;
  p99: number | null;
  p999: number | null;
  p9999: number | null;
  max: number | null;
}

/** The latency fields of the summary, plus the variation measures computed in the same pass. */
export interface LatencyStats extends LatencySummary {
  pdvMean: number | null;
  pdvMax: number | null;
  rfc3550: number | null;
}
