import { mkdirSync, readFileSync, writeFileSync, existsSync } from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { XMLParser, XMLValidator } from "fast-xml-parser";
import { parseBudgets, runGate, type GateResult, type BudgetFlags } from "../../src/gate/index.js";
import { GateError } from "../../src/gate/errors.js";
import { createSys } from "../../src/sys/index.js";
import type { HynetEvent, ResultEvent } from "../../src/events.js";
import { UsageError } from "../../src/errors.js";
import { makeResults, tmpDir, RUNS_DDL, OTHER_DDL, type FixtureRun } from "./fixture.js";

function collect() {
  const events: HynetEvent[] = [];
  return { events, sys: createSys({ emit: (e) => events.push(e) }) };
}

async function gate(dir: string, flags: BudgetFlags, opts: { junit?: string; markdown?: string } = {}): Promise<GateResult & { events: HynetEvent[] }> {
  const { events, sys } = collect();
  const r = await runGate(dir, parseBudgets(undefined, flags), opts, sys);
  return { ...r, events };
}

function verdicts(r: GateResult): string[] {
  return r.checks.map((c) => `${c.run} ${c.check}: ${c.verdict}`);
}

/** Four runs: namespace/veth and vm_opt/hwpair at 50 kpps and 500 kpps. */
const SERIES: FixtureRun[] = [
  { rate: 50000, node: "namespace", link: "veth", p9999: 40000, loss: 0.0005 },
  { rate: 500000, node: "namespace", link: "veth", p9999: 45000, loss: 0.001 },
  { rate: 50000, node: "vm_opt", link: "hwpair", p9999: 90000, loss: 0 },
  { rate: 500000, node: "vm_opt", link: "hwpair", p9999: 150000, loss: 0.002, achieved: 490000 },
];

describe("departure-gap budgets", () => {
  it("--max max_gap=1ms --max late_gaps=0: a run with a 2.5 ms hole and 3 late gaps fails both", async () => {
    const dir = await makeResults(tmpDir("gaps"), [
      { rate: 50000, gapMax: 800_000, lateGaps: 0 },
      { rate: 100000, gapMax: 2_500_000, lateGaps: 3 },
    ]);
    const r = await gate(dir, { max: ["max_gap=1ms", "late_gaps=0"] });
    expect(r.exitCode).toBe(1);
    expect(verdicts(r)).toEqual([
      "rate50000-linkveth-nodenamespace-burst1 max_gap <= 1ms: pass",
      "rate50000-linkveth-nodenamespace-burst1 late_gaps <= 0: pass",
      "rate100000-linkveth-nodenamespace-burst1 max_gap <= 1ms: fail",
      "rate100000-linkveth-nodenamespace-burst1 late_gaps <= 0: fail",
    ]);
    expect(r.checks[2]).toMatchObject({ value: 2_500_000, valueText: "2.5ms" });
    expect(r.checks[3]).toMatchObject({ value: 3, valueText: "3" });
  });

  it("a database made before departure gaps is read; a max_gap budget is an error there, other budgets are checked", async () => {
    const dir = await makeResults(tmpDir("nogaps"), [{ rate: 50000 }]);
    const r = await gate(dir, { max: ["max_gap=1ms", "p99.99=50us"] });
    expect(r.checks.map((c) => [c.check, c.verdict, c.message])).toEqual([
      ["max_gap <= 1ms", "error", "no max_gap value (no matched packets?)"],
      ["p99.99 <= 50us", "pass", "p99.99 40us within <= 50us"],
    ]);
  });
});

