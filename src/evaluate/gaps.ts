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

/** Gaps below 2^24 ns (16.8 ms) are counted exactly (65 536 buckets of 256 ns, then the value inside one); longer ones are few and sorted. */
const FINE = 2 ** 24;

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

const BUCKETS = FINE / 256;

/** Gap i, whole ns: timestamps are whole ns, rounding only removes float noise. */
function gap(t: Float64Array, i: number): number {
  return Math.round(t[i + 1] - t[i]);
}

function longGaps(t: Float64Array): Float64Array {
  const out: number[] = [];
  for (let i = 0; i + 1 < t.length; i++) if (gap(t, i) >= FINE) out.push(gap(t, i));
  return Float64Array.from(out).sort();
}

/**
 * The values of ranks `ks` (1-based, ascending order of the values) among the whole non-negative
 * gaps of `t`, given `coarse`, their counts per 256 ns bucket (index BUCKETS: FINE and more): find each
 * rank's bucket, then count the values inside those buckets in one more pass. Nothing is stored or
 * moved: sorting millions of gaps (even by radix) took several times longer, and an array of them
 * costs its first-touch page faults.
 */
function ranks(t: Float64Array, coarse: Uint32Array, ks: [number, number, number]): number[] {
  const where = ks.map((k) => {
    let b = 0;
    while (k > coarse[b]) k -= coarse[b++];
    return { b, k };
  });
  // One count array per rank (ranks in the same bucket count the same values twice): a Map lookup per gap was far slower.
  const [b0, b1, b2] = where.map((w) => w.b);
  const fine = where.map(() => new Uint32Array(256));
  const [f0, f1, f2] = fine;
  const m = t.length - 1;
  for (let i = 0; i < m; i++) {
    const x = gap(t, i);
    if (x >= FINE) continue;
    const b = x >>> 8;
    if (b === b0) f0[x & 255]++;
    if (b === b1) f1[x & 255]++;
    if (b === b2) f2[x & 255]++;
  }
  let long: Float64Array | undefined;
  return where.map(({ b, k }, i) => {
    if (b === BUCKETS) return (long ??= longGaps(t))[k - 1];
    const f = fine[i];
    let v = 0;
    while (k > f[v]) k -= f[v++];
    return b * 256 + v;
  });
}

/** The departure gaps of the pre records' timestamps (ns, any origin, capture order). */
export function departureGaps(ts: Float64Array): DepartureGaps {
  const n = ts.length;
  if (n < 2) return { count: 0, period_ns: null, p1_ns: null, p50_ns: null, p99_ns: null, max_ns: null, late_gaps: 0 };
  // A capture is in time order but for rare kernel reorderings between CPUs: sort only then.
  const t = isAscending(ts) ? ts : Float64Array.from(ts).sort();
  const m = n - 1;
  const limit = LATE_FACTOR * ((t[n - 1] - t[0]) / m);
  const coarse = new Uint32Array(BUCKETS + 1);
  let late = 0;
  let max = 0;
  for (let i = 0; i < m; i++) {
    const x = gap(t, i);
    coarse[x < FINE ? x >>> 8 : BUCKETS]++;
    if (x > limit) late++;
    if (x > max) max = x;
  }
  const [p1, p50, p99] = ranks(t, coarse, [percentileRank(0.01, m), percentileRank(0.5, m), percentileRank(0.99, m)]);
  return { count: m, period_ns: (t[n - 1] - t[0]) / m, p1_ns: p1, p50_ns: p50, p99_ns: p99, max_ns: max, late_gaps: late };
}
