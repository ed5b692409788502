/**
 * Departure gaps: how evenly the test frames left, judged on the wire (the
 * pre capture's timestamps), not by the sender's own clock. A sender that is
 * descheduled for 50 ms keeps its mean rate by catching up afterwards, so
 * the mean rate hides it; the gap distribution and the count of late gaps
 * show it. Definitions (docs/evaluate.md "Departure gaps"):
 *
 * - every pre record is a departure (duplicates too: each left the sender);
 *   departures are taken in time order, the gap is the time between two
 *   consecutive ones (0 for equal timestamps). With bursts most gaps are the
 *   back-to-back spacing inside a burst and 1 in `burst` is the pause
 *   between bursts;
 * - the period is the mean gap, (last − first) / (departures − 1): 1 / rate
 *   for any burst size when the run kept its rate;
 * - a gap is late when it is longer than LATE_FACTOR periods;
 * - p1, p50, p99 are the contract's discrete percentiles (percentile.ts).
 */
import { percentileRank } from "./percentile.js";

/** A gap longer than this many mean periods is late. */
export const LATE_FACTOR = 10;

export interface DepartureGaps {
  /** Gaps measured: departures − 1 (0 with fewer than two). */
  count: number;
  /** Mean gap in ns, what late gaps are judged against; null below two departures. */
  period_ns: number | null;
  p1_ns: number | null;
  p50_ns: number | null;
  p99_ns: number | null;
  max_ns: number | null;
  /** Gaps longer than LATE_FACTOR × period_ns. */
  late_gaps: number;
}

function isAscending(ts: Float64Array): boolean {
  for (let i = 1; i < ts.length; i++) if (ts[i] < ts[i - 1]) return false;
  return true;
}

/** The departure gaps of the pre records' timestamps (ns, any origin, capture order). */
export function departureGaps(ts: Float64Array): DepartureGaps {
  const n = ts.length;
  if (n < 2) return { count: 0, period_ns: null, p1_ns: null, p50_ns: null, p99_ns: null, max_ns: null, late_gaps: 0 };
  // A capture is in time order but for rare kernel reorderings between CPUs: sort only then.
  const t = isAscending(ts) ? ts : Float64Array.from(ts).sort();
  const g = new Float64Array(n - 1);
  for (let i = 1; i < n; i++) g[i - 1] = t[i] - t[i - 1];
  const period = (t[n - 1] - t[0]) / (n - 1);
  const limit = LATE_FACTOR * period;
  let late = 0;
  for (let i = 0; i < g.length; i++) if (g[i] > limit) late++;
  g.sort();
  const at = (p: number) => g[percentileRank(p, g.length) - 1];
  return { count: g.length, period_ns: period, p1_ns: at(0.01), p50_ns: at(0.5), p99_ns: at(0.99), max_ns: g[g.length - 1], late_gaps: late };
}
