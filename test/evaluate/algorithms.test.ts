/** The discrete percentile and the radix sort on their own. */
import { describe, expect, it } from "vitest";
import { percentileRank } from "../../src/evaluate/percentile.js";
import { radixSort } from "../../src/evaluate/sort.js";
import { mulberry32 } from "../../src/traffic/synth.js";

describe("percentileRank (smallest k with k/n ≥ p)", () => {
  it("p = 0 gives the minimum, p = 1 the maximum", () => {
    expect(percentileRank(0, 10)).toBe(1);
    expect(percentileRank(1, 10)).toBe(10);
    expect(percentileRank(0.5, 0)).toBe(0);
  });
  it("p exactly at a step takes that step; just above takes the next", () => {
    expect(percentileRank(0.5, 4)).toBe(2); // even count: the lower middle
    expect(percentileRank(0.25, 4)).toBe(1);
    expect(percentileRank(0.2500001, 4)).toBe(2);
    expect(percentileRank(0.75, 4)).toBe(3);
  });
  it("compares the fraction k/n with p, not ceil(p · n), which rounds across integers", () => {
    // 0.07 · 100 is 7.000000000000001 in doubles: ceil(p · n) would give the 8th; 7/100 ≥ 0.07 gives the 7th.
    expect(percentileRank(0.07, 100)).toBe(7);
    // 0.29 · 100 = 28.999999999999996: ceil gives the 29th, which is right (28/100 < 0.29 ≤ 29/100).
    expect(percentileRank(0.29, 100)).toBe(29);
    // 0.57 · 100 = 56.99999999999999: ceil gives the 57th, right; 0.58 · 100 = 57.99999999999999 → the 58th.
    expect(percentileRank(0.57, 100)).toBe(57);
    expect(percentileRank(0.58, 100)).toBe(58);
    expect(percentileRank(0.05, 20)).toBe(1);
    expect(percentileRank(0.7, 10)).toBe(7);
    // levels of percentiles.txt that sit just beside a step
    expect(percentileRank(0.37500000000000006, 8)).toBe(4); // 3/8 = 0.375 < p
    expect(percentileRank(0.7499999999999999, 4)).toBe(3); // 3/4 ≥ p
  });
});

describe("radixSort", () => {
  it("sorts 64-bit keys (two words) stably with payload, like a comparator sort", () => {
    const rnd = mulberry32(7);
    const n = 5000;
    const lo = new Uint32Array(n);
    const hi = new Uint32Array(n);
    const pay = new Uint32Array(n);
    for (let i = 0; i < n; i++) {
      hi[i] = Math.floor(rnd() * 4) * 65537; // few distinct high words: ties and skipped digits
      lo[i] = Math.floor(rnd() * 2 ** 32) >>> (i % 3 === 0 ? 20 : 0);
      pay[i] = i;
    }
    const ref = Array.from({ length: n }, (_, i) => i).sort((a, b) => hi[a] - hi[b] || lo[a] - lo[b] || a - b);
    radixSort([lo, hi], n, [pay]);
    expect(Array.from(pay)).toEqual(ref);
    for (let i = 1; i < n; i++) expect(hi[i] > hi[i - 1] || (hi[i] === hi[i - 1] && lo[i] >= lo[i - 1])).toBe(true);
  });
});
