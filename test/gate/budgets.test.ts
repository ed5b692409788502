import { writeFileSync } from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { gateSchema, loadGateSection, parseBudgets } from "../../src/gate/budgets.js";
import { GateError } from "../../src/gate/errors.js";
import { UsageError } from "../../src/errors.js";
import { tmpDir } from "./fixture.js";

describe("gateSchema", () => {
  it("accepts a full gate: section", () => {
    const g = {
      where: { link: "veth" },
      max: { "p99.99": "50us", loss: "0.1%" },
      min: { rate: "99%" },
      budgets: [{ where: { node: "vm_opt", link: "hwpair", rate: ">=500000" }, max: { "p99.99": "200us" } }],
      baseline: { results: "../old", compare: ["p99", "loss"], tolerance: "10%", absolute: { p50: "1us" }, alpha: 0.05, allow_missing: true },
    };
    expect(gateSchema.safeParse(g).success).toBe(true);
  });
  it("reports bad units, unknown metrics and unknown keys with their path", () => {
    const bad = gateSchema.safeParse({ max: { "p99.99": "50xs" } });
    expect(bad.success).toBe(false);
    expect(bad.error!.issues[0].path).toEqual(["max", "p99.99"]);
    expect(bad.error!.issues[0].message).toBe('unknown latency unit "xs" in "50xs"');
    const metric = gateSchema.safeParse({ budgets: [{ max: { latency: "5us" } }] });
    expect(metric.error!.issues[0].path).toEqual(["budgets", 0, "max", "latency"]);
    expect(metric.error!.issues[0].message).toMatch(/unknown metric "latency"/);
    expect(gateSchema.safeParse({ maximum: { p99: "5us" } }).success).toBe(false);
    expect(gateSchema.safeParse({ budgets: [{ where: { node: "vm" } }] }).error!.issues[0].message).toMatch(/needs max: or min:/);
    expect(gateSchema.safeParse({ baseline: { alpha: 2 } }).success).toBe(false);
  });
});

describe("parseBudgets", () => {
  it("turns flags into budgets in canonical units", () => {
    const b = parseBudgets(undefined, { max: ["p99.99=50us", "loss=0.1%"], min: ["rate=99%"] });
    expect(b.budgets.map((x) => [x.metric.name, x.bound, x.limit.value, x.source])).toEqual([
      ["p99.99", "max", 50000, "--max p99.99=50us"],
      ["loss", "max", 0.001, "--max loss=0.1%"],
      ["rate", "min", 0.99, "--min rate=99%"],
    ]);
    expect(b.budgets[2].limit.ofRequested).toBe(true);
    expect(b.baseline.results).toBeUndefined();
    expect(b.baseline.compare.map((m) => m.name)).toEqual(["loss", "p50", "p99", "p99.9", "p99.99", "rate"]);
    expect(b.baseline.defaultTolerance).toEqual({ relative: 0.1, absolute: 0 });
    expect(b.baseline.alpha).toBe(0.05);
  });
  it("orders file budgets before flags and reads tolerances", () => {
    const g = gateSchema.parse({
      max: { p99: "10us" },
      budgets: [{ where: { node: "vm" }, max: { p99: "30us" } }],
      baseline: { results: "old", tolerance: { "p99.99": "20%" }, absolute: { p50: "1us", loss: "0.01%" } },
    });
    const b = parseBudgets(g, { max: ["p99=12us"], tolerance: ["5%"], absTolerance: ["p99=500ns"] }, { file: "/x/exp.yaml" });
    expect(b.budgets.map((x) => x.source)).toEqual(["gate.max.p99", "gate.budgets.0.max.p99", "--max p99=12us"]);
    expect(b.budgets[1].where).toEqual([{ key: "node", op: "=", values: ["vm"] }]);
    expect(b.baseline.results).toBe(path.resolve("/x", "old"));
    // --tolerance 5% (all metrics) comes after the file's p99.99=20%.
    expect(b.baseline.tolerance["p99.99"]).toEqual({ relative: 0.05, absolute: 0 });
    expect(b.baseline.tolerance.p50).toEqual({ relative: 0.05, absolute: 1000 });
    expect(b.baseline.tolerance.loss).toEqual({ relative: 0.05, absolute: 0.0001 });
    expect(b.baseline.tolerance.p99).toEqual({ relative: 0.05, absolute: 500 });
    expect(parseBudgets(g, { baseline: "/elsewhere" }, { file: "/x/exp.yaml" }).baseline.results).toBe("/elsewhere");
  });
  it("rejects malformed flags with one clear message", () => {
    expect(() => parseBudgets(undefined, { max: ["p99.99"] })).toThrow(/--max "p99.99" is not METRIC=VALUE/);
    expect(() => parseBudgets(undefined, { max: ["p99.99=50"] })).toThrow(/--max p99.99=50: "50" has no unit/);
    expect(() => parseBudgets(undefined, { max: ["latency=5us"] })).toThrow(UsageError);
    expect(() => parseBudgets(undefined, { absTolerance: ["rate=1%"] })).toThrow(/absolute rate tolerance/);
    expect(() => parseBudgets(undefined, { where: ["node"] })).toThrow(/--where: "node" is not a condition/);
    expect(() => parseBudgets(undefined, { alpha: 1.5 })).toThrow(/--alpha 1.5/);
  });
});