describe("budgets against a results database", () => {
  it("passes when every run is within its limits (exit 0) and emits the table", async () => {
    const dir = await makeResults(tmpDir("pass"), SERIES.slice(0, 2));
    const r = await gate(dir, { max: ["p99.99=50us", "loss=0.1%"] });
    expect(r.exitCode).toBe(0);
    expect(r.counts.pass).toBe(4);
    expect(verdicts(r)).toEqual([
      "rate50000-linkveth-nodenamespace-burst1 p99.99 <= 50us: pass",
      "rate50000-linkveth-nodenamespace-burst1 loss <= 0.1%: pass",
      "rate500000-linkveth-nodenamespace-burst1 p99.99 <= 50us: pass",
      "rate500000-linkveth-nodenamespace-burst1 loss <= 0.1%: pass",
    ]);
    expect(r.checks[0]).toMatchObject({ value: 40000, valueText: "40us", referenceText: "<= 50us" });
    // loss 0.001 is exactly the limit 0.1%: a limit is inclusive.
    expect(r.checks[3]).toMatchObject({ value: 0.001, valueText: "0.1%" });
    const lines = r.events.filter((e): e is ResultEvent => e.type === "result").map((e) => e.line);
    expect(lines[0]).toMatch(/^run\s+metric\s+value\s+limit or baseline\s+verdict\s+note$/);
    expect(lines[1]).toMatch(/^rate50000-linkveth-nodenamespace-burst1\s+p99.99\s+40us\s+<= 50us\s+PASS/);
    expect(lines.at(-1)).toBe("gate: PASS: 4 checks (4 pass); exit 0");
  });

  it("fails when a run exceeds a limit (exit 1)", async () => {
    const dir = await makeResults(tmpDir("fail"), SERIES);
    const r = await gate(dir, { max: ["p99.99=100us"] });
    expect(r.exitCode).toBe(1);
    expect(r.counts).toMatchObject({ pass: 3, fail: 1 });
    const f = r.checks.find((c) => c.verdict === "fail")!;
    expect(f.run).toBe("rate500000-linkhwpair-nodevm_opt-burst1");
    expect(f.message).toBe("p99.99 150us exceeds 100us");
  });

  it("a minimum rate as a share of the requested rate: 490000/500000 = 98% < 99%", async () => {
    const dir = await makeResults(tmpDir("rate"), SERIES);
    const r = await gate(dir, { min: ["rate=99%"] });
    expect(r.exitCode).toBe(1);
    const f = r.checks.find((c) => c.verdict === "fail")!;
    expect(f.value).toBeCloseTo(0.98, 12);
    expect(f.valueText).toBe("98%");
    const abs = await gate(dir, { min: ["rate=45k"] });
    expect(abs.exitCode).toBe(0);
    expect(abs.checks.map((c) => c.value)).toEqual([50000, 50000, 490000, 500000]);
  });

  it("selectors: a later specific budget overrides a general one for the runs it selects", async () => {
    const dir = await makeResults(tmpDir("sel"), SERIES);
    const { sys } = collect();
    const budgets = parseBudgets({
      max: { "p99.99": "50us" },
      budgets: [
        { where: { node: "vm_opt" }, max: { "p99.99": "100us" } },
        { where: { node: "vm_opt", link: "hwpair", rate: ">=500000" }, max: { "p99.99": "200us" } },
      ],
    });
    const r = await runGate(dir, budgets, {}, sys);
    expect(r.exitCode).toBe(0);
    expect(r.checks.map((c) => [c.run, c.referenceText, c.verdict])).toEqual([
      ["rate50000-linkhwpair-nodevm_opt-burst1", "<= 100us", "pass"],
      ["rate50000-linkveth-nodenamespace-burst1", "<= 50us", "pass"],
      ["rate500000-linkhwpair-nodevm_opt-burst1", "<= 200us", "pass"],
      ["rate500000-linkveth-nodenamespace-burst1", "<= 50us", "pass"],
    ]);
  });

  it("selectors: --where restricts the gated runs; a budget matching no run is reported; an unknown variable is an error", async () => {
    const dir = await makeResults(tmpDir("where"), SERIES);
    const only = await gate(dir, { max: ["p99.99=50us"], where: ["node=namespace"] });
    expect(only.checks.map((c) => c.run)).toEqual(["rate50000-linkveth-nodenamespace-burst1", "rate500000-linkveth-nodenamespace-burst1"]);
    expect(only.exitCode).toBe(0);
    const { sys } = collect();
    const none = await runGate(dir, parseBudgets({ budgets: [{ where: { node: "vm" }, max: { p99: "1us" } }] }), {}, sys);
    expect(none.checks).toHaveLength(1);
    expect(none.checks[0]).toMatchObject({ verdict: "skip", run: "(no run)", message: "no run matches node=vm (gate.budgets.0.max.p99)" });
    expect(none.exitCode).toBe(0);
    await expect(runGate(dir, parseBudgets({ budgets: [{ where: { nod: "vm" }, max: { p99: "1us" } }] }), {}, sys)).rejects.toThrow(UsageError);
    await expect(runGate(dir, parseBudgets({ budgets: [{ where: { nod: "vm" }, max: { p99: "1us" } }] }), {}, sys)).rejects.toThrow(
      /gate\.budgets\.0\.max\.p99: no run has a variable "nod"/,
    );
  });

  it("percentiles without a column come from the percentiles table", async () => {
    const dir = await makeResults(tmpDir("pct"), [
      { rate: 50000, percentiles: [[0.5, 5000], [0.99999, 61000]] },
      { rate: 60000, percentiles: [[0.5, 5000]] },
    ]);
    const r = await gate(dir, { max: ["p99.999=60us"] });
    expect(r.checks.map((c) => [c.value, c.verdict])).toEqual([
      [61000, "fail"],
      [null, "error"],
    ]);
    expect(r.checks[1].message).toMatch(/percentiles table has no p=0.99999/);
    expect(r.exitCode).toBe(1);
  });

  it("a failed run cannot be evaluated (exit 2), but a failed check still wins (exit 1)", async () => {
    const dir = await makeResults(tmpDir("failedrun"), [
      { rate: 50000 },
      { rate: 60000, status: "failed", error: "VM did not boot", p9999: null, loss: null },
      { rate: 70000, p9999: null },
    ]);
    const r = await gate(dir, { max: ["p99.99=50us"] });
    expect(r.checks.map((c) => c.verdict)).toEqual(["pass", "error", "error"]);
    expect(r.checks[1].message).toBe("run failed: VM did not boot");
    expect(r.checks[2].message).toMatch(/no p99.99 value/);
    expect(r.exitCode).toBe(2);
    const r2 = await gate(dir, { max: ["p99.99=30us"] });
    expect(r2.exitCode).toBe(1);
  });
});

