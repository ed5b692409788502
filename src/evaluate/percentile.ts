/**
 * The discrete percentile of the contract: the smallest latency L in the
 * sorted values such that the fraction of values ≤ L is ≥ p (p = 0 gives the
 * minimum). The fraction is k / n as a double, compared with p as given: so
 * p = 0.05 over 20 values is the 1st (1/20 = 0.05), where `ceil(p · n)` can be
 * off by one in either direction because p · n rounds (0.07 · 100 =
 * 7.000000000000001 would give the 8th of 100).
 */

/** 1-based rank of the discrete p-percentile among n sorted values (1 ≤ rank ≤ n); 0 when n = 0. */
export function percentileRank(p: number, n: number): number {
  if (n === 0) return 0;
  let k = Math.ceil(p * n);
  if (k < 1) k = 1;
  if (k > n) k = n;
  while (k > 1 && (k - 1) / n >= p) k--;
  while (k < n && k / n < p) k++;
  return k;
}
