/**
 * The quick experiment (examples/quick/experiment.yaml) with `node: vm`,
 * scaled to one short run: the paper topology's chain hosts boot as QEMU
 * guests (256 MB, 1 vCPU each), the built-in load generator sends from lg's
 * tx port through the seven guests, the timestamper captures pre and post,
 * and the run is evaluated. Under TCG the guests forward slowly, so the
 * rate is low; what is checked is that test traffic crossed the guests and
 * the run completed with its files.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as fs from "node:fs";
import * as path from "node:path";
import { loadExperiment } from "../../src/experiment/file.js";
import { runSeries } from "../../src/experiment/runner.js";
import { defaultDeps } from "../../src/experiment/wiring.js";
import type { RunRecord } from "../../src/experiment/record.js";
import { ROOT, netnsWith, requireRoot, sweep, testSys, tmpDir, uniquePrefix } from "../net/helpers.js";
import { qemuPidsWith, requireQemu } from "./helpers.js";

const prefix = uniquePrefix();
const dir = tmpDir("vmexp");
const stateDir = path.join(dir, "state");

beforeAll(() => {
  requireRoot();
  requireQemu();
  process.env.HYNET_STATE_DIR = stateDir;
});

afterAll(async () => {
  delete process.env.HYNET_STATE_DIR;
  await sweep(stateDir, prefix);
  fs.rmSync(dir, { recursive: true, force: true });
});

describe("the quick experiment with node: vm", () => {
  it("runs, with test traffic crossing the seven guests", async () => {
    // The paper topology with lg kept a namespace (it is the load generator's side) and small guests.
    const topo = fs
      .readFileSync(path.join(ROOT, "examples/paper/topology.yaml"), "utf8")
      .replace("    role: loadgen\n", "    role: loadgen\n    kind: namespace\n")
      .replace(/cpus: 2,\s*cpu_pin: \[\d+, \d+\],\s*memory: 4G/g, "cpus: 1, memory: 256M")
      .replace(/ {4}cpus: 2\n {4}cpu_pin: \[\d+, \d+\]\n {4}memory: 4G\n/, "    cpus: 1\n    memory: 256M\n");
    expect(topo).not.toMatch(/4G/);
    fs.writeFileSync(path.join(dir, "topology.yaml"), topo);
    const quick = fs
      .readFileSync(path.join(ROOT, "examples/quick/experiment.yaml"), "utf8")
      .replace("topology: ../paper/topology.yaml", "topology: topology.yaml")
      .replace(/rate: \[[^\]]*\]/, "rate: [1000]")
      .replace(/node: \[[^\]]*\]/, "node: [vm]")
      .replace(/burst: \[[^\]]*\]/, "burst: [1]")
      .replace(/measurement_time: \d+/, "measurement_time: 3");
    expect(quick).toMatch(/node: \[vm\]/);
    fs.writeFileSync(path.join(dir, "experiment.yaml"), quick);

    const exp = await loadExperiment(path.join(dir, "experiment.yaml"));
    const out = path.join(dir, "results");
    const r = await runSeries(exp, { out, prefix }, testSys(), await defaultDeps());
    expect(r).toMatchObject({ ok: 1, failed: 0, aborted: 0 });
    const name = "rate1000-linkveth-nodevm-burst1";
    const rec = JSON.parse(fs.readFileSync(path.join(out, name, "run.json"), "utf8")) as RunRecord & { capture?: { post_frames?: number; pre_frames?: number } };
    expect(rec.status).toBe("ok");
    expect(rec.variables).toMatchObject({ node: "vm", rate: 1000 });
    const summary = JSON.parse(fs.readFileSync(path.join(out, name, "eval", `latencies-pre-${name}.pcap.zst.summary.json`), "utf8")) as { pre_records: number; matched: number };
    expect(summary.pre_records).toBeGreaterThan(1000);
    // Most test packets made it through seven TCG guests (a busy machine loses some).
    expect(summary.matched).toBeGreaterThan(summary.pre_records / 2);
    expect(netnsWith(prefix)).toEqual([]);
    expect(qemuPidsWith(stateDir)).toEqual([]);
  }, 600_000);
});
