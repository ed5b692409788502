/**
 * `hynet example`: the README's first command. Runs the quick series
 * (examples/quick/experiment.yaml) into a fresh results folder, writes the
 * report, and says where both are.
 */
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { reportAfterSeries, seriesExitCode } from "./run.js";
import type { CommandSpec } from "./spec.js";

/** dist/cli/example.js and src/cli/example.ts are both two levels below the package root. */
export const QUICK_EXPERIMENT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../examples/quick/experiment.yaml");

function stamp(d: Date): string {
  const p = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}${p(d.getMonth() + 1)}${p(d.getDate())}-${p(d.getHours())}${p(d.getMinutes())}${p(d.getSeconds())}`;
}

/** `results/quick-<timestamp>`, with `-2`, `-3`, … if that exists already: never an existing folder. */
export async function freshResultsDir(base: string, now: Date): Promise<string> {
  const { exists } = await import("../sys/files.js");
  const first = path.join(base, `quick-${stamp(now)}`);
  if (!(await exists(first))) return first;
  for (let n = 2; ; n++) if (!(await exists(`${first}-${n}`))) return `${first}-${n}`;
}

export const exampleCommand: CommandSpec = {
  name: "example",
  summary: "Run the quick example series (namespaces + veth, a few minutes) into a fresh results folder and write its report",
  description:
    "Runs examples/quick/experiment.yaml (3 rates × 2 burst sizes on the paper's 7-host chain of namespaces) into ./results/quick-<timestamp>/ (never an existing folder), then writes the HTML report into its report/ folder. Needs root.",
  args: [],
  options: [
    { name: "out", short: "o", type: "string", value: "DIR", description: "results folder instead of ./results/quick-<timestamp>" },
    { name: "skip-report", type: "boolean", description: "do not write the report" },
  ],
  examples: ["sudo npx hynet example"],
  async run(_args, opts, { sys, signal }) {
    const out = typeof opts.out === "string" && opts.out ? opts.out : await freshResultsDir(path.resolve("results"), new Date());
    const [{ loadExperiment }, { runSeries }, { defaultDeps }] = await Promise.all([
      import("../experiment/file.js"),
      import("../experiment/runner.js"),
      import("../experiment/wiring.js"),
    ]);
    const exp = await loadExperiment(QUICK_EXPERIMENT);
    const result = await runSeries(exp, { out, signal }, sys, await defaultDeps());
    const code = seriesExitCode(result);
    // Say where the results are first: they are complete even if the report fails.
    const { index: reportAt, error: reportError } = opts.skipReport ? {} : await reportAfterSeries(result, sys);
    const rel = (p: string) => path.relative(process.cwd(), p) || ".";
    sys.emit({
      type: "result",
      scope: "example",
      kind: "example.done",
      line: `results: ${rel(result.out)}/  (hynet results ${rel(result.out)})${reportAt ? `\nreport:  ${rel(reportAt)}` : ""}`,
      data: { results: result.out, report: reportAt ?? null },
    });
    if (reportError) throw reportError;
    return code;
  },
};
