/**
 * LSD radix sort over typed arrays: sorts n keys of several 32-bit words
 * (words[0] least significant) ascending, stably, moving any payload arrays
 * along. O(n) per 16-bit digit and no comparator calls: sorting millions of
 * matches by (latency, pre position) this way takes tens of milliseconds,
 * where Array.prototype.sort with a comparator over objects takes seconds.
 * Digits that are equal for every key (e.g. the high bits of latencies) are
 * detected from the histogram and skipped.
 */
export function radixSort(words: Uint32Array[], n: number, payload: Uint32Array[] = []): void {
  if (n < 2) return;
  const cols = [...words, ...payload];
  let cur: Uint32Array[] = cols.map((a) => a.subarray(0, n));
  let tmp: Uint32Array[] = cols.map(() => new Uint32Array(n));
  const count = new Uint32Array(65537);
  const pos = new Uint32Array(n);
  let swapped = false;
  for (let w = 0; w < words.length; w++) {
    for (let shift = 0; shift < 32; shift += 16) {
      const key = cur[w];
      count.fill(0);
      for (let i = 0; i < n; i++) count[((key[i] >>> shift) & 0xffff) + 1]++;
      let constant = false;
      for (let d = 1; d <= 65536; d++) {
        if (count[d] === n) {
          constant = true;
          break;
        }
        if (count[d] !== 0) break;
      }
      if (constant) continue;
      for (let d = 1; d <= 65536; d++) count[d] += count[d - 1];
      // count[d] is now the first output position of digit d.
      for (let i = 0; i < n; i++) pos[i] = count[(key[i] >>> shift) & 0xffff]++;
      for (let c = 0; c < cur.length; c++) {
        const src = cur[c];
        const dst = tmp[c];
        for (let i = 0; i < n; i++) dst[pos[i]] = src[i];
      }
      const t = cur;
      cur = tmp;
      tmp = t;
      swapped = !swapped;
    }
  }
  if (swapped) for (let c = 0; c < cols.length; c++) cols[c].set(cur[c]);
}
