/** `hynet down`: take the running network down. */
import type { CommandSpec } from "./spec.js";

export const downCommand: CommandSpec = {
  name: "down",
  summary: "take a running network down and remove everything it made",
  description: "Stops the network `hynet up` left running (the only one, or the one --net names) and removes its namespaces, links and bridges.",
  args: [],
  options: [{ name: "net", type: "string", value: "NAME", description: "the network (prefix or topology name) when several are running" }],
  examples: ["hynet down", "hynet down --net hnk3x9"],
  async run(_args, opts, ctx) {
    const { Net } = await import("../net/index.js");
    const net = Net.attach(ctx.sys, { net: opts.net as string | undefined });
    await net.stop();
    ctx.sys.emit({ type: "result", scope: "net", kind: "net.down", line: `${net.prefix} (${net.topology.name}) is down`, data: { prefix: net.prefix, name: net.topology.name } });
    return 0;
  },
};
