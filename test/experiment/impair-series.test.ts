/**
 * Impairments as loop variables (`link_delay`, `link_rate`, …): run names,
 * plan marks for what this machine cannot run, `hynet run` refusing them or
 * recording them as skipped, and a rate that really shapes a run's traffic.
 * The series part needs root (fails otherwise).
 */
import { describe, expect, it } from "vitest";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { spawnSync } from "node:child_process";
import { loadExperiment, parseExperiment } from "../../src/experiment/file.js";
import { planRuns } from "../../src/experiment/plan.js";
import { runSeries } from "../../src/experiment/runner.js";
import { unrunnableRuns } from "../../src/experiment/runnable.js";
import { defaultDeps } from "../../src/experiment/wiring.js";
import { openStore } from "../../src/experiment/store.js";
import type { RunRecord } from "../../src/experiment/record.js";
import { qdiscPresence } from "../../src/sys/tc.js";
import { createSys } from "../../src/sys/index.js";
import { HynetError } from "../../src/errors.js";
import { topology } from "./chain2.js";

const PREFIX = `ri${Math.random().toString(36).slice(2, 6).replace(/[^a-z0-9]/g, "x")}`;
const CLI = path.join(import.meta.dirname, "../../bin/hynet.js");


function experiment(loop: string, globals = ""): string {
  return `topology: t.yaml
globals:
  measurement_time: 2
  warm_up_time: 0.5
  flows: 1
  rate: 20000${globals}
loop:
${loop}
capture: { compression: none }
traffic: { tx: "lg:tx", pre: "lg:tx", post: "lg:rx", dst_mac: "3e:e5:a8:40:0d:00" }
`;
}

function workDir(exp: string): { file: string; out: string } {
  const dir = mkdtempSync(path.join(tmpdir(), "hynet-impair-"));
  writeFileSync(path.join(dir, "t.yaml"), topology());
  writeFileSync(path.join(dir, "exp.yaml"), exp);
  return { file: path.join(dir, "exp.yaml"), out: path.join(dir, "results") };
}

describe("impairment loop variables", () => {
  it("are dimensions of the series: run names and params carry them", () => {
    const exp = parseExperiment(experiment("  link_delay: [0ms, 5ms]\n  link_loss: [0.5]\n  link_rate: [100mbit]"), "/x/exp.yaml");
    const runs = planRuns(exp);
    expect(runs.map((r) => r.name)).toEqual(["link_delay0ms-link_loss0.5-link_rate100mbit", "link_delay5ms-link_loss0.5-link_rate100mbit"]);
    expect(runs[1].params.impair).toEqual({ delayNs: 5e6, loss: 0.5, rateBps: 1e8 });
    expect(runs[1].params.impairLinks).toBeUndefined();
  });

  it("an unknown or malformed impairment variable is an error naming the variable and the file", () => {
    const bad = (loop: string) => {
      try {
        planRuns(parseExperiment(experiment(loop), "/x/exp.yaml"));
      } catch (e) {
        return e as HynetError;
      }
      throw new Error("expected an error");
    };
    expect(bad("  link_dealy: [5ms]")).toMatchObject({ code: "EXPERIMENT_INVALID", file: "/x/exp.yaml", message: expect.stringMatching(/^loop variable `link_dealy`: no impairment "dealy"/) });
    expect(bad("  link_delay: [5]").message).toMatch(/^loop variable `link_delay`: "5" is not a time with a unit/);
    expect(bad("  link_loss: [150]").message).toMatch(/^loop variable `link_loss`: "150%" is not a percentage/);
  });

  it("globals.impair_links selects links by index or NODE:IFNAME; one the topology lacks is an error", async () => {
    const w = workDir(experiment("  link_rate: [1mbit]", "\n  impair_links: [0, \"lg:tx\"]"));
    const exp = await loadExperiment(w.file);
    const runs = planRuns(exp);
    expect(runs[0].params.impairLinks).toEqual([0, "lg:tx"]);
    expect(await unrunnableRuns(exp, runs, await defaultDeps(), createSys())).toEqual(new Map());
    const w2 = workDir(experiment("  link_rate: [1mbit]", "\n  impair_links: [7]"));
    const exp2 = await loadExperiment(w2.file);
    await expect(unrunnableRuns(exp2, planRuns(exp2), await defaultDeps(), createSys())).rejects.toMatchObject({ code: "EXPERIMENT_INVALID", message: expect.stringMatching(/impair_links.*no link 7/) });
  });
});

