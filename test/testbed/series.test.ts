/**
 * The testbed runner end to end, for real, as root: four machines as network
 * namespaces each running Debian's sshd, keys made here; the quick series
 * (shortened) across them with the built-in backends, compared with the same
 * series run locally; an unreachable machine; a killed sshd mid-run, then
 * `hynet clean --testbed` and `--resume`; the dry run's remote commands.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { loadExperiment } from "../../src/experiment/file.js";
import { runSeries } from "../../src/experiment/runner.js";
import { defaultDeps } from "../../src/experiment/wiring.js";
import { openStore } from "../../src/experiment/store.js";
import type { RunRecord } from "../../src/experiment/record.js";
import { createSys, type Sys } from "../../src/sys/index.js";
import type { HynetEvent } from "../../src/events.js";
import { cleanTestbed, loadTestbed, runOnTestbed } from "../../src/testbed/index.js";
import { HynetError } from "../../src/errors.js";
import { createNsTestbed, type NsTestbed } from "./machines.js";

const TAG = `t${Math.random().toString(36).slice(2, 4).replace(/[^a-z0-9]/g, "x")}`;
const TOPOLOGY = path.resolve("examples/paper/topology.yaml");

/** The DuT's networks are named tb…; any that were not there before a test are leftovers. */
const dutNets = () => execFileSync("ip", ["netns", "list"], { encoding: "utf8" }).split("\n").map((l) => l.split(" ")[0]).filter((n) => n.startsWith("tb"));
let netsBefore: string[] = [];
const leftNets = () => dutNets().filter((n) => !netsBefore.includes(n));

/** examples/quick, shortened: one rate, both burst sizes, 1 s of traffic. */
function quick(measurement = 1): string {
  const q = readFileSync("examples/quick/experiment.yaml", "utf8")
    .replace("topology: ../paper/topology.yaml", `topology: ${TOPOLOGY}`)
    .replace(/measurement_time: \d+/, `measurement_time: ${measurement}`)
    .replace("rate: [50000, 100000, 200000]", "rate: [50000]");
  expect(q).toContain("rate: [50000]");
  return q;
}

let dir: string;
let tb: NsTestbed;

function collect(dryRun = false): { sys: Sys; events: HynetEvent[] } {
  const events: HynetEvent[] = [];
  return { sys: createSys({ dryRun, emit: (e) => events.push(e) }), events };
}

function tree(root: string): string[] {
  const out: string[] = [];
  const walk = (d: string, rel: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) walk(path.join(d, e.name), r);
      else out.push(r);
    }
  };
  walk(root, "");
  return out.filter((f) => !f.startsWith("irq/")).sort();
}

function record(out: string, run: string): RunRecord {
  return JSON.parse(readFileSync(path.join(out, run, "run.json"), "utf8")) as RunRecord;
}

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), "hynet-testbed-"));
  tb = createNsTestbed(path.join(dir, "m"), TAG, 250);
  netsBefore = dutNets();
  writeFileSync(path.join(dir, "quick.yaml"), quick());
  // One run of 3 s for the fault tests, at ordinary priority: a capture whose taps vanish must not starve the machine.
  writeFileSync(path.join(dir, "quick3.yaml"), quick(3).replace("burst: [1, 50]", "burst: [1]").replace("dst_mac: 3e:e5:a8:40:0d:00", "dst_mac: 3e:e5:a8:40:0d:00\n  realtime: false"));
});

afterAll(() => {
  tb?.destroy();
  const left = execFileSync("ip", ["netns", "list"], { encoding: "utf8" }).split("\n").filter((l) => l.startsWith(TAG));
  expect(left).toEqual([]);
});