describe("baseline comparison", () => {
  it("catches a regression beyond tolerance and passes one within it", async () => {
    const old = await makeResults(tmpDir("old"), [{ rate: 50000, p50: 5000, p99: 9000, p9999: 40000 }]);
    const same = await makeResults(tmpDir("same"), [{ rate: 50000, p50: 5200, p99: 9500, p9999: 43000 }]);
    const worse = await makeResults(tmpDir("worse"), [{ rate: 50000, p50: 5200, p99: 9500, p9999: 60000 }]);
    const ok = await gate(same, { baseline: old, compare: ["p50", "p99", "p99.99"] });
    expect(ok.exitCode).toBe(0);
    expect(ok.checks.map((c) => c.verdict)).toEqual(["pass", "pass", "pass"]);
    expect(ok.checks[2]).toMatchObject({ run: "rate50000-linkveth-nodenamespace-burst1", check: "p99.99 vs baseline", valueText: "43us", referenceText: "40us +10%" });
    const bad = await gate(worse, { baseline: old, compare: ["p50", "p99", "p99.99"] });
    expect(bad.exitCode).toBe(1);
    expect(bad.checks[2].verdict).toBe("fail");
    expect(bad.checks[2].message).toMatch(/^worse by 20us \(\+50%\), beyond tolerance 10%/);
    // A wider tolerance lets it pass.
    expect((await gate(worse, { baseline: old, compare: ["p99.99"], tolerance: ["p99.99=60%"] })).exitCode).toBe(0);
    expect((await gate(worse, { baseline: old, compare: ["p99.99"], absTolerance: ["p99.99=25us"] })).exitCode).toBe(0);
  });

  it("reports runs on only one side; missing runs cannot be evaluated unless allowed", async () => {
    const old = await makeResults(tmpDir("old1"), [{ rate: 50000 }, { rate: 100000 }]);
    const cur = await makeResults(tmpDir("cur1"), [{ rate: 50000 }, { rate: 200000 }]);
    const r = await gate(cur, { baseline: old, compare: ["p99"] });
    expect(verdicts(r)).toEqual([
      "rate50000-linkveth-nodenamespace-burst1 p99 vs baseline: pass",
      "rate200000-linkveth-nodenamespace-burst1 present in both: new",
      "rate100000-linkveth-nodenamespace-burst1 present in both: missing",
    ]);
    expect(r.exitCode).toBe(2);
    const allowed = await gate(cur, { baseline: old, compare: ["p99"], allowMissing: true });
    expect(allowed.checks[2].verdict).toBe("skip");
    expect(allowed.exitCode).toBe(0);
  });

  it("repeated runs: a shift inside run-to-run noise passes as noise, a separated one fails", async () => {
    const reps = (p9999: number[]) => p9999.map((v, i) => ({ rate: 50000, repeat: i, p9999: v }));
    const old = await makeResults(tmpDir("oldrep"), reps([30000, 40000, 50000]));
    const noisy = await makeResults(tmpDir("noisy"), reps([45000, 55000, 65000]));
    const worse = await makeResults(tmpDir("worserep"), reps([60000, 61000, 62000]));
    const n = await gate(noisy, { baseline: old, compare: ["p99.99"] });
    expect(n.checks).toHaveLength(1);
    expect(n.checks[0]).toMatchObject({ run: "rate50000-linkveth-nodenamespace-burst1", verdict: "noise", valueText: "55us (median of 3)", referenceText: "40us (median of 3) +10%" });
    expect(n.checks[0].stats).toMatchObject({ u: 8, baselineMedian: 40000, currentMedian: 55000 });
    expect(n.checks[0].message).toMatch(/within run-to-run noise \(one-sided Mann-Whitney U = 8, p = 0.1, 3 runs vs 3 baseline runs > alpha 0.05\)/);
    expect(n.exitCode).toBe(0);
    const w = await gate(worse, { baseline: old, compare: ["p99.99"] });
    expect(w.checks[0].verdict).toBe("fail");
    expect(w.checks[0].stats!.p).toBeCloseTo(0.05, 12);
    expect(w.exitCode).toBe(1);
  });
});

