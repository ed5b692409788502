/** `hynet run experiment.yaml --out DIR`: the measurement series, end to end. */
import { UsageError } from "../errors.js";
import type { SeriesResult } from "../experiment/runner.js";
import type { Sys } from "../sys/index.js";
import type { Experiment } from "../experiment/file.js";
import { machineOption, useMachineOption } from "./machine.js";
import type { CommandSpec } from "./spec.js";
import * as path from "node:path";

/**
 * Writes `<out>/report/index.html` after a series that has at least one
 * completed run. A failed report does not spoil the results: the error is
 * returned so the caller can say where the results are first.
 */
export async function reportAfterSeries(result: SeriesResult, sys: Sys): Promise<{ index?: string; error?: unknown }> {
  if (result.aborted > 0 || result.ok === 0) return {};
  try {
    // Loaded here, not at start-up: the plotting libraries take about a second to load.
    const { writeReport } = await import("../report/index.js");
    const r = await writeReport(result.out, path.join(result.out, "report"), sys);
    return { index: r.index };
  } catch (error) {
    return { error };
  }
}

/** 0 all runs ok, 1 a run failed, 130 interrupted. */
export function seriesExitCode(r: SeriesResult): number {
  if (r.aborted > 0) return 130;
  return r.failed > 0 ? 1 : 0;
}

/** The experiment's `gate:` budgets against the series just run; the gate's exit code. */
async function runGateAfterSeries(exp: Experiment, out: string, sys: Sys): Promise<number> {
  const { loadGateSection, parseBudgets, runGate } = await import("../gate/index.js");
  const section = await loadGateSection(exp.file);
  const budgets = parseBudgets(section?.gate, {}, section?.source ?? { file: exp.file });
  return (await runGate(out, budgets, {}, sys)).exitCode;
}

export const runCommand: CommandSpec = {
  name: "run",
  summary: "Run a measurement series: every combination of the loop variables, network up, traffic, capture, network down, evaluation",
  description:
    "Each run writes into its own folder under --out, named from its loop variables (rate50000-linkveth-nodenamespace-burst1/), with the compressed captures, the evaluation (eval/), IRQ samples (irq/) and run.json; results.duckdb indexes all runs (`hynet results DIR`). An existing run folder is never overwritten: --resume skips completed runs and moves incomplete ones aside (RUN.incomplete-N) before redoing them. A failed run is recorded and the series goes on (--fail-fast stops). Ctrl-C tears the network down and marks the run aborted. Exit code: 0 all runs ok, 1 a run failed, 130 interrupted; with --gate the gate's code (0 pass, 1 a check failed, 2 could not evaluate).",
  args: [{ name: "experiment", description: "experiment file (YAML; see docs/experiment.md)", required: true }],
  options: [
    machineOption,
    { name: "out", short: "o", type: "string", value: "DIR", description: "results folder (created if needed)" },
    { name: "resume", type: "boolean", description: "skip runs that completed in DIR, redo the others (their folders are moved aside, never deleted)" },
    { name: "fail-fast", type: "boolean", description: "stop the series at the first failed run" },
    { name: "skip-unrunnable", type: "boolean", description: "run what this machine can and record the runs it cannot (`hynet plan` marks them) as skipped, instead of refusing the series" },
    { name: "gate", type: "boolean", description: "after the series, check the experiment's `gate:` budgets and exit with the gate's code" },
    { name: "prefix", type: "string", value: "NAME", description: "name prefix for the namespaces and links the runs create (default: the network core's)" },
    { name: "skip-report", type: "boolean", description: "do not write the HTML report (DIR/report/index.html) at the end" },
    { name: "testbed", type: "string", value: "FILE", description: "run on the machines of this testbed file over SSH (docs/testbed.md); with --dry-run, prints every remote command of the first run" },
  ],
  examples: [
    "hynet run examples/quick/experiment.yaml --out results/quick",
    "hynet run examples/paper/experiment.yaml --out results/paper --resume",
    "hynet run examples/paper/experiment.yaml --testbed examples/testbed/paper.yaml --out results/paper",
  ],
  async run(args, opts, { sys, signal }) {
    useMachineOption(opts);
    if (typeof opts.out !== "string" || !opts.out) throw new UsageError("--out DIR is required: the folder the series writes its results into");
    const [{ loadExperiment }, { runSeries }, { defaultDeps }] = await Promise.all([
      import("../experiment/file.js"),
      import("../experiment/runner.js"),
      import("../experiment/wiring.js"),
    ]);
    const exp = await loadExperiment(args[0]);
    const deps = await defaultDeps();
    const series = { out: opts.out, resume: opts.resume === true, failFast: opts.failFast === true, skipUnrunnable: opts.skipUnrunnable === true, prefix: typeof opts.prefix === "string" ? opts.prefix : undefined, signal };
    let result: SeriesResult;
    if (typeof opts.testbed === "string") {
      const { loadTestbed, runOnTestbed } = await import("../testbed/index.js");
      result = await runOnTestbed(exp, await loadTestbed(opts.testbed), series, sys, deps);
      if (sys.dryRun) return 0;
    } else result = await runSeries(exp, series, sys, deps);
    const code = seriesExitCode(result);
    if (!opts.skipReport) {
      const report = await reportAfterSeries(result, sys);
      if (report.index) sys.emit({ type: "result", scope: "run", kind: "run.report", line: `report: ${path.relative(process.cwd(), report.index) || report.index}`, data: { report: report.index } });
      if (report.error) throw report.error;
    }
    if (opts.gate && code !== 130) {
      const gateCode = await runGateAfterSeries(exp, result.out, sys);
      return code === 1 && gateCode === 0 ? 1 : gateCode;
    }
    return code;
  },
};
