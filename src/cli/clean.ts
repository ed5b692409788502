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
  ],
  examples: ["hynet clean", "hynet clean --net hnk3x9", "hynet clean --dry-run"],
  async run(_args, opts, ctx) {
    useMachineOption(opts);
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
