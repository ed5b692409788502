/**
 * `hynet run` end to end, for real, as root: namespaces, veth, the built-in
 * load generator and timestamper, the evaluator, DuckDB. One file, so the
 * series run one after another (they share two cores).
 */
import { describe, expect, it, beforeAll, afterAll } from "vitest";
import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { loadExperiment } from "../../src/experiment/file.js";
import { runSeries } from "../../src/experiment/runner.js";
import { defaultDeps } from "../../src/experiment/wiring.js";
import { openStore } from "../../src/experiment/store.js";
import type { RunRecord } from "../../src/experiment/record.js";
import type { RunnerDeps } from "../../src/experiment/deps.js";
import { createSys, type Sys } from "../../src/sys/index.js";
import type { HynetEvent } from "../../src/events.js";
import { parseBudgets, runGate, type GateSection } from "../../src/gate/index.js";
import { topology } from "./chain2.js";

const PREFIX = `rn${Math.random().toString(36).slice(2, 6).replace(/[^a-z0-9]/g, "x")}`;


function experiment(loop: string, globals = "measurement_time: 2\n  warm_up_time: 0.5", extra = ""): string {
  return `topology: good.yaml
topologies: { good: good.yaml, bad: bad.yaml }
globals:
  ${globals}
  flows: 4
loop:
${loop}
capture: { compression: zstd, level: 1 }
traffic: { tx: "lg:tx", pre: "lg:tx", post: "lg:rx", dst_mac: "3e:e5:a8:40:0d:00" }
${extra}`;
}

function workDir(exp: string): { dir: string; file: string; out: string } {
  const dir = mkdtempSync(path.join(tmpdir(), "hynet-series-"));
  writeFileSync(path.join(dir, "good.yaml"), topology());
  // Valid as a file, fails when the network comes up: the device it hands to h1 does not exist.
  writeFileSync(path.join(dir, "bad.yaml"), topology(`    interfaces: [{ dev: ${PREFIX}nodev, ifname: ext0 }]\n`));
  writeFileSync(path.join(dir, "exp.yaml"), exp);
  return { dir, file: path.join(dir, "exp.yaml"), out: path.join(dir, "results") };
}

function collect(): { sys: Sys; events: HynetEvent[] } {
  const events: HynetEvent[] = [];
  return { sys: createSys({ emit: (e) => events.push(e) }), events };
}

function leftovers(): string[] {
  const ns = execFileSync("ip", ["netns", "list"], { encoding: "utf8" });
  const links = execFileSync("ip", ["-o", "link", "show"], { encoding: "utf8" });
  return [...ns.split("\n"), ...links.split("\n")].filter((l) => l.includes(PREFIX));
}

function record(out: string, run: string): RunRecord {
  return JSON.parse(readFileSync(path.join(out, run, "run.json"), "utf8")) as RunRecord;
}

let deps: RunnerDeps;

beforeAll(async () => {
  if (process.getuid?.() !== 0) throw new Error("these tests create network namespaces: run them as root");
  deps = await defaultDeps();
});

afterAll(() => {
  expect(leftovers()).toEqual([]);
});

