/**
 * The testbed runner: a series across the machines of a testbed file, by
 * the local runner's own code with its dependencies bound to the machines
 * (deps.ts), after a preflight of every role (preflight.ts).
 */
import { promises as fsp } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { Experiment } from "../experiment/file.js";
import type { RunnerDeps } from "../experiment/deps.js";
import type { SeriesOptions, SeriesResult } from "../experiment/runner.js";
import { runSeries } from "../experiment/runner.js";
import type { Sys } from "../sys/context.js";
import { prepareSshControl, removeSshControl, shq } from "../sys/ssh.js";
import { newSeriesId, openTestbed, testbedDeps, type TestbedSession } from "./deps.js";
import { hynetArgv, ROLES, type Testbed } from "./file.js";
import { preflight } from "./preflight.js";

export { loadTestbed, parseTestbed, type Testbed } from "./file.js";
export { preflight } from "./preflight.js";

async function withSession<T>(tb: Testbed, sys: Sys, f: (s: TestbedSession) => Promise<T>, o: { tidy?: boolean } = {}): Promise<T> {
  await prepareSshControl();
  const s = openTestbed(tb, sys, newSeriesId(sys.nowNs()), o);
  try {
    return await f(s);
  } finally {
    await s.close();
    await removeSshControl();
  }
}

/**
 * Run the series on the testbed. With --dry-run only the first run is
 * walked through (into a scratch folder), so that every remote command it
 * would run is printed once.
 */
export async function runOnTestbed(experiment: Experiment, tb: Testbed, o: SeriesOptions, sys: Sys, local: RunnerDeps): Promise<SeriesResult> {
  // The testbed's tools replace the experiment's (MoonGen where a local run uses the built-in generator); run.json records them.
  const exp = { ...experiment, loadgen: tb.roles.loadgen.kind ?? experiment.loadgen, timestamper: tb.roles.timestamper.kind ?? experiment.timestamper };
  return withSession(tb, sys, async (s) => {
    await preflight(s, exp, sys);
    const deps = testbedDeps(local, s, exp);
    if (sys.dryRun) {
      const scratch = await fsp.mkdtemp(path.join(os.tmpdir(), "hynet-dry-"));
      try {
        return await runSeries(exp, { ...o, out: scratch, limit: 1, requireRoot: false }, sys, { ...deps, evaluatePair: async () => undefined });
      } finally {
        await fsp.rm(scratch, { recursive: true, force: true });
      }
    }
    // Root is needed where the networks and taps are, not here (unless a role is this machine).
    return runSeries(exp, { ...o, requireRoot: ROLES.some((r) => tb.targets[r].local && r !== "evaluator") }, sys, deps);
  });
}

/** What `hynet clean --testbed` did on one machine. */
export interface TestbedCleanReport {
  machine: string;
  roles: string[];
  stopped: number;
  output: string;
}

/**
 * After a crash or kill -9 of the runner: stop the programs recorded in the
 * pid files on every machine, and remove the DuT's networks with `hynet clean`
 * there. Captures left in the work folders are kept.
 */
export async function cleanTestbed(tb: Testbed, sys: Sys, o: { force?: boolean } = {}): Promise<TestbedCleanReport[]> {
  return withSession(tb, sys, async (s) => {
    const seen = new Map<string, TestbedCleanReport>();
    for (const role of ROLES) {
      const remote = s.remotes[role];
      const key = `${remote.target.name}\0${remote.workDir}`;
      let rep = seen.get(key);
      if (!rep) {
        const pids = `${remote.workDir}/pids`;
        // kill -INT first: hynet's loadgen and capture stop cleanly on it and keep what they captured.
        const line = `n=0; for f in ${shq(pids)}/*.pid; do [ -e "$f" ] || continue; p=$(cat "$f"); if kill -INT "$p" 2>/dev/null; then n=$((n+1)); fi; rm -f "$f"; done; echo "stopped=$n"`;
        const r = await remote.sh(line, { timeoutMs: 30_000 });
        rep = { machine: remote.target.name, roles: [], stopped: Number(/stopped=(\d+)/.exec(r.stdout)?.[1] ?? 0), output: "" };
        seen.set(key, rep);
      }
      rep.roles.push(role);
      if (role === "dut") {
        if (rep.stopped) await sys.sleep(2000);
        const r = await remote.run([...hynetArgv(tb.roles.dut), "clean", ...(o.force ? ["--force"] : [])], { timeoutMs: 120_000 });
        rep.output = r.stdout.trim();
      }
    }
    return [...seen.values()];
  }, { tidy: false });
}

/** One line per role: which machine, how it is reached, what runs there. */
export function describeRoles(tb: Testbed, exp: Experiment): string[] {
  const what: Record<(typeof ROLES)[number], string> = {
    loadgen: `load generator ${tb.roles.loadgen.kind ?? exp.loadgen}`,
    dut: "the network (hynet up/down)",
    timestamper: `timestamper ${tb.roles.timestamper.kind ?? exp.timestamper}`,
    evaluator: "evaluation",
  };
  return ROLES.map((r) => {
    const t = tb.targets[r];
    return `${r}: ${t.local ? "this machine" : `${t.name} (${t.user ?? ""}@${t.address}:${t.port ?? 22})`}: ${what[r]}`;
  });
}