describe("runs this machine cannot run", () => {
  it("hynet plan marks them with the reason; hynet run refuses them up front, or records them as skipped with --skip-unrunnable", async () => {
    if (process.getuid?.() !== 0) throw new Error("this test creates network namespaces: run it as root");
    const netem = await qdiscPresence("netem");
    const w = workDir(experiment("  link_rate: [8mbit]\n  link_delay: [0ms, 1ms]"));
    const names = ["link_delay0ms-link_rate8mbit", "link_delay1ms-link_rate8mbit"];

    const plan = spawnSync(process.execPath, [CLI, "plan", w.file, "--reporter", "json"], { encoding: "utf8" });
    expect(plan.status).toBe(0);
    const lines = plan.stdout.trim().split("\n").map((l) => JSON.parse(l) as { kind: string; data: { name: string; unrunnable: string | null } });
    const marks = lines.filter((l) => l.kind === "plan.run").map((l) => [l.data.name, l.data.unrunnable]);
    if (netem === "no") {
      // 0ms is a delay too (netem's), so both runs need netem.
      expect(marks).toEqual(names.map((n) => [n, expect.stringMatching(/^link 0 \(h1:h1-eth0 → h2:h2-eth0\): this machine's kernel has no "netem" queueing discipline.*\(and 5 more\)$/)]));
    } else {
      expect(marks).toEqual(names.map((n) => [n, null]));
    }

    const exp = await loadExperiment(w.file);
    const deps = await defaultDeps();
    const events: unknown[] = [];
    const sys = createSys({ emit: (e) => events.push(e) });
    if (netem === "no") {
      await expect(runSeries(exp, { out: w.out, prefix: PREFIX }, sys, deps)).rejects.toMatchObject({
        code: "RUNS_UNRUNNABLE",
        message: expect.stringMatching(/^2 of the 2 runs cannot run on this machine — link_delay0ms-link_rate8mbit: link 0 .*netem/),
        hint: expect.stringMatching(/--skip-unrunnable/),
      });
      const r = await runSeries(exp, { out: w.out, prefix: PREFIX, skipUnrunnable: true }, sys, deps);
      expect(r).toMatchObject({ ok: 0, failed: 0, skipped: 2 });
      const rec = JSON.parse(readFileSync(path.join(w.out, names[1], "run.json"), "utf8")) as RunRecord;
      expect(rec).toMatchObject({ status: "skipped", error: { code: "RUN_UNRUNNABLE", message: expect.stringMatching(/netem/) }, params: { impair: { delayNs: 1e6, rateBps: 8e6 } } });
      const s = await openStore(w.out, sys, { readOnly: true });
      try {
        expect((await s.runs()).map((x) => [x.name, x.status])).toEqual(names.map((n) => [n, "skipped"]));
      } finally {
        s.close();
      }
    }
  }, 120_000);

  it("a link_rate run shapes the selected link: of the 13.4 Mbit/s offered, 8 Mbit/s cross h1 → h2", async () => {
    if (process.getuid?.() !== 0) throw new Error("this test creates network namespaces: run it as root");
    // Only the forwarding link: on lg's own link tbf would push back on the sender instead of dropping.
    const w = workDir(experiment("  link_rate: [8mbit, 1gbit]\n  link_queue: [50]", "\n  impair_links: [0]"));
    const sys = createSys();
    const r = await runSeries(await loadExperiment(w.file), { out: w.out, prefix: PREFIX }, sys, await defaultDeps());
    expect(r).toMatchObject({ ok: 2, failed: 0 });
    const s = await openStore(w.out, sys, { readOnly: true });
    try {
      const rows = await s.runs();
      const loss = Object.fromEntries(rows.map((x) => [x.name, x.loss_ratio!]));
      // 20 000 pps × 84 B = 13.44 Mbit/s offered; 8 Mbit/s delivered is 40.5 % lost.
      expect(loss["link_queue50-link_rate8mbit"]).toBeGreaterThan(0.37);
      expect(loss["link_queue50-link_rate8mbit"]).toBeLessThan(0.44);
      expect(loss["link_queue50-link_rate1gbit"]).toBeLessThan(0.01);
    } finally {
      s.close();
    }
  }, 120_000);
});