describe("hynet run, end to end", () => {
  it("runs a 2 × 2 series of 2-second runs into folders, run.json, IRQ files and results.duckdb", async () => {
    const w = workDir(experiment("  rate: [20000, 50000]\n  burst: [1, 50]", undefined, "gate: { max: { loss: 5%, p50: 10ms } }\n"));
    const { sys, events } = collect();
    const exp = await loadExperiment(w.file);
    const r = await runSeries(exp, { out: w.out, prefix: PREFIX }, sys, deps);
    expect(r).toMatchObject({ ok: 4, failed: 0, aborted: 0, skipped: 0 });
    const names = ["rate20000-burst1", "rate20000-burst50", "rate50000-burst1", "rate50000-burst50"];
    expect(r.runs.map((x) => x.name)).toEqual(names);
    const plan = JSON.parse(readFileSync(path.join(w.out, "plan.json"), "utf8")) as { runs: { name: string }[] };
    expect(plan.runs.map((x) => x.name)).toEqual(names);
    for (const name of names) {
      const rec = record(w.out, name);
      expect(rec.status).toBe("ok");
      expect(rec.error).toBeUndefined();
      expect(rec.host.kernel).toMatch(/^\d+\.\d+/);
      expect(rec.versions.hynet).toBe("0.1.0");
      expect(rec.timings.overhead).toBeGreaterThan(0);
      expect(rec.timings.overhead).toBeCloseTo(rec.timings.total - rec.timings.pause - rec.timings.measure, 2);
      expect(rec.captures).toMatchObject({ pre: `latencies-pre-${name}.pcap.zst`, post: `latencies-post-${name}.pcap.zst`, compression: "zstd" });
      expect(readFileSync(path.join(w.out, name, rec.captures!.pre)).readUInt32LE(0)).toBe(0xfd2fb528);
      expect(existsSync(path.join(w.out, name, `latencies-pre-${name}.pcap`))).toBe(false);
      expect(existsSync(path.join(w.out, name, "eval", `latencies-pre-${name}.pcap.zst.summary.json`))).toBe(true);
      const softirqs = readFileSync(path.join(w.out, name, "irq", "softirqs.csv"), "utf8").trim().split("\n");
      expect(softirqs[0]).toBe("ts_ns,cpu,softirq,count");
      expect(new Set(softirqs.slice(1).map((l) => l.split(",")[0])).size).toBeGreaterThanOrEqual(3);
      expect(rec.loadgen!.sent).toBe(rec.params.rate * 2);
      // Departure gaps from the pre capture: every measured frame is a departure; the mean gap is the period.
      const g = rec.departure_gaps!;
      expect(g.count).toBe(rec.params.rate * 2 - 1);
      expect(Math.abs(g.period_ns! - 1e9 / rec.params.rate) / (1e9 / rec.params.rate)).toBeLessThan(0.05);
      expect(g.max_ns!).toBeGreaterThanOrEqual(g.p99_ns!);
      const summary = JSON.parse(readFileSync(path.join(w.out, name, rec.eval_summary!), "utf8")) as { departure_gaps: unknown };
      expect(summary.departure_gaps).toEqual(g);
    }
    const s = await openStore(w.out, sys, { readOnly: true });
    try {
      const rows = await s.runs();
      expect(rows.map((x) => [x.name, x.status, x.rate, x.burst, x.node, x.link])).toEqual([
        ["rate20000-burst1", "ok", 20000, 1, "namespace", "veth"],
        ["rate20000-burst50", "ok", 20000, 50, "namespace", "veth"],
        ["rate50000-burst1", "ok", 50000, 1, "namespace", "veth"],
        ["rate50000-burst50", "ok", 50000, 50, "namespace", "veth"],
      ]);
      for (const row of rows) {
        expect(row.pre_records).toBe(row.rate! * 2);
        expect(row.loss_ratio).toBeLessThan(0.01);
        expect(row.lat_p50_ns).toBeGreaterThan(0);
        expect(row.lat_max_ns).toBeGreaterThanOrEqual(row.lat_p9999_ns!);
        expect(row.gap_max_ns).toBe(Math.round(record(w.out, row.name).departure_gaps!.max_ns!));
        expect(row.late_gaps).toBe(record(w.out, row.name).departure_gaps!.late_gaps);
      }
      const [p] = await s.query("SELECT count(DISTINCT run) AS runs, count(*) AS n FROM percentiles");
      expect(p.runs).toBe(4);
      const sides = await s.query("SELECT side, sum(count) AS frames FROM packet_rates WHERE run = 'rate50000-burst1' GROUP BY side ORDER BY side");
      expect(sides).toEqual([
        { side: "post", frames: expect.any(Number) },
        { side: "pre", frames: 100000 },
      ]);
    } finally {
      s.close();
    }
    const lines = events.flatMap((e) => (e.type === "result" && e.kind === "run.result" ? [e.line] : []));
    expect(lines).toHaveLength(4);
    expect(lines[0]).toMatch(/^run 1\/4 rate20000-burst1: ok — loss 0\.\d+%, p50 .*; overhead \d+\.\d\d s/);
    expect(events.some((e) => e.type === "progress" && e.scope === "run" && e.phase === "measure" && /ETA/.test(e.task))).toBe(true);
    expect(leftovers()).toEqual([]);
    // What `hynet run --gate` does after the series: the gate reads this database.
    const gate = await runGate(w.out, parseBudgets(exp.gate as GateSection, {}, { file: w.file }), {}, sys);
    expect(gate.exitCode).toBe(0);
    expect(gate.checks.length).toBe(8);
  });

  it("resumes an interrupted series: the aborted run is moved aside and redone, the complete one skipped", async () => {
    const w = workDir(experiment("  rate: [20000]\n  burst: [1, 50]"));
    const exp = await loadExperiment(w.file);
    const ac = new AbortController();
    const first = collect();
    const sys1 = createSys({
      emit: (e) => {
        first.events.push(e);
        if (e.type === "progress" && e.scope === "run" && e.task.startsWith("2 of 2") && e.phase === "measure") ac.abort();
      },
    });
    const r1 = await runSeries(exp, { out: w.out, prefix: PREFIX, signal: ac.signal }, sys1, deps);
    expect(r1).toMatchObject({ ok: 1, aborted: 1, failed: 0 });
    expect(record(w.out, "rate20000-burst50")).toMatchObject({ status: "aborted", error: { code: "ABORTED" } });
    expect(leftovers()).toEqual([]);

    // Without --resume nothing runs and nothing is touched.
    await expect(runSeries(exp, { out: w.out, prefix: PREFIX }, collect().sys, deps)).rejects.toMatchObject({ code: "RESULTS_EXIST" });
    expect(readdirSync(w.out).sort()).toEqual(["experiment.yaml", "plan.json", "rate20000-burst1", "rate20000-burst50", "results.duckdb"]);

    const okBefore = readFileSync(path.join(w.out, "rate20000-burst1", "run.json"), "utf8");
    const { sys } = collect();
    const r2 = await runSeries(exp, { out: w.out, prefix: PREFIX, resume: true }, sys, deps);
    expect(r2).toMatchObject({ ok: 1, skipped: 1, aborted: 0, failed: 0 });
    expect(r2.runs).toMatchObject([{ name: "rate20000-burst1", status: "skipped" }, { name: "rate20000-burst50", status: "ok" }]);
    expect(readFileSync(path.join(w.out, "rate20000-burst1", "run.json"), "utf8")).toBe(okBefore);
    expect(record(w.out, "rate20000-burst50.incomplete-1").status).toBe("aborted");
    expect(record(w.out, "rate20000-burst50").status).toBe("ok");
    const s = await openStore(w.out, sys, { readOnly: true });
    try {
      expect((await s.runs()).map((x) => [x.name, x.status])).toEqual([
        ["rate20000-burst1", "ok"],
        ["rate20000-burst50", "ok"],
      ]);
    } finally {
      s.close();
    }
  });

  it("records a run whose network fails to come up, and goes on (or stops with --fail-fast)", async () => {
    const loop = "  - { rate: [20000], topology: [good] }\n  - { rate: [20000], topology: [bad] }\n  - { rate: [30000], topology: [good] }";
    const w = workDir(experiment(loop));
    const exp = await loadExperiment(w.file);
    const { sys } = collect();
    const r = await runSeries(exp, { out: w.out, prefix: PREFIX }, sys, deps);
    expect(r.runs.map((x) => [x.name, x.status])).toEqual([
      ["rate20000-topologygood", "ok"],
      ["rate20000-topologybad", "failed"],
      ["rate30000-topologygood", "ok"],
    ]);
    const bad = record(w.out, "rate20000-topologybad");
    expect(bad.error).toMatchObject({ code: "NO_SUCH_DEVICE", phase: "net_up" });
    expect(bad.error!.message).toContain(`${PREFIX}nodev`);
    expect(bad.finished_at).toBeDefined();
    expect(record(w.out, "rate30000-topologygood").loadgen!.sent).toBe(60000);
    const s = await openStore(w.out, sys, { readOnly: true });
    try {
      const rows = await s.runs();
      expect(rows.find((x) => x.name === "rate20000-topologybad")).toMatchObject({ status: "failed", error_code: "NO_SUCH_DEVICE", lat_p50_ns: null });
      expect(rows.filter((x) => x.status === "ok").every((x) => x.lat_p50_ns! > 0)).toBe(true);
    } finally {
      s.close();
    }
    expect(leftovers()).toEqual([]);

    const ff = workDir(experiment("  - { rate: [20000], topology: [bad] }\n  - { rate: [20000], topology: [good] }"));
    const r2 = await runSeries(await loadExperiment(ff.file), { out: ff.out, prefix: PREFIX, failFast: true }, collect().sys, deps);
    expect(r2.runs.map((x) => [x.name, x.status])).toEqual([["rate20000-topologybad", "failed"]]);
    expect(existsSync(path.join(ff.out, "rate20000-topologygood"))).toBe(false);
  });

  it("Ctrl-C during a run leaves no namespace and the run marked aborted (CLI)", async () => {
    const w = workDir(experiment("  rate: [20000]\n  burst: [1, 50]", "measurement_time: 6\n  warm_up_time: 0.5"));
    const bin = path.resolve("bin/hynet.js");
    const child = spawn(process.execPath, [bin, "run", w.file, "--out", w.out, "--prefix", PREFIX, "--reporter", "json"], { stdio: ["ignore", "pipe", "pipe"] });
    let buf = "";
    let stderr = "";
    let sent = false;
    child.stderr.on("data", (b: Buffer) => (stderr += b.toString()));
    child.stdout.on("data", (b: Buffer) => {
      buf += b.toString();
      if (!sent && buf.split("\n").some((l) => l.includes('"type":"progress"') && l.includes('"phase":"measure"'))) {
        sent = true;
        child.kill("SIGINT");
      }
    });
    const code = await new Promise<number | null>((resolve) => child.on("close", (c) => resolve(c)));
    expect(sent, `never saw the measurement start; stderr: ${stderr}`).toBe(true);
    expect(code).toBe(130);
    expect(leftovers()).toEqual([]);
    expect(record(w.out, "rate20000-burst1")).toMatchObject({ status: "aborted", error: { code: "ABORTED" } });
    expect(existsSync(path.join(w.out, "rate20000-burst50"))).toBe(false);
    const s = await openStore(w.out, createSys(), { readOnly: true });
    try {
      expect((await s.runs()).map((x) => [x.name, x.status])).toEqual([["rate20000-burst1", "aborted"]]);
    } finally {
      s.close();
    }
  });

  it("a malformed experiment file gives one clear error and runs nothing", async () => {
    const w = workDir(experiment("  rate: [20000, lots]\n  burst: [1]"));
    const r = spawn(process.execPath, [path.resolve("bin/hynet.js"), "run", w.file, "--out", w.out], { stdio: ["ignore", "pipe", "pipe"] });
    let stderr = "";
    r.stderr.on("data", (b: Buffer) => (stderr += b.toString()));
    const code = await new Promise<number | null>((resolve) => r.on("close", (c) => resolve(c)));
    expect(code).toBe(1);
    expect(stderr.trim().split("\n")).toEqual([`hynet: error[EXPERIMENT_INVALID] ${w.file}:8: field \`loop.rate[1]\`: Invalid input: expected number, received string (hint: see docs/experiment.md)`]);
    expect(existsSync(w.out)).toBe(false);

    // An unknown node kind is caught before anything runs, too.
    const k = workDir(experiment("  rate: [20000]\n  node: [nosuchkind]"));
    await expect(runSeries(await loadExperiment(k.file), { out: k.out, prefix: PREFIX }, collect().sys, deps)).rejects.toMatchObject({ code: "EXPERIMENT_UNKNOWN_KIND" });
    expect(existsSync(k.out)).toBe(false);

    // So is a traffic endpoint the topology does not have.
    const e = workDir(experiment("  rate: [20000]").replace('post: "lg:rx"', 'post: "lg:eth9"'));
    await expect(runSeries(await loadExperiment(e.file), { out: e.out, prefix: PREFIX }, collect().sys, deps)).rejects.toMatchObject({
      code: "EXPERIMENT_BAD_ENDPOINT",
      message: '`traffic.post`: host lg of good.yaml has no interface "eth9"',
      hint: "lg's interfaces: tx, rx",
    });
    expect(existsSync(e.out)).toBe(false);
  });
});
