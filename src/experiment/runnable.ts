/**
 * Which runs of a plan this machine cannot run now, and why: a kind that
 * says so (QEMU missing, no SR-IOV NIC, …) or an impairment whose qdisc the
 * kernel lacks. Read-only probes, asked once per distinct network; `hynet
 * plan` shows the reasons, `hynet run` refuses such runs up front or, with
 * --skip-unrunnable, records them as skipped.
 */
import { HynetError, InputError } from "../errors.js";
import type { Sys } from "../sys/context.js";
import type { FidelityLike, NetLikeOptions, RunnerDeps, TopologyLike } from "./deps.js";
import type { Experiment } from "./file.js";
import type { PlannedRun } from "./plan.js";
import { exists } from "../sys/files.js";
import { createRunFolder, moveAside, writeRunRecord, type RunRecord } from "./record.js";

/** What the network core is asked to build for `run` beyond its topology and kinds. */
export function netOptions(run: PlannedRun, prefix?: string): NetLikeOptions {
  return { ...(prefix ? { prefix } : {}), ...(run.params.impair ? { impair: run.params.impair, impairLinks: run.params.impairLinks } : {}) };
}

/** Run name → why it cannot run here; runs that can are absent. */
export async function unrunnableRuns(exp: Experiment, runs: PlannedRun[], deps: RunnerDeps, sys: Sys, topos = new Map<string, TopologyLike>()): Promise<Map<string, string>> {
  const asked = new Map<string, Promise<string | undefined>>();
  const out = new Map<string, string>();
  for (const run of runs) {
    const p = run.params;
    const kinds = { host: p.node, link: p.link, switch: p.switch };
    const key = JSON.stringify([p.topology, kinds, p.impair ?? null, p.impairLinks ?? null]);
    if (!asked.has(key)) {
      asked.set(
        key,
        (async () => {
          let topo = topos.get(p.topology);
          if (!topo) topos.set(p.topology, (topo = await deps.loadTopology(p.topology)));
          try {
            return await deps.unavailable(topo, kinds, sys, netOptions(run));
          } catch (e) {
            // A kind that does not exist: `hynet run` refuses those before asking (checkExperiment); the plan shows it per run.
            if (e instanceof HynetError && e.code !== "TOPO_UNKNOWN_LINK") return e.message;
            // A selection in globals.impair_links that the topology does not have.
            throw new InputError("EXPERIMENT_INVALID", `field \`globals.impair_links\`: ${(e as Error).message}`, {
              file: exp.file,
              line: exp.lineOf?.(["globals", "impair_links"]),
              hint: "see docs/experiment.md",
            });
          }
        })(),
      );
    }
    const why = await asked.get(key)!;
    if (why) out.set(run.name, why);
  }
  return out;
}

/** The warning for guests whose vCPUs outnumber the host's cores (undefined when they fit). */
export function fidelityWarning(f: FidelityLike): string | undefined {
  if (!f.oversubscribed) return undefined;
  return `${f.guests} guest${f.guests === 1 ? "" : "s"} ask for ${f.guest_vcpus} vCPUs on ${f.host_cores} host cores (${f.accel.toUpperCase()}): they take turns on the cores, so the latencies measure that contention more than the network (docs/vm.md, "Fidelity")`;
}

/** Leave a run that cannot run here as a folder whose run.json says skipped and why (a resumed series on a capable machine redoes it). */
export async function recordSkippedRun(runDir: string, rec: Omit<RunRecord, "status" | "error" | "timings" | "started_at">, reason: string, sys: Sys): Promise<void> {
  if (await exists(runDir)) await moveAside(runDir);
  await createRunFolder(runDir);
  const now = new Date(Number(sys.nowNs() / 1_000_000n)).toISOString();
  await writeRunRecord(runDir, { ...rec, status: "skipped", error: { code: "RUN_UNRUNNABLE", message: reason }, timings: {}, started_at: now, finished_at: now });
}

/** One error for the runs `hynet run` refuses, each named with its reason. */
export function unrunnableError(exp: Experiment, total: number, cannot: Map<string, string>): InputError {
  const list = [...cannot].map(([name, why]) => `${name}: ${why}`);
  return new InputError("RUNS_UNRUNNABLE", `${cannot.size} of the ${total} runs cannot run on this machine — ${list.slice(0, 5).join("; ")}${list.length > 5 ? `; … ${list.length - 5} more` : ""}`, {
    file: exp.file,
    hint: "`hynet plan` lists them; add --skip-unrunnable to run the others and record these as skipped",
  });
}
