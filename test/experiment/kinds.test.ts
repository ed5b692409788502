/**
 * `hynet plan` (and `hynet run`, which shares checkSeries) reject every unknown
 * kind before the first line or run: in the loop, in globals.switch and in
 * every topology file the series uses, each at its file:line (issues 13 and 17).
 */
import { describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { knownKinds } from "../../src/net/registry.js";

const KNOWN = knownKinds();

const TOPO = `hosts:
  lg: { role: loadgen }
  h1: {}
links:
  - { a: { node: lg, ifname: tx }, b: h1 }
  - { a: h1, b: { node: lg, ifname: rx } }
`;

function hynet(command: "plan" | "run", exp: string, topologies: Record<string, string> = { "t.yaml": TOPO }) {
  const dir = mkdtempSync(path.join(tmpdir(), "hynet-plan-"));
  for (const [f, t] of Object.entries(topologies)) writeFileSync(path.join(dir, f), t);
  const file = path.join(dir, "exp.yaml");
  writeFileSync(file, exp);
  const args = command === "run" ? ["run", file, "--out", path.join(dir, "results")] : ["plan", file];
  const r = spawnSync(process.execPath, ["bin/hynet.js", ...args], { encoding: "utf8", timeout: 30_000 });
  return { ...r, dir, file };
}
const plan = (exp: string, topologies?: Record<string, string>) => hynet("plan", exp, topologies);

const TRAFFIC = 'traffic: { tx: "lg:tx", pre: "lg:tx", post: "lg:rx" }\n';

describe("plan checks every kind before printing the plan", () => {
  it("a valid series plans", () => {
    const r = plan(`topology: t.yaml\nloop:\n  rate: [1000, 2000]\n${TRAFFIC}`);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
  });

  const BANANAS = `topology: t.yaml\nloop:\n  rate: [1000]\n  node:\n    - namespace\n    - bananas\n${TRAFFIC}`;

  it("a loop's node kind, at its line: run stops before anything, plan lists the runs and warns", () => {
    const run = hynet("run", BANANAS);
    expect(run.stderr.trim()).toBe(`hynet: error[EXPERIMENT_UNKNOWN_KIND] ${run.file}:6: \`loop.node\`: unknown node kind "bananas" (hint: known: ${KNOWN.node.join(", ")})`);
    expect(run.status).toBe(1);
    const r = plan(BANANAS);
    expect(r.stdout).toMatch(/^ *1 {2}rate1000-nodenamespace\n *2 {2}rate1000-nodebananas {2}\[unrunnable: unknown node kind "bananas"\]\n/);
    expect(r.stderr.trim()).toBe(`warning: plan: ${r.file}:6: \`loop.node\`: unknown node kind "bananas" (known: ${KNOWN.node.join(", ")}); \`hynet run\` stops at it`);
    expect(r.status).toBe(0);
  });

  it("globals.switch", () => {
    const r = plan(`topology: t.yaml\nglobals:\n  switch: hub\nloop:\n  rate: [1000]\n${TRAFFIC}`);
    expect(r.stderr.trim()).toBe(`hynet: error[EXPERIMENT_UNKNOWN_KIND] ${r.file}:3: \`globals.switch\`: unknown switch kind "hub" (hint: known: ${KNOWN.switch.join(", ")})`);
  });

  it("a kind inside a second topology file the loop chooses", () => {
    const bad = TOPO.replace("h1: {}", "h1:\n    kind: bananas");
    const r = plan(`topology: t.yaml\ntopologies: { good: t.yaml, bad: bad.yaml }\nloop:\n  rate: [1000]\n  topology: [good, bad]\n${TRAFFIC}`, { "t.yaml": TOPO, "bad.yaml": bad });
    expect(r.stdout).toBe("");
    expect(r.stderr.trim()).toBe(
      `hynet: error[TOPO_UNKNOWN_KIND] ${path.join(r.dir, "bad.yaml")}:4: hosts.h1.kind: unknown node kind "bananas" (hint: known node kinds: ${KNOWN.node.join(", ")})`,
    );
    expect(r.status).toBe(1);
  });

  it("a traffic endpoint the topology lacks, at its line", () => {
    const r = plan(`topology: t.yaml\nloop:\n  rate: [1000]\ntraffic:\n  tx: lg:tx\n  pre: lg:tx\n  post: lg:rx9\n`);
    expect(r.stderr.trim()).toBe(`hynet: error[EXPERIMENT_BAD_ENDPOINT] ${r.file}:7: \`traffic.post\`: host lg of t.yaml has no interface "rx9" (hint: lg's interfaces: tx, rx)`);
  });

  it("a loop topology name that is not under topologies:, at its line", () => {
    const r = plan(`topology: t.yaml\ntopologies: { good: t.yaml }\nloop:\n  rate: [1000]\n  topology:\n    - good\n    - gone\n${TRAFFIC}`);
    expect(r.stderr.trim()).toMatch(new RegExp(`^hynet: error\\[EXPERIMENT_UNKNOWN_TOPOLOGY\\] ${r.file.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}:7: `));
  });
});