describe("hynet run --testbed on four namespace machines over SSH", () => {
  it("runs the quick series across the machines and writes what a local run writes", { timeout: 300_000 }, async () => {
    const expFile = path.join(dir, "quick.yaml");
    const exp = await loadExperiment(expFile);
    const remoteOut = path.join(dir, "remote");
    const { sys, events } = collect();
    const r = await runOnTestbed(exp, await loadTestbed(tb.file()), { out: remoteOut, prefix: undefined }, sys, await defaultDeps());
    expect(r.runs.map((x) => [x.name, x.status])).toEqual([
      ["rate50000-linkveth-nodenamespace-burst1", "ok"],
      ["rate50000-linkveth-nodenamespace-burst50", "ok"],
    ]);
    const lines = events.flatMap((e) => (e.type === "result" ? [e.line] : []));
    expect(lines.filter((l) => l.startsWith("preflight ok   ") && l.includes(" reachable: ssh 10.250.")).length).toBe(4);
    expect(lines.some((l) => l.startsWith("preflight WARN dut@dut boot parameters:"))).toBe(true);
    // Every command went through ssh to the machines' addresses: nothing ran locally but the evaluation's zstd probe.
    const cmds = events.flatMap((e) => (e.type === "command" ? [e.argv] : []));
    const remoteCmds = cmds.filter((a) => a[0] === "ssh").map((a) => a[a.length - 1]);
    expect(remoteCmds.some((c) => / up \S+topology-0-topology\.yaml --host-kind namespace --link-kind veth/.test(c))).toBe(true);
    expect(remoteCmds.some((c) => / loadgen \S+:tx --kind builtin .*--warm-up-only/.test(c))).toBe(true);
    expect(remoteCmds.some((c) => / capture --kind builtin --pre \S+:tx --post \S+:rx/.test(c))).toBe(true);
    expect(remoteCmds.some((c) => / evaluate \S+latencies-pre-rate50000-linkveth-nodenamespace-burst1\.pcap\.zst --post/.test(c))).toBe(true);
    for (const run of r.runs) {
      const rec = record(remoteOut, run.name);
      expect(rec.status).toBe("ok");
      expect(rec.loadgen?.sent).toBe(50000);
      expect(rec.capture?.pre_frames).toBeGreaterThanOrEqual(50000);
      expect(rec.capture?.post_frames).toBeGreaterThanOrEqual(50000);
    }

    // The same series locally, for the structure to compare with.
    const localOut = path.join(dir, "local");
    const l = await runSeries(exp, { out: localOut, prefix: `${TAG}lc` }, collect().sys, await defaultDeps());
    expect(l.ok).toBe(2);
    expect(readdirSync(remoteOut).sort()).toEqual(readdirSync(localOut).sort());
    for (const run of r.runs) {
      expect(tree(path.join(remoteOut, run.name))).toEqual(tree(path.join(localOut, run.name)));
      const a = record(remoteOut, run.name);
      const b = record(localOut, run.name);
      expect(Object.keys(a).sort()).toEqual(Object.keys(b).sort());
      expect(Object.keys(a.timings).sort()).toEqual(Object.keys(b.timings).sort());
    }
    const db = await openStore(remoteOut, sys, { readOnly: true });
    try {
      const rows = await db.runs();
      expect(rows.map((x) => [x.name, x.status, x.rate, x.burst])).toEqual(r.runs.map((x) => [x.name, "ok", 50000, x.name.endsWith("burst1") ? 1 : 50]));
    } finally {
      db.close();
    }
    // Nothing left on the machines: no networks on the DuT, no pid files, no capture folders.
    expect(leftNets()).toEqual([]);
    const work = path.join(tb.dir, "work");
    for (const m of ["loadgen", "timestamper"]) expect(readdirSync(path.join(work, m, "pids"))).toEqual([]);
    expect(readdirSync(path.join(work, "timestamper")).filter((f) => f !== "pids")).toEqual([]);
  });

  it("stops before the first run with one FAIL line when a machine does not answer", async () => {
    const expFile = path.join(dir, "quick.yaml");
    const out = path.join(dir, "unreachable");
    const { sys, events } = collect();
    const err = await runOnTestbed(await loadExperiment(expFile), await loadTestbed(tb.file({ dutAddress: "10.250.9.2" })), { out }, sys, await defaultDeps()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HynetError);
    expect((err as HynetError).code).toBe("TESTBED_PREFLIGHT");
    const fails = events.flatMap((e) => (e.type === "result" && e.line.startsWith("preflight FAIL") ? [e.line] : []));
    expect(fails).toHaveLength(1);
    expect(fails[0]).toMatch(/^preflight FAIL dut@dut reachable: cannot reach dut \(10\.250\.9\.2\) over SSH: .*\(fix: check that sshd runs there/);
    expect(existsSync(out)).toBe(false);
  });

  it("marks the run failed when the timestamper's sshd dies mid-run; clean --testbed stops what is left; --resume completes the series", async () => {
    const expFile = path.join(dir, "quick3.yaml");
    const exp = await loadExperiment(expFile);
    const out = path.join(dir, "killed");
    const file = tb.file();
    let killed = false;
    const events: HynetEvent[] = [];
    const sys = createSys({
      emit: (e) => {
        events.push(e);
        if (!killed && e.type === "progress" && e.phase === "measure") {
          killed = true;
          tb.stopSshd("timestamper");
        }
      },
    });
    const r = await runOnTestbed(exp, await loadTestbed(file), { out }, sys, await defaultDeps());
    expect(killed).toBe(true);
    const first = record(out, r.runs[0].name);
    expect(first.status).toBe("failed");
    expect(first.error?.code).toBe("TESTBED_UNREACHABLE");
    expect(first.error?.message).toMatch(/^the timestamper on timestamper: the SSH connection broke/);
    // The DuT's network came down although the timestamper was gone.
    expect(leftNets()).toEqual([]);

    tb.startSshd("timestamper");
    const { sys: csys } = collect();
    const reports = await cleanTestbed(await loadTestbed(file), csys);
    expect(reports.map((x) => x.machine).sort()).toEqual(["dut", "evaluator", "loadgen", "timestamper"]);
    // The capture lost its connection: the end of its input stopped it (SIGINT), and its files are kept on the timestamper.
    const kept = readdirSync(path.join(tb.dir, "work", "timestamper"), { recursive: true }).map(String);
    expect(kept.some((f) => f.endsWith(`latencies-pre-${r.runs[0].name}.pcap`))).toBe(true);
    expect(kept.filter((f) => f.endsWith(".pid"))).toEqual([]);

    const again = await runOnTestbed(exp, await loadTestbed(file), { out, resume: true }, collect().sys, await defaultDeps());
    const byName = Object.fromEntries(again.runs.map((x) => [x.name, x.status]));
    expect(byName[r.runs[0].name]).toBe("ok");
    expect(again.failed).toBe(0);
    // The failed attempt was moved aside, not overwritten.
    expect(readdirSync(out).some((f) => f.startsWith(`${r.runs[0].name}.incomplete-`))).toBe(true);
  }, 300_000);

  it("Ctrl-C mid-run: the run is aborted, the remote programs stopped, the DuT down, the capture kept", async () => {
    const expFile = path.join(dir, "quick3.yaml");
    const out = path.join(dir, "aborted");
    const ac = new AbortController();
    const sys = createSys({
      emit: (e) => {
        if (e.type === "progress" && e.phase === "measure") ac.abort();
      },
    });
    const r = await runOnTestbed(await loadExperiment(expFile), await loadTestbed(tb.file()), { out, signal: ac.signal }, sys, await defaultDeps());
    expect([r.aborted, r.ok, r.failed]).toEqual([1, 0, 0]);
    const rec = record(out, r.runs[0].name);
    expect(rec.status).toBe("aborted");
    expect(rec.capture?.pre_frames).toBeGreaterThan(0);
    expect(existsSync(path.join(out, r.runs[0].name, rec.captures!.pre))).toBe(true);
    expect(leftNets()).toEqual([]);
    const work = path.join(tb.dir, "work");
    for (const m of ["loadgen", "timestamper"]) expect(readdirSync(path.join(work, m, "pids"))).toEqual([]);
  });

  it("--dry-run prints every remote command of the first run and runs nothing", async () => {
    const { sys, events } = collect(true);
    const before = dutNets();
    await runOnTestbed(await loadExperiment(path.join(dir, "quick.yaml")), await loadTestbed(tb.file()), { out: path.join(dir, "dry") }, sys, await defaultDeps());
    const cmds = events.flatMap((e) => (e.type === "command" && e.dryRun ? [e.argv.join(" ")] : []));
    for (const re of [/ up \S+ --host-kind namespace/, / loadgen .*--warm-up-only/, / loadgen .*--warm-up 0 /, / capture --kind builtin.*read -r _ <&3; kill -INT \$p/, /zstd -q -c -T0 -3 \S+latencies-pre-\S+\.pcap > \S+latencies-pre-\S+\.pcap\.zst$/, / down --net /]) {
      expect(cmds.some((c) => re.test(c))).toBe(true);
    }
    // Only the first run, and nothing was made.
    expect(cmds.filter((c) => / up /.test(c))).toHaveLength(1);
    expect(dutNets()).toEqual(before);
    expect(existsSync(path.join(dir, "dry"))).toBe(false);
  });
});
