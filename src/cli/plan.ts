/** `hynet plan experiment.yaml`: the runs of a series, without running them. */
import { machineOption, useMachineOption } from "./machine.js";
import type { CommandSpec } from "./spec.js";

export const planCommand: CommandSpec = {
  name: "plan",
  summary: "List the runs an experiment file describes, without running them",
  description:
    "Prints one line per run (the cross product of each loop block, in the order `hynet run` takes them) with its folder name, and an estimate of the series' duration. With --out, also says which runs that results folder already holds complete (skipped by `hynet run --resume`) or incomplete (redone).",
  args: [{ name: "experiment", description: "experiment file (YAML; see docs/experiment.md)", required: true }],
  options: [
    machineOption,
    { name: "out", type: "string", value: "DIR", description: "results folder to compare with (shows complete / incomplete runs)" },
    { name: "testbed", type: "string", value: "FILE", description: "also check this testbed file and say which machine plays which role (docs/testbed.md)" },
  ],
  examples: ["hynet plan examples/paper/experiment.yaml", "hynet plan examples/quick/experiment.yaml --out results/quick", "hynet plan examples/paper/experiment.yaml --testbed examples/testbed/paper.yaml"],
  async run(args, opts, { sys }) {
    useMachineOption(opts);
    const [{ loadExperiment }, { estimateRunSeconds }, { formatDuration }, { planStatus, checkSeries }, { unrunnableRuns }, { defaultDeps }] = await Promise.all([
      import("../experiment/file.js"),
      import("../experiment/plan.js"),
      import("../experiment/progress.js"),
      import("../experiment/runner.js"),
      import("../experiment/runnable.js"),
      import("../experiment/wiring.js"),
    ]);
    const exp = await loadExperiment(args[0]);
    if (typeof opts.testbed === "string") {
      const { loadTestbed, describeRoles } = await import("../testbed/index.js");
      for (const line of describeRoles(await loadTestbed(opts.testbed), exp)) sys.emit({ type: "result", scope: "plan", kind: "plan.role", line, data: null });
    }
    const statuses = await planStatus(exp, typeof opts.out === "string" ? opts.out : undefined);
    // The same checks as `hynet run`, before any line; a loop kind this build lacks is a warning
    // here (the plan of a series written for another machine is still worth reading), an error there.
    await checkSeries(
      exp,
      statuses.map((s) => s.run),
      await defaultDeps(),
      (e) => sys.emit({ type: "log", level: "warn", scope: "plan", message: `${e.file}:${e.line ?? "?"}: ${e.message} (${e.hint}); \`hynet run\` stops at it` }),
    );
    const cannot = await unrunnableRuns(exp, statuses.map((s) => s.run), await defaultDeps(), sys);
    const width = String(statuses.length).length;
    let seconds = 0;
    for (const { run, state } of statuses) {
      const unrunnable = cannot.get(run.name);
      if (state !== "complete" && !unrunnable) seconds += estimateRunSeconds(run.params);
      const tag = (opts.out ? `  [${state}]` : "") + (unrunnable ? `  [unrunnable: ${unrunnable}]` : "");
      sys.emit({ type: "result", scope: "plan", kind: "plan.run", line: `${String(run.index).padStart(width)}  ${run.name}${tag}`, data: { ...run, state, unrunnable: unrunnable ?? null } });
    }
    const done = statuses.filter((s) => s.state === "complete").length;
    const notHere = cannot.size ? `; ${cannot.size} cannot run on this machine (hynet run refuses them; --skip-unrunnable records them as skipped)` : "";
    sys.emit({
      type: "result",
      scope: "plan",
      kind: "plan.summary",
      line: `${statuses.length} runs${opts.out ? ` (${done} complete)` : ""}; about ${formatDuration(seconds)} to run${done ? " the rest" : ""} (warm-up + measurement + ~3 s per run)${notHere}`,
      data: { runs: statuses.length, complete: done, unrunnable: cannot.size, estimated_s: seconds },
    });
    return 0;
  },
};