describe("missing or malformed results and baselines", () => {
  const flags = { max: ["p99=1ms"] };
  it("a missing folder", async () => {
    const d = path.join(tmpDir("none"), "nope");
    const e = (await gate(d, flags).catch((x: unknown) => x)) as GateError;
    expect(e).toBeInstanceOf(GateError);
    expect(e).toMatchObject({ code: "GATE_NO_RESULTS", file: d, exitCode: 2, message: "results folder does not exist" });
  });
  it("a folder without results.duckdb, and a missing baseline", async () => {
    const d = tmpDir("empty");
    await expect(gate(d, flags)).rejects.toMatchObject({ code: "GATE_NO_RESULTS", message: "results folder has no results.duckdb" });
    const ok = await makeResults(tmpDir("ok"), [{ rate: 50000 }]);
    await expect(gate(ok, { baseline: d })).rejects.toMatchObject({ code: "GATE_NO_RESULTS", message: "baseline folder has no results.duckdb", file: d });
  });
  it("a file that is not a DuckDB database", async () => {
    const d = tmpDir("notdb");
    writeFileSync(path.join(d, "results.duckdb"), "hello");
    await expect(gate(d, flags)).rejects.toMatchObject({ code: "GATE_BAD_RESULTS", file: path.join(d, "results.duckdb") });
  });
  it("a database of the wrong schema: missing table, missing columns", async () => {
    const a = await makeResults(tmpDir("notable"), [], { ddl: ["CREATE TABLE other(x INTEGER)"] });
    await expect(gate(a, flags)).rejects.toMatchObject({ code: "GATE_BAD_RESULTS", message: "results database has no table runs" });
    const b = await makeResults(tmpDir("nocol"), [], { ddl: [RUNS_DDL.replace("lat_p9999_ns BIGINT, ", "").replace("jitter_ns DOUBLE,", ""), ...OTHER_DDL] });
    await expect(gate(b, flags)).rejects.toMatchObject({ code: "GATE_BAD_RESULTS", message: "table runs lacks columns lat_p9999_ns, jitter_ns" });
    const c = await makeResults(tmpDir("nopct"), [], { ddl: [RUNS_DDL] });
    await expect(gate(c, flags)).rejects.toMatchObject({ message: "results database has no table percentiles" });
  });
  it("no runs, and nothing to check", async () => {
    const d = await makeResults(tmpDir("noruns"), []);
    await expect(gate(d, flags)).rejects.toMatchObject({ code: "GATE_NO_RUNS" });
    await expect(gate(d, {})).rejects.toMatchObject({ code: "GATE_NOTHING_TO_CHECK", exitCode: 2 });
  });
  it("still writes a JUnit file saying why when the results cannot be read", async () => {
    const d = tmpDir("junerr");
    const junit = path.join(d, "gate.xml");
    await expect(gate(path.join(d, "nope"), flags, { junit })).rejects.toThrow(GateError);
    const xml = readFileSync(junit, "utf8");
    expect(XMLValidator.validate(xml)).toBe(true);
    expect(xml).toMatch(/errors="1"/);
    expect(xml).toMatch(/results folder does not exist/);
  });
});