describe("loadGateSection", () => {
  it("reads the gate: section of an experiment file", async () => {
    const f = path.join(tmpDir("yaml"), "exp.yaml");
    writeFileSync(f, "name: quick\nloop:\n  rate: [50000]\ngate:\n  max:\n    p99.99: 50us\n    loss: 0.1%\n");
    const s = await loadGateSection(f);
    expect(s!.gate.max).toEqual({ "p99.99": "50us", loss: "0.1%" });
    const b = parseBudgets(s!.gate, {}, s!.source);
    expect(b.budgets.map((x) => x.limit.value)).toEqual([50000, 0.001]);
  });
  it("gives undefined for a file without gate:", async () => {
    const f = path.join(tmpDir("yaml"), "exp.yaml");
    writeFileSync(f, "name: quick\n");
    expect(await loadGateSection(f)).toBeUndefined();
  });
  it("names file and line of a bad budget", async () => {
    const f = path.join(tmpDir("yaml"), "exp.yaml");
    writeFileSync(f, "name: quick\ngate:\n  max:\n    p99.99: 50us\n    p99: 12xs\n");
    const e = await loadGateSection(f).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(GateError);
    expect((e as GateError).code).toBe("GATE_BAD_BUDGET");
    expect((e as GateError).file).toBe(f);
    expect((e as GateError).line).toBe(5);
    expect((e as GateError).message).toMatch(/gate\.max\.p99: unknown latency unit "xs"/);
    expect((e as GateError).exitCode).toBe(2);
  });
  it("names the line of a structural problem and of broken YAML", async () => {
    const d = tmpDir("yaml");
    const f = path.join(d, "a.yaml");
    writeFileSync(f, "gate:\n  budgets:\n    - where: { node: vm }\n");
    const e = (await loadGateSection(f).catch((x: unknown) => x)) as GateError;
    expect(e.message).toMatch(/gate\.budgets\.0: a budget needs max: or min:/);
    expect(e.line).toBe(3);
    const g = path.join(d, "b.yaml");
    writeFileSync(g, "gate:\n  max: { p99: 5us\n");
    const e2 = (await loadGateSection(g).catch((x: unknown) => x)) as GateError;
    expect(e2.code).toBe("GATE_BAD_FILE");
    expect(e2.file).toBe(g);
  });
  it("a missing experiment file is a file error naming it", async () => {
    const f = path.join(tmpDir("yaml"), "nope.yaml");
    await expect(loadGateSection(f)).rejects.toMatchObject({ code: "FILE_ENOENT", file: f });
  });
});
