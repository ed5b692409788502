import { describe, expect, it } from "vitest";
import { formatNs, parseQuantity } from "../../src/gate/units.js";
import { metricByName } from "../../src/gate/metrics.js";
import { UsageError } from "../../src/errors.js";

const o = { what: "--max x" };

describe("parseQuantity", () => {
  it("converts latencies to nanoseconds", () => {
    expect(parseQuantity("12us", "latency", o).value).toBe(12000);
    expect(parseQuantity("12µs", "latency", o).value).toBe(12000);
    expect(parseQuantity("0.5ms", "latency", o).value).toBe(500000);
    expect(parseQuantity("800ns", "latency", o).value).toBe(800);
    expect(parseQuantity("1s", "latency", o).value).toBe(1e9);
    expect(parseQuantity("1.5e1us", "latency", o).value).toBe(15000);
    expect(parseQuantity(" 50 us ", "latency", o).value).toBe(50000);
  });
  it("converts percentages and fractions to ratios, exactly", () => {
    expect(parseQuantity("1%", "ratio", o).value).toBe(0.01);
    expect(parseQuantity("0.1%", "ratio", o).value).toBe(0.001);
    expect(parseQuantity("0.001", "ratio", o).value).toBe(0.001);
    expect(parseQuantity(0.25, "ratio", o).value).toBe(0.25);
  });
  it("reads rates in pps, with k/M prefixes, or as a share of the requested rate", () => {
    expect(parseQuantity("500000", "rate", o)).toEqual({ value: 500000, text: "500000" });
    expect(parseQuantity("500k", "rate", o).value).toBe(500000);
    expect(parseQuantity("0.5Mpps", "rate", o).value).toBe(500000);
    expect(parseQuantity("99%", "rate", o)).toEqual({ value: 0.99, ofRequested: true, text: "99%" });
  });
  it("rejects a latency without a unit, unknown units and non-numbers with one clear message", () => {
    expect(() => parseQuantity("50", "latency", o)).toThrow(/--max x: "50" has no unit/);
    expect(() => parseQuantity("12xs", "latency", o)).toThrow(/unknown latency unit "xs" in "12xs"/);
    expect(() => parseQuantity("fast", "latency", o)).toThrow(/"fast" is not a number with a unit/);
    expect(() => parseQuantity("-5us", "latency", o)).toThrow(UsageError);
    expect(() => parseQuantity("1ms", "ratio", o)).toThrow(/unknown unit "ms" for a ratio/);
    expect(() => parseQuantity("5us", "rate", o)).toThrow(/unknown rate unit "us"/);
    // The error carries where the quantity came from, and a hint with an example.
    expect(() => parseQuantity("12xs", "latency", { what: "gate.max.p99", file: "exp.yaml", line: 7 })).toThrow(
      expect.objectContaining({
        name: "UsageError",
        code: "USAGE",
        message: 'gate.max.p99: unknown latency unit "xs" in "12xs"',
        file: "exp.yaml",
        line: 7,
        hint: "write a latency with a unit: 800ns, 12us, 0.5ms, 1s",
      }),
    );
  });
  it("reads counts as whole numbers without a unit", () => {
    expect(parseQuantity("0", "count", o)).toEqual({ value: 0, text: "0" });
    expect(parseQuantity(12, "count", o)).toEqual({ value: 12, text: "12" });
    expect(() => parseQuantity("3ms", "count", o)).toThrow('--max x: a count has no unit, got "3ms"');
    expect(() => parseQuantity("1.5", "count", o)).toThrow('--max x: "1.5" is not a whole number');
  });
  it("formats latencies in the largest readable unit", () => {
    expect(formatNs(850)).toBe("850ns");
    expect(formatNs(12000)).toBe("12us");
    expect(formatNs(12345)).toBe("12.35us");
    expect(formatNs(500000)).toBe("500us");
    expect(formatNs(2500000)).toBe("2.5ms");
  });
});

describe("metrics", () => {
  it("knows the named metrics, their aliases, and any percentile", () => {
    expect(metricByName("p99.99", o).column).toBe("lat_p9999_ns");
    expect(metricByName("p9999", o).name).toBe("p99.99");
    expect(metricByName("loss", o)).toMatchObject({ column: "loss_ratio", kind: "ratio", worse: "higher" });
    expect(metricByName("rate", o)).toMatchObject({ column: "achieved_pps", worse: "lower" });
    expect(metricByName("jitter", o).column).toBe("jitter_ns");
    expect(metricByName("pdv", o).column).toBe("pdv_mean_ns");
    expect(metricByName("max", o).column).toBe("lat_max_ns");
    expect(metricByName("max_gap", o)).toMatchObject({ column: "gap_max_ns", kind: "latency", worse: "higher" });
    expect(metricByName("late_gaps", o)).toMatchObject({ column: "late_gaps", kind: "count", worse: "higher" });
    const p = metricByName("p99.999", o);
    expect(p.column).toBeUndefined();
    expect(p.percentile).toBe(0.99999);
    expect(() => metricByName("p101", o)).toThrow(/unknown metric "p101"/);
    expect(() => metricByName("latency", o)).toThrow(/unknown metric "latency"/);
  });
});
