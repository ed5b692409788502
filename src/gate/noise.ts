/**
 * Is a difference between two sets of repeated runs more than run-to-run
 * noise? One-sided Mann-Whitney U test with its exact permutation
 * distribution (ties get mid-ranks, and the distribution is that of the
 * observed mid-ranks, so it stays exact with ties). Written here because the
 * samples are tiny (a handful of repeats per side), where the exact
 * distribution is what matters and no npm statistics package offers it with
 * ties; the dynamic program below is exact for any size in practice.
 */

export interface UTest {
  /** U of the "worse" sample: pairs where it is worse, ties counting ½. */
  u: number;
  /** P(U ≥ u) under "both samples come from the same distribution". */
  p: number;
  /** The smallest p these samples can give (1 / C(n+m, m) without ties): above alpha, no outcome is significant. */
  minP: number;
  n: number;
  m: number;
}

/** Mid-ranks (1-based) of the pooled values. */
function midRanks(values: number[]): number[] {
  const idx = values.map((v, i) => [v, i] as const).sort((a, b) => a[0] - b[0]);
  const ranks = new Array<number>(values.length);
  for (let i = 0; i < idx.length; ) {
    let j = i;
    while (j + 1 < idx.length && idx[j + 1][0] === idx[i][0]) j++;
    const r = (i + j + 2) / 2;
    for (let k = i; k <= j; k++) ranks[idx[k][1]] = r;
    i = j + 1;
  }
  return ranks;
}

/**
 * One-sided test that `worse` tends to be larger than `base` (negate both for
 * metrics where smaller is worse). Exact: counts, over all C(n+m, m) ways to
 * pick m of the pooled mid-ranks, those whose sum reaches the observed one.
 */
export function mannWhitneyGreater(base: number[], worse: number[]): UTest {
  const n = base.length;
  const m = worse.length;
  const pooled = [...base, ...worse];
  // Doubled mid-ranks are integers, so sums can index an array.
  const r2 = midRanks(pooled).map((r) => Math.round(2 * r));
  const obs = r2.slice(n).reduce((a, b) => a + b, 0);
  const maxSum = r2.reduce((a, b) => a + b, 0);
  // ways[k][s]: number of k-subsets of the ranks seen so far with doubled sum s.
  let ways: number[][] = Array.from({ length: m + 1 }, () => new Array<number>(maxSum + 1).fill(0));
  ways[0][0] = 1;
  for (const r of r2) {
    const next = ways.map((row) => row.slice());
    for (let k = 0; k < m; k++) {
      const row = ways[k];
      for (let s = 0; s + r <= maxSum; s++) if (row[s]) next[k + 1][s + r] += row[s];
    }
    ways = next;
  }
  const dist = ways[m];
  const total = dist.reduce((a, b) => a + b, 0);
  let tail = 0;
  for (let s = obs; s <= maxSum; s++) tail += dist[s];
  let top = maxSum;
  while (top > 0 && dist[top] === 0) top--;
  const u = obs / 2 - (m * (m + 1)) / 2;
  return { u, p: tail / total, minP: dist[top] / total, n, m };
}

export function median(v: number[]): number {
  const s = [...v].sort((a, b) => a - b);
  const h = s.length >> 1;
  return s.length % 2 ? s[h] : (s[h - 1] + s[h]) / 2;
}
