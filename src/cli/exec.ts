/** `hynet exec <host> -- <cmd…>`: run a command on a host of the running network. */
import { UsageError } from "../errors.js";
import type { CommandSpec } from "./spec.js";

export const execCommand: CommandSpec = {
  name: "exec",
  summary: "run a command on a host of a running network",
  description:
    "Runs the command after `--` on the host (inside its namespace, or in the guest for VM hosts), prints its output " +
    "and exits with its exit code. With several networks running, --net picks one by prefix or topology name.",
  args: [{ name: "host", description: "host name from the topology", required: true }],
  options: [{ name: "net", type: "string", value: "NAME", description: "the network (prefix or topology name) when several are running" }],
  examples: ["hynet exec h1 -- ip addr", "hynet exec lg -- ping -c 3 10.0.2.20", "hynet exec --net hnk3x9 h7 -- ip neigh"],
  async run(args, opts, ctx) {
    if (ctx.rest.length === 0) throw new UsageError("no command given", { hint: "put the command after --, e.g. `hynet exec h1 -- ip addr`" });
    const { Net } = await import("../net/index.js");
    const net = Net.attach(ctx.sys, { net: opts.net as string | undefined });
    const r = await net.get(args[0]).cmd(ctx.rest);
    process.stdout.write(r.stdout);
    process.stderr.write(r.stderr);
    return r.code;
  },
};
