/** `hynet show`: the running networks' hosts, interfaces and addresses. */
import type { NetDescription } from "../net/index.js";
import type { CommandSpec } from "./spec.js";

function text(d: NetDescription): string {
  const lines = [`${d.prefix}  ${d.name}${d.file ? `  (${d.file})` : ""}  hosts: ${d.kinds.host}, links: ${d.kinds.link}`];
  for (const n of [...d.hosts, ...d.switches]) {
    lines.push(`  ${n.name}  ${n.kind}${n.role && n.role !== "host" ? ` (${n.role})` : ""}${n.netns ? `  netns ${n.netns}` : ""}`);
    for (const i of n.interfaces) {
      lines.push(`    ${i.ifname.padEnd(15)} ${(i.state ?? "").padEnd(7)} ${(i.mac ?? "").padEnd(17)} ${i.mtu ?? ""}  ${i.addrs.join(" ")}`.trimEnd());
    }
  }
  return lines.join("\n");
}

export const showCommand: CommandSpec = {
  name: "show",
  summary: "show running networks: hosts, interfaces, addresses",
  args: [],
  options: [
    { name: "net", type: "string", value: "NAME", description: "only this network (prefix or topology name)" },
    { name: "json", type: "boolean", description: "print JSON (one array of networks) instead of text" },
  ],
  examples: ["hynet show", "hynet show --json", "hynet show --net hnk3x9"],
  async run(_args, opts, ctx) {
    const { describeNet, listStates, Net, ownerAliveOrDetached, stateDir } = await import("../net/index.js");
    const dir = stateDir();
    const want = opts.net as string | undefined;
    const mine = listStates(dir).filter((s) => !want || s.header.prefix === want || s.header.name === want);
    const nets = mine.filter((s) => s.started && ownerAliveOrDetached(s));
    // What `hynet clean` would remove: networks whose process died before it finished or took them down.
    const left = mine.filter((s) => !ownerAliveOrDetached(s)).map((s) => s.header.prefix);
    const described: NetDescription[] = [];
    for (const st of nets) described.push(await describeNet(Net.fromState(st, ctx.sys, dir), ctx.sys));
    if (opts.json === true) {
      process.stdout.write(JSON.stringify(described, null, 2) + "\n");
      return 0;
    }
    if (described.length === 0) process.stdout.write(`no running network in ${dir}\n`);
    else process.stdout.write(described.map(text).join("\n\n") + "\n");
    if (left.length) {
      process.stdout.write(`${left.length} network${left.length === 1 ? "" : "s"} left behind by a process that ended (${left.join(", ")}): \`hynet clean\` removes ${left.length === 1 ? "it" : "them"}\n`);
    }
    return 0;
  },
};
