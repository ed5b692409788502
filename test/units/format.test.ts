import { describe, expect, it } from "vitest";
import { formatLatency, formatLatencyCompact, formatShare } from "../../src/units/format.js";
import { parseQuantity } from "../../src/gate/units.js";

describe("numbers for people", () => {
  it("latency in the largest unit that keeps a digit before the point", () => {
    expect([999, 1000, 12_049, 123_456_789, 2_500_000_000].map((v) => formatLatency(v))).toEqual(["999 ns", "1.0 µs", "12.0 µs", "123.46 ms", "2.50 s"]);
    expect(formatLatency(12_345, 3)).toBe("12.345 µs");
    expect([null, undefined, Number.NaN, "5"].map((v) => formatLatency(v))).toEqual(["–", "–", "–", "–"]);
  });

  it("loss as a percentage with three decimals", () => {
    expect(formatShare(0.0002)).toBe("0.020%");
    expect(formatShare(null)).toBe("–");
  });

  it("compact latency parses back as the budget it came from", () => {
    for (const ns of [750, 12_500, 1_250_000, 3_000_000_000]) expect(parseQuantity(formatLatencyCompact(ns), "latency", { what: "budget" }).value).toBe(ns);
    expect(formatLatencyCompact(12_500)).toBe("12.5us");
  });
});
