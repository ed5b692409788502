/**
 * A real degraded series caught against a real baseline (needs root; fails, never skips, without it).
 * The same tiny series runs twice through the runner on the paper's chain of namespaces: once as is
 * (the baseline), once with a tbf rate limit of 8 Mbit/s on h1's link to h2 — well below the 13.4 Mbit/s
 * that 20 kpps of 84-byte frames need, so packets queue (latency up) and overflow (loss up).
 * This machine has no netem, so a shaper stands in for the issue's "added delay".
 */
import { writeFileSync } from "node:fs";
import * as path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { loadExperiment } from "../../src/experiment/file.js";
import { runSeries } from "../../src/experiment/runner.js";
import { defaultDeps } from "../../src/experiment/wiring.js";
import type { NetLike, RunnerDeps } from "../../src/experiment/deps.js";
import { parseBudgets, runGate } from "../../src/gate/index.js";
import { createSys, type Sys } from "../../src/sys/index.js";
import { tmpDir } from "./fixture.js";

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), "../..");

function experiment(dir: string): string {
  const f = path.join(dir, "exp.yaml");
  writeFileSync(
    f,
    [
      `topology: ${path.join(root, "examples/paper/topology.yaml")}`,
      "globals: { measurement_time: 1, warm_up_time: 1, size: 84, flows: 10 }",
      "loop: { rate: [20000], repeat: [0, 1, 2] }",
      "capture: { compression: none, snaplen: 84 }",
      "traffic: { tx: lg:tx, pre: lg:tx, post: lg:rx, dst_mac: 3e:e5:a8:40:0d:00 }",
      "",
    ].join("\n"),
  );
  return f;
}

/** The runner's own dependencies, but every network gets a tbf shaper on h1's egress towards h2 once it is up. */
function shaped(deps: RunnerDeps): RunnerDeps {
  return {
    ...deps,
    createNet(topo, kinds, sys, opts) {
      const net = deps.createNet(topo, kinds, sys, opts);
      const wrapped: NetLike = {
        get prefix() {
          return net.prefix;
        },
        get: (n) => net.get(n),
        stop: () => net.stop(),
        async start(signal) {
          await net.start(signal);
          const ns = net.get("h1").netns!;
          const links = await sys.run(["ip", "-n", ns, "-o", "link", "show"]);
          // h1 has lo, its port from the load generator (h1-lg) and the link to h2.
          const toH2 = links.stdout
            .split("\n")
            .map((l) => /^\d+:\s+([^:@\s]+)/.exec(l)?.[1])
            .find((n) => n !== undefined && n !== "lo" && n !== "h1-lg");
          if (!toH2) throw new Error(`no link to h2 in ${ns}: ${links.stdout}`);
          const r = await sys.run(["ip", "netns", "exec", ns, "tc", "qdisc", "add", "dev", toH2, "root", "tbf", "rate", "8mbit", "burst", "16kb", "latency", "20ms"]);
          if (r.code !== 0) throw new Error(`tc tbf failed: ${r.stderr}`);
        },
      };
      return wrapped;
    },
  };
}

describe("a real degraded series against a real baseline", () => {
  let sys: Sys;
  let baseline: string;
  let degraded: string;
  const prefix = `gg${Math.random().toString(36).slice(2, 6).replace(/[^a-z0-9]/g, "a")}`;

  beforeAll(async () => {
    if (!createSys().isRoot()) throw new Error("this test needs root: it runs a series on network namespaces");
    sys = createSys();
    const dir = tmpDir("real");
    const exp = await loadExperiment(experiment(dir));
    const deps = await defaultDeps();
    baseline = path.join(dir, "baseline");
    degraded = path.join(dir, "degraded");
    const a = await runSeries(exp, { out: baseline, prefix }, sys, deps);
    expect(a.runs.map((r) => `${r.name}: ${r.status}${r.error ? ` ${r.error}` : ""}`)).toEqual(["rate20000-repeat0: ok", "rate20000-repeat1: ok", "rate20000-repeat2: ok"]);
    const b = await runSeries(exp, { out: degraded, prefix }, sys, shaped(deps));
    expect(b.runs.map((r) => `${r.name}: ${r.status}${r.error ? ` ${r.error}` : ""}`)).toEqual(["rate20000-repeat0: ok", "rate20000-repeat1: ok", "rate20000-repeat2: ok"]);
  }, 300_000);

  it("the gate catches the degraded series against the baseline, beyond run-to-run noise", async () => {
    const r = await runGate(degraded, parseBudgets(undefined, { baseline, compare: ["loss", "p50", "p99"] }), {}, sys);
    expect(r.exitCode).toBe(1);
    const by = Object.fromEntries(r.checks.map((c) => [c.metric, c]));
    expect(by.p50.run).toBe("rate20000");
    // Queueing behind an 8 Mbit/s shaper: the median is milliseconds, not the microseconds of the baseline.
    expect(by.p50.verdict).toBe("fail");
    expect(by.p50.stats!.currentMedian).toBeGreaterThan(1_000_000);
    expect(by.p50.stats!.baselineMedian).toBeLessThan(100_000);
    // Three runs each side, every degraded run worse than every baseline run: the exact p is 1/C(6,3).
    expect(by.p50.stats!.p).toBeCloseTo(0.05, 12);
    expect(by.loss.verdict).toBe("fail");
    expect(by.loss.stats!.currentMedian).toBeGreaterThan(0.01);
  });

  it("budgets pass the baseline and fail the degraded series; the reverse comparison (an improvement) passes", async () => {
    const budgets = parseBudgets(undefined, { max: ["p50=1ms", "loss=1%"] });
    expect((await runGate(baseline, budgets, {}, sys)).exitCode).toBe(0);
    const bad = await runGate(degraded, budgets, {}, sys);
    expect(bad.exitCode).toBe(1);
    expect(bad.counts.fail).toBe(6);
    const better = await runGate(baseline, parseBudgets(undefined, { baseline: degraded, compare: ["loss", "p50", "p99"] }), {}, sys);
    expect(better.checks.map((c) => c.verdict)).toEqual(["pass", "pass", "pass"]);
    expect(better.exitCode).toBe(0);
  });
});
