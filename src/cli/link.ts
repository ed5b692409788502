/** `hynet link set NET LINK KEY=VALUE…`: change a running network's link impairments. */
import { UsageError } from "../errors.js";
import type { CommandSpec } from "./spec.js";

export const linkCommand: CommandSpec = {
  name: "link",
  summary: "change a running network's link: delay, jitter, loss, rate, queue",
  description:
    "`hynet link set NET LINK KEY=VALUE…` gives a link of a running network (NET: its prefix or topology name, as `hynet show` prints) " +
    "new impairments, with the keys of a topology file's link params (docs/topology.md): delay, jitter, distribution, delay_correlation, " +
    "loss, loss_correlation, rate, queue. LINK is the link's index in the topology file (both directions) or one end NODE:IFNAME " +
    "(the direction leaving through it). The keys given replace what the direction had; `none` removes every impairment.",
  args: [
    { name: "action", description: "set", required: true },
    { name: "net", description: "the running network: prefix or topology name", required: true },
    { name: "link", description: "link index (both directions) or NODE:IFNAME (traffic leaving there)", required: true },
    { name: "settings", description: "KEY=VALUE… (delay=5ms loss=1% rate=100mbit …), or none", variadic: true },
  ],
  options: [],
  examples: ["hynet link set chain 0 delay=5ms jitter=1ms distribution=normal", "hynet link set hnk3x9 h1:h1-eth0 rate=100mbit queue=100", "hynet link set chain 2 none"],
  async run(args, _opts, ctx) {
    const [action, netName, ref, ...settings] = args;
    if (action !== "set") throw new UsageError(`unknown link action "${action}"`, { hint: "hynet link set NET LINK KEY=VALUE…" });
    if (settings.length === 0) throw new UsageError("no settings given", { hint: "e.g. `hynet link set NET 0 delay=5ms`, or `none` to remove the impairments" });
    const { Net } = await import("../net/index.js");
    const { describeImpairment, parseImpairmentAssignments } = await import("../topo/index.js");
    let imp;
    try {
      imp = settings.length === 1 && settings[0] === "none" ? undefined : parseImpairmentAssignments(settings);
    } catch (e) {
      throw new UsageError((e as Error).message, { hint: "keys as in a topology file's link params: docs/topology.md" });
    }
    const net = Net.attach(ctx.sys, { net: netName });
    const { index, from } = net.linkRef(ref);
    for (const f of from) await net.setImpairment(index, f, imp);
    const what = describeImpairment(imp ?? {});
    ctx.sys.emit({ type: "result", scope: "net", kind: "link.set", line: `${net.prefix} link ${ref}: ${what}`, data: { prefix: net.prefix, link: index, from, impairment: imp ?? null } });
    return 0;
  },
};
