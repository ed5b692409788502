import { describe, expect, it } from "vitest";
import { mannWhitneyGreater, median } from "../../src/gate/noise.js";
import { compareValues } from "../../src/gate/baseline.js";
import { metricByName } from "../../src/gate/metrics.js";

describe("exact one-sided Mann-Whitney U", () => {
  it("complete separation of 3 vs 3 runs gives p = 1/C(6,3) = 0.05", () => {
    const t = mannWhitneyGreater([10, 11, 12], [20, 21, 22]);
    expect(t.u).toBe(9);
    expect(t.p).toBeCloseTo(1 / 20, 15);
    expect(t.minP).toBeCloseTo(1 / 20, 15);
  });
  it("interleaved samples: U = 6, P(U >= 6) = 7/20", () => {
    // U distribution for 3 vs 3, U = 0..9: 1,1,2,3,3,3,3,2,1,1 (of 20).
    const t = mannWhitneyGreater([10, 20, 30], [15, 25, 35]);
    expect(t.u).toBe(6);
    expect(t.p).toBeCloseTo(7 / 20, 15);
  });
  it("is exact with ties (mid-ranks)", () => {
    // Pooled 1,2,2,3 → ranks 1,2.5,2.5,4; y = {2,3} has rank sum 6.5 → U = 3.5.
    // 2-subsets' sums: 3.5,3.5,5,5,6.5,6.5 → P(sum ≥ 6.5) = 2/6, also the smallest p possible.
    const t = mannWhitneyGreater([1, 2], [2, 3]);
    expect(t.u).toBe(3.5);
    expect(t.p).toBeCloseTo(1 / 3, 15);
    expect(t.minP).toBeCloseTo(1 / 3, 15);
  });
  it("a sample no worse than the baseline gets p = 1", () => {
    expect(mannWhitneyGreater([20, 21, 22], [10, 11, 12]).p).toBe(1);
  });
  it("medians", () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
  });
});

describe("compareValues", () => {
  const p9999 = metricByName("p99.99", { what: "t" });
  const rate = metricByName("rate", { what: "t" });
  const tol = { relative: 0.1, absolute: 0 };
  it("passes within tolerance: median 40us → 43us is +7.5% < 10%", () => {
    const r = compareValues([40000], [43000], p9999, tol, 0.05);
    expect(r.verdict).toBe("pass");
    expect(r.stats.worsening).toBe(3000);
    expect(r.stats.allowed).toBe(4000);
  });
  it("an absolute tolerance widens the allowance: max(10% of 4us, 1us) = 1us", () => {
    expect(compareValues([4000], [4900], p9999, { relative: 0.1, absolute: 1000 }, 0.05).verdict).toBe("pass");
    expect(compareValues([4000], [5100], p9999, { relative: 0.1, absolute: 1000 }, 0.05).verdict).toBe("fail");
  });
  it("single runs beyond tolerance fail", () => {
    const r = compareValues([40000], [50000], p9999, tol, 0.05);
    expect(r.verdict).toBe("fail");
    expect(r.message).toMatch(/single runs/);
  });
  it("3 vs 3 runs: separated → fail (p = 0.05); interleaved → noise", () => {
    expect(compareValues([40000, 41000, 42000], [60000, 61000, 62000], p9999, tol, 0.05).verdict).toBe("fail");
    const noisy = compareValues([30000, 40000, 50000], [45000, 55000, 65000], p9999, tol, 0.05);
    // Medians 40us → 55us: +37.5% > 10%, but U = 2+3+3 = 8, p = P(U ≥ 8) = 2/20 = 0.1.
    expect(noisy.verdict).toBe("noise");
    expect(noisy.stats.u).toBe(8);
    expect(noisy.stats.p).toBeCloseTo(0.1, 15);
    expect(noisy.message).toMatch(/within run-to-run noise/);
  });
  it("2 vs 2 runs cannot reach alpha: fail only if every run is worse than every baseline run by more than allowed", () => {
    expect(compareValues([40000, 41000], [60000, 61000], p9999, tol, 0.05).verdict).toBe("fail");
    // Worst baseline 50us, best current 52us: +2us < allowed 10% of median 45us = 4.5us.
    expect(compareValues([40000, 50000], [52000, 70000], p9999, tol, 0.05).verdict).toBe("noise");
  });
  it("for rate, lower is worse", () => {
    expect(compareValues([500000], [400000], rate, tol, 0.05).verdict).toBe("fail");
    expect(compareValues([500000], [600000], rate, tol, 0.05).verdict).toBe("pass");
  });
});
