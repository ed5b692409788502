import { describe, expect, it } from "vitest";
import { parseExperiment } from "../../src/experiment/file.js";
import { crossProduct, planRuns, runName } from "../../src/experiment/plan.js";
import { etaSeconds, formatDuration } from "../../src/experiment/progress.js";

describe("plan", () => {
  it("names runs in the seed's order: rate, link, node, burst, then the rest alphabetically", () => {
    expect(runName({ burst: 1, node: "namespace", rate: 50000, link: "veth" })).toBe("rate50000-linkveth-nodenamespace-burst1");
    expect(runName({ zeta: "a", repeat: 2, rate: 1, alpha: true })).toBe("rate1-alphatrue-repeat2-zetaa");
    expect(runName({ rate: 1e6 })).toBe("rate1000000");
  });

  it("takes the cross product with the first variable varying slowest", () => {
    expect(crossProduct({ a: [1, 2], b: ["x", "y", "z"] })).toEqual([
      { a: 1, b: "x" }, { a: 1, b: "y" }, { a: 1, b: "z" },
      { a: 2, b: "x" }, { a: 2, b: "y" }, { a: 2, b: "z" },
    ]);
  });

  it("concatenates loop blocks, drops duplicates, and resolves globals", () => {
    const e = parseExperiment(
      "topology: t.yaml\nglobals: {measurement_time: 2, warm_up_time: 1, flows: 4}\nloop:\n  - {rate: [50000, 100000], burst: [1]}\n  - {rate: [50000], burst: [1, 50], size: [128]}\n",
      "/x/exp.yaml",
    );
    const runs = planRuns(e);
    expect(runs.map((r) => r.name)).toEqual([
      "rate50000-burst1",
      "rate100000-burst1",
      "rate50000-burst1-size128",
      "rate50000-burst50-size128",
    ]);
    expect(runs.map((r) => r.index)).toEqual([1, 2, 3, 4]);
    expect(runs[3].params).toEqual({ topology: "/x/t.yaml", rate: 50000, burst: 50, node: "namespace", link: "veth", switch: "bridge", repeat: 0, flows: 4, size: 128, measurementTime: 2, warmUpTime: 1 });
    const dup = parseExperiment("topology: t.yaml\nloop:\n  - {rate: [1, 2]}\n  - {rate: [2, 3]}\n", "/x/exp.yaml");
    expect(planRuns(dup).map((r) => r.name)).toEqual(["rate1", "rate2", "rate3"]);
  });

  it("lets a loop variable choose among named topologies", () => {
    const e = parseExperiment("topology: a.yaml\ntopologies: {chain: c.yaml, star: s/star.yaml}\nloop: {rate: [1], topology: [chain, star]}\n", "/x/exp.yaml");
    expect(planRuns(e).map((r) => [r.name, r.params.topology])).toEqual([
      ["rate1-topologychain", "/x/c.yaml"],
      ["rate1-topologystar", "/x/s/star.yaml"],
    ]);
    const bad = parseExperiment("topology: a.yaml\nloop: {rate: [1], topology: [ring]}\n", "/x/exp.yaml");
    expect(() => planRuns(bad)).toThrow(/no topology named "ring"/);
  });

  it("says when no rate is given", () => {
    const e = parseExperiment("topology: t.yaml\nloop: {burst: [1]}\n", "/x/exp.yaml");
    expect(() => planRuns(e)).toThrow(/no packet rate/);
  });

  it("plans the paper's series: 6 rates × 3 nodes × 2 links × (1 + 3 bursts) = 144 runs", async () => {
    const { loadExperiment } = await import("../../src/experiment/file.js");
    const runs = planRuns(await loadExperiment("examples/paper/experiment.yaml"));
    expect(runs.length).toBe(144);
    expect(runs.map((r) => r.name)).toContain("rate50000-linkveth-nodenamespace-burst1");
    expect(runs.map((r) => r.name)).toContain("rate1000000-linkhwpair-nodevm_opt-burst200");
    expect(runs[0].params).toMatchObject({ measurementTime: 90, warmUpTime: 30, size: 84, flows: 10 });
  });

  it("estimates the time left", () => {
    // 3 s into a 10 s run, two more runs of 10 s and 20 s, finished runs had 2 s and 4 s overhead (mean 3 s):
    // (10 + 3 - 3) + (10 + 3) + (20 + 3) = 46
    expect(etaSeconds({ currentElapsed: 3, currentNominal: 10, remainingNominal: [10, 20], finishedOverheads: [2, 4], guessOverhead: 9 })).toBe(46);
    expect(etaSeconds({ currentElapsed: 0, currentNominal: 1, remainingNominal: [], finishedOverheads: [], guessOverhead: 3 })).toBe(4);
    expect(formatDuration(3725)).toBe("1:02:05");
    expect(formatDuration(65)).toBe("1:05");
  });
});
