/** The CI example must call `hynet gate` with flags that exist and budgets that parse. */
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { expect, it } from "vitest";
import { parse } from "yaml";
import { parseBudgets } from "../../src/gate/index.js";
import { gateCommand } from "../../src/cli/gate.js";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

it("examples/ci/github-actions.yml runs the quick experiment, gates it with valid flags and uploads the JUnit file", () => {
  const wf = parse(readFileSync(path.join(root, "examples/ci/github-actions.yml"), "utf8")) as {
    jobs: { latency: { "runs-on": string; steps: { name?: string; run?: string; uses?: string; with?: { path?: string } }[] } };
  };
  const steps = wf.jobs.latency.steps;
  expect(wf.jobs.latency["runs-on"]).toMatch(/^ubuntu/);
  expect(steps.some((s) => s.run?.includes("sudo") && s.run.includes("hynet.js run examples/quick/experiment.yaml"))).toBe(true);
  const gate = steps.find((s) => s.name === "Gate")!.run!;
  const flags = [...gate.matchAll(/--([a-z-]+)[ =]([^\s"\\)]+)/g)].map((m) => [m[1], m[2]] as const);
  const known = new Set(gateCommand.options.map((o) => o.name));
  for (const [f] of flags) expect(known.has(f), `--${f}`).toBe(true);
  const pick = (f: string) => flags.filter(([k]) => k === f).map(([, v]) => v);
  const b = parseBudgets(undefined, { max: pick("max"), min: pick("min"), absTolerance: pick("abs-tolerance"), baseline: "baseline" });
  expect(b.budgets.map((x) => `${x.bound} ${x.metric.name} ${x.limit.value}`)).toEqual(["max loss 0.01", "max p99 1000000", "min rate 0.95"]);
  expect(b.baseline.tolerance["p99.99"].absolute).toBe(2000);
  expect(pick("junit")).toEqual(["gate-junit.xml"]);
  const uploads = steps.filter((s) => s.uses?.startsWith("actions/upload-artifact")).map((s) => s.with?.path ?? "");
  expect(uploads.join("\n")).toMatch(/gate-junit\.xml/);
  expect(uploads.join("\n")).toMatch(/results\/quick\/report\//);
});
