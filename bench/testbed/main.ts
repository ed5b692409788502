/**
 * bench/testbed: per-run overhead (everything but the warm-up pause and the
 * measurement, run.json's timings.overhead) of the testbed runner on the
 * namespace testbed (four namespaces with sshd, test/testbed/machines.ts)
 * against the local runner, on the same shortened quick series (one rate,
 * bursts 1 and 50, 1 s of traffic). Series alternate between the two so
 * both see the same machine load; the mean over all runs counts. One more
 * testbed series evaluates on the evaluator machine instead of here.
 *
 *   sudo npm run bench -- testbed [--reps 2] [--keep]
 *
 * --keep leaves the four machines up under /tmp/hynet-ns-testbed (for
 * examples/testbed/namespaces.yaml). Last line:
 * `testbed: <testbed s/run>; anchor <local s/run>; ratio <testbed / local>`.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { loadExperiment } from "../../src/experiment/file.js";
import { runSeries } from "../../src/experiment/runner.js";
import { defaultDeps } from "../../src/experiment/wiring.js";
import type { RunRecord } from "../../src/experiment/record.js";
import { createSys } from "../../src/sys/index.js";
import { loadTestbed, runOnTestbed } from "../../src/testbed/index.js";
import { createNsTestbed } from "../../test/testbed/machines.js";

const here = path.dirname(new URL(import.meta.url).pathname);
const root = path.resolve(here, "../..");
const { values } = parseArgs({ options: { reps: { type: "string", default: "2" }, keep: { type: "boolean", default: false } } });
const reps = Number(values.reps);

if (process.getuid?.() !== 0) {
  console.error("bench/testbed creates namespaces and runs sshd: run it as root");
  process.exit(1);
}
process.chdir(root);

const machinesDir = "/tmp/hynet-ns-testbed";
fs.rmSync(machinesDir, { recursive: true, force: true });
const tb = createNsTestbed(machinesDir, "hb", 249);
const work = fs.mkdtempSync(path.join(os.tmpdir(), "hynet-bench-testbed-"));
const expFile = path.join(work, "quick.yaml");
fs.writeFileSync(
  expFile,
  fs
    .readFileSync("examples/quick/experiment.yaml", "utf8")
    .replace("topology: ../paper/topology.yaml", `topology: ${path.join(root, "examples/paper/topology.yaml")}`)
    .replace(/measurement_time: \d+/, "measurement_time: 1")
    .replace("rate: [50000, 100000, 200000]", "rate: [50000]"),
);

const fmt = (x: number) => x.toFixed(2);
const mean = (a: number[]) => a.reduce((s, x) => s + x, 0) / a.length;

function overheads(out: string): { overhead: number[]; phases: Record<string, number[]> } {
  const o: number[] = [];
  const phases: Record<string, number[]> = {};
  for (const d of fs.readdirSync(out)) {
    const f = path.join(out, d, "run.json");
    if (!fs.existsSync(f)) continue;
    const r = JSON.parse(fs.readFileSync(f, "utf8")) as RunRecord;
    if (r.status !== "ok") throw new Error(`${d}: ${r.status} ${r.error?.message ?? ""}`);
    o.push(r.timings.overhead);
    for (const [k, v] of Object.entries(r.timings)) (phases[k] ??= []).push(v);
  }
  return { overhead: o, phases };
}

try {
  console.log(`load average before: ${os.loadavg().map((x) => x.toFixed(2)).join(" ")} on ${os.cpus().length} CPUs`);
  const exp = await loadExperiment(expFile);
  const deps = await defaultDeps();
  const fileLocalEval = await loadTestbed(tb.file({ evaluator: "local" }));
  const fileRemoteEval = await loadTestbed(tb.file({ evaluator: "remote" }));
  const local: number[] = [];
  const remote: number[] = [];
  let phases: Record<string, number[]> = {};
  for (let i = 0; i < reps; i++) {
    const lo = path.join(work, `local-${i}`);
    await runSeries(exp, { out: lo, prefix: `hbl${i}` }, createSys(), deps);
    const l = overheads(lo);
    local.push(...l.overhead);
    const to = path.join(work, `testbed-${i}`);
    await runOnTestbed(exp, fileLocalEval, { out: to }, createSys(), deps);
    const t = overheads(to);
    remote.push(...t.overhead);
    for (const [k, v] of Object.entries(t.phases)) (phases[k] ??= []).push(...v);
    console.log(`#${i + 1}: local ${l.overhead.map(fmt).join(", ")} s; testbed ${t.overhead.map(fmt).join(", ")} s overhead per run`);
  }
  console.log(`testbed phases (mean s): ${Object.entries(phases).map(([k, v]) => `${k} ${fmt(mean(v))}`).join(", ")}`);
  const ro = path.join(work, "testbed-remote-eval");
  await runOnTestbed(exp, fileRemoteEval, { out: ro }, createSys(), deps);
  phases = overheads(ro).phases;
  console.log(`testbed, evaluation on the evaluator machine: overhead ${fmt(mean(overheads(ro).overhead))} s per run (evaluate ${fmt(mean(phases.evaluate))} s)`);
  console.log(`load average after: ${os.loadavg().map((x) => x.toFixed(2)).join(" ")}`);
  const t = mean(remote);
  const l = mean(local);
  console.log(`testbed: ${fmt(t)} s per run; anchor ${fmt(l)} s per run (local runner); ratio ${(t / l).toFixed(2)}`);
} finally {
  fs.rmSync(work, { recursive: true, force: true });
  if (!values.keep) {
    tb.destroy();
    fs.rmSync(machinesDir, { recursive: true, force: true });
  } else console.log(`machines left up under ${machinesDir} (sshd pids ${Object.values(tb.machines).map((m) => m.sshd?.pid).join(" ")})`);
}
