/** `hynet gate`: a CI verdict (exit 0/1/2) from latency budgets and a baseline. */
import * as path from "node:path";
import type { CommandSpec } from "./spec.js";
import { METRICS } from "../gate/metrics.js";

function list(v: unknown): string[] | undefined {
  return Array.isArray(v) ? (v as string[]) : undefined;
}

export const gateCommand: CommandSpec = {
  name: "gate",
  summary: "check a results folder against latency budgets and a baseline; exit 0 pass, 1 fail, 2 could not evaluate",
  description:
    `Budgets come from --max/--min and from the gate: section of an experiment file (--experiment); flags override the file. ` +
    `Metrics: ${METRICS.map((m) => m.name).join(", ")}, or any percentile pN read from the percentiles table. ` +
    `Units: latency 800ns, 12us, 0.5ms; ratios 0.1% or 0.001; rates 500000, 500k, 0.5Mpps, or 99% of the requested rate. ` +
    `With --baseline, each combination of loop variables is compared with the earlier results; repeated runs are compared ` +
    `as distributions (one-sided Mann-Whitney U) so that differences within run-to-run noise pass. See docs/gate.md.`,
  args: [{ name: "results", description: "results folder written by `hynet run` (holds results.duckdb)", required: true }],
  options: [
    { name: "max", type: "list", value: "METRIC=VALUE", description: "upper limit for every run, e.g. p99.99=50us, loss=0.1% (repeatable)" },
    { name: "min", type: "list", value: "METRIC=VALUE", description: "lower limit for every run, e.g. rate=99% (of the requested rate) or rate=450k (repeatable)" },
    { name: "where", type: "list", value: "COND", description: "gate only runs matching node=vm_opt, rate>=500000, link=veth|hwpair (repeatable; all must hold)" },
    { name: "experiment", short: "e", type: "string", value: "FILE", description: "read budgets and baseline settings from this experiment file's gate: section (default: RESULTS/experiment.yaml, the copy `hynet run` keeps, if it exists)" },
    { name: "baseline", short: "b", type: "string", value: "DIR", description: "earlier results folder to compare with" },
    { name: "compare", type: "list", value: "METRICS", description: "metrics compared with the baseline (default loss,p50,p99,p99.9,p99.99,rate)" },
    { name: "tolerance", type: "list", value: "[METRIC=]PCT", description: "allowed relative worsening against the baseline: 10% for all metrics (default) or p99.99=20%" },
    { name: "abs-tolerance", type: "list", value: "METRIC=VALUE", description: "allowed absolute worsening, e.g. p50=1us, loss=0.01%; with a relative one the larger allowance counts" },
    { name: "alpha", type: "number", value: "P", description: "significance level of the noise test on repeated runs (default 0.05)" },
    { name: "allow-missing", type: "boolean", description: "runs only in the baseline are reported as skipped instead of 'could not evaluate'" },
    { name: "junit", type: "string", value: "FILE", description: "write JUnit XML (one test case per run x check)" },
    { name: "markdown", type: "string", value: "FILE", description: "write a Markdown summary (for a pull-request comment)" },
  ],
  examples: [
    "hynet gate results --max p99.99=50us --max loss=0.1% --junit gate.xml",
    "hynet gate results --min rate=99% --where node=vm_opt --where 'rate>=500000'",
    "hynet gate results --baseline results-main --tolerance 10% --abs-tolerance p50=1us --markdown gate.md",
    "hynet gate results -e examples/quick/experiment.yaml --junit gate.xml",
  ],
  async run(args, opts, { sys }) {
    const [{ exists }, { loadGateSection, parseBudgets, runGate }] = await Promise.all([import("../sys/files.js"), import("../gate/index.js")]);
    // Without --experiment, the copy of the experiment file that `hynet run` keeps in the results folder counts.
    let experiment = typeof opts.experiment === "string" ? opts.experiment : undefined;
    if (experiment === undefined && (await exists(path.join(args[0], "experiment.yaml")))) {
      experiment = path.join(args[0], "experiment.yaml");
    }
    const fromFile = experiment !== undefined ? await loadGateSection(experiment) : undefined;
    if (fromFile && typeof opts.experiment !== "string") {
      sys.emit({ type: "log", level: "info", scope: "gate", message: `budgets from ${experiment} (the experiment file's copy in the results folder)` });
    }
    const budgets = parseBudgets(
      fromFile?.gate,
      {
        max: list(opts.max),
        min: list(opts.min),
        where: list(opts.where),
        baseline: typeof opts.baseline === "string" ? opts.baseline : undefined,
        compare: list(opts.compare),
        tolerance: list(opts.tolerance),
        absTolerance: list(opts.absTolerance),
        alpha: typeof opts.alpha === "number" ? opts.alpha : undefined,
        allowMissing: opts.allowMissing === true ? true : undefined,
      },
      fromFile?.source,
    );
    const result = await runGate(
      args[0],
      budgets,
      { junit: typeof opts.junit === "string" ? opts.junit : undefined, markdown: typeof opts.markdown === "string" ? opts.markdown : undefined },
      sys,
    );
    return result.exitCode;
  },
};
