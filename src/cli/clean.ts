/** `hynet clean`: remove what crashed or abandoned networks left behind, from the state files. */
import { machineOption, useMachineOption } from "./machine.js";
import type { CommandSpec } from "./spec.js";

export const cleanCommand: CommandSpec = {
  name: "clean",
  summary: "remove every namespace, link, bridge and process hynet recorded (after a crash, kill -9, or `hynet up`)",
  description:
    "Reads the state files ($HYNET_STATE_DIR, default /run/hynet) and removes exactly the resources recorded there, then the " +
    "state files. Nothing hynet did not record is touched. A network whose process is still running is skipped unless --force.",
  args: [],
  options: [
    machineOption,
    { name: "net", type: "string", value: "NAME", description: "only this network (prefix or topology name)" },
    { name: "force", type: "boolean", description: "also clean networks whose owning process is still running" },
    { name: "testbed", type: "string", value: "FILE", description: "clean the machines of a testbed instead (after a crash of `hynet run --testbed`): stop the load generators and timestampers left running, `hynet clean` on the DuT; captures are kept" },
  ],
  examples: ["hynet clean", "hynet clean --net hnk3x9", "hynet clean --dry-run", "hynet clean --testbed examples/testbed/paper.yaml"],
  async run(_args, opts, ctx) {
    useMachineOption(opts);
    if (typeof opts.testbed === "string") {
      const { loadTestbed, cleanTestbed } = await import("../testbed/index.js");
      for (const r of await cleanTestbed(await loadTestbed(opts.testbed), ctx.sys, { force: opts.force === true })) {
        const line = `${r.machine} (${r.roles.join(", ")}): stopped ${r.stopped} program${r.stopped === 1 ? "" : "s"}${r.output ? `; ${r.output.split("\n").join("; ")}` : ""}`;
        ctx.sys.emit({ type: "result", scope: "testbed", kind: "testbed.clean", line, data: r });
      }
      return 0;
    }
    const { clean, stateDir } = await import("../net/index.js");
    const reports = await clean(ctx.sys, { net: opts.net as string | undefined, force: opts.force === true });
    for (const r of reports) {
      const line = r.skipped
        ? `${r.net} (${r.name}): skipped, ${r.skipped}`
        : `${r.net} (${r.name}): removed ${r.removed.length ? r.removed.join(", ") : "nothing (already gone)"}`;
      ctx.sys.emit({ type: "result", scope: "net", kind: "net.clean", line, data: r });
    }
    if (reports.length === 0) ctx.sys.emit({ type: "result", scope: "net", kind: "net.clean", line: `nothing to clean in ${stateDir()}`, data: null });
    return 0;
  },
};