describe("outputs", () => {
  it("JUnit XML: one test case per run × check, valid and with the right counts", async () => {
    const old = await makeResults(tmpDir("jold"), [{ rate: 50000 }, { rate: 100000 }, { rate: 500000, node: "vm_opt", link: "hwpair" }]);
    const cur = await makeResults(tmpDir("jcur"), [
      { rate: 50000, p9999: 43000 },
      { rate: 200000, name: "rate200000-linkveth-nodenamespace-burst1" },
      { rate: 500000, node: "vm_opt", link: "hwpair", p9999: 150000 },
    ]);
    const out = tmpDir("jout");
    mkdirSync(out, { recursive: true });
    const junit = path.join(out, "gate.xml");
    const markdown = path.join(out, "gate.md");
    const r = await gate(cur, { max: ["p99.99=100us", "loss=1%"], baseline: old, compare: ["p99.99"] }, { junit, markdown });
    // 3 runs × 2 budgets; baseline: 2 common combinations × 1 metric + 1 new + 1 missing.
    expect(r.checks).toHaveLength(10);
    expect(r.counts).toMatchObject({ pass: 6, fail: 2, new: 1, missing: 1 });
    expect(r.exitCode).toBe(1);
    expect(r.junit).toBe(junit);
    const xml = readFileSync(junit, "utf8");
    expect(XMLValidator.validate(xml)).toBe(true);
    const doc = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: "", isArray: (n) => n === "testsuite" || n === "testcase" }).parse(xml);
    const top = doc.testsuites;
    expect(top).toMatchObject({ name: "hynet gate", tests: "10", failures: "2", errors: "1", skipped: "1" });
    expect(top.testsuite).toHaveLength(2);
    const cases = top.testsuite.flatMap((s: { testcase: unknown[] }) => s.testcase) as Record<string, unknown>[];
    expect(cases).toHaveLength(10);
    expect(cases.filter((c) => c.failure)).toHaveLength(2);
    expect(cases.filter((c) => c.error)).toHaveLength(1);
    expect(cases.filter((c) => c.skipped)).toHaveLength(1);
    const budgetSuite = top.testsuite[0];
    expect(budgetSuite).toMatchObject({ tests: "6", failures: "1", errors: "0" });
    expect(budgetSuite.testcase[0]).toMatchObject({ classname: "hynet.gate.budget.rate50000-linkveth-nodenamespace-burst1", name: "p99.99 <= 100us" });
    const failed = cases.find((c) => c.failure && String(c.classname).includes("vm_opt") && String(c.name).startsWith("p99.99 <="))!;
    expect((failed.failure as Record<string, string>).message).toBe("p99.99 150us exceeds 100us");

    const md = readFileSync(markdown, "utf8");
    expect(md.split("\n")[0]).toBe("## hynet gate: ❌ FAIL");
    expect(md).toMatch(/10 checks \(6 pass · 2 fail · 1 new · 1 missing\)/);
    expect(md).toMatch(/### Failed or not evaluated\n\n\| run \| metric \| value \| limit or baseline \| verdict \| note \|/);
    expect(md).toMatch(/\| rate500000-linkhwpair-nodevm_opt-burst1 \| p99.99 \| 150us \| <= 100us \| ❌ FAIL \| p99.99 150us exceeds 100us \|/);
    expect(existsSync(path.join(out, ".gate.xml.partial"))).toBe(false);
  });
});
