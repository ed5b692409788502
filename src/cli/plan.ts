/** `hynet plan experiment.yaml`: the runs of a series, without running them. */
import { machineOption, useMachineOption } from "./machine.js";
import type { CommandSpec } from "./spec.js";

export const planCommand: CommandSpec = {
  name: "plan",
  summary: "List the runs an experiment file describes, without running them",
  description:
    "Prints one line per run (the cross product of each loop block, in the order `hynet run` takes them) with its folder name, and an estimate of the series' duration. With --out, also says which runs that results folder already holds complete (skipped by `hynet run --resume`) or incomplete (redone).",
  args: [{ name: "experiment", description: "experiment file (YAML; see docs/experiment.md)", required: true }],
  options: [machineOption, { name: "out", type: "string", value: "DIR", description: "results folder to compare with (shows complete / incomplete runs)" }],
  examples: ["hynet plan examples/paper/experiment.yaml", "hynet plan examples/quick/experiment.yaml --out results/quick"],
  async run(args, opts, { sys }) {
    useMachineOption(opts);
    const [{ loadExperiment }, { estimateRunSeconds }, { formatDuration }, { planStatus }] = await Promise.all([
      import("../experiment/file.js"),
      import("../experiment/plan.js"),
      import("../experiment/progress.js"),
      import("../experiment/runner.js"),
    ]);
    const exp = await loadExperiment(args[0]);
    const statuses = await planStatus(exp, typeof opts.out === "string" ? opts.out : undefined);
    const width = String(statuses.length).length;
    let seconds = 0;
    for (const { run, state } of statuses) {
      if (state !== "complete") seconds += estimateRunSeconds(run.params);
      const tag = opts.out ? `  [${state}]` : "";
      sys.emit({ type: "result", scope: "plan", kind: "plan.run", line: `${String(run.index).padStart(width)}  ${run.name}${tag}`, data: { ...run, state } });
    }
    const done = statuses.filter((s) => s.state === "complete").length;
    sys.emit({
      type: "result",
      scope: "plan",
      kind: "plan.summary",
      line: `${statuses.length} runs${opts.out ? ` (${done} complete)` : ""}; about ${formatDuration(seconds)} to run${done ? " the rest" : ""} (warm-up + measurement + ~3 s per run)`,
      data: { runs: statuses.length, complete: done, estimated_s: seconds },
    });
    return 0;
  },
};
