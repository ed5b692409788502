/** `hynet up <topology.yaml>`: bring a network up and leave it running. */
import { DEFAULT_KINDS } from "../net/kinds.js";
// The kind registry is the source of truth for the names --help lists; it loads the kinds' code too.
import { nodeKinds, linkKinds, switchKinds, knownKinds } from "../net/registry.js";
import { PrivilegeError, UsageError } from "../errors.js";
import { machineOption, useMachineOption } from "./machine.js";
import type { CommandSpec } from "./spec.js";

/** Names to show on one line: all of a few, the first and last of many (`hynet show` lists them all). */
export const NAMES_SHOWN = 12;
export function nameList(noun: string, names: string[]): string {
  const plural = noun.endsWith("h") ? `${noun}es` : `${noun}s`;
  if (names.length <= NAMES_SHOWN) return `${plural} ${names.join(" ")}`;
  const head = names.slice(0, NAMES_SHOWN - 2).join(" ");
  return `${names.length} ${plural} ${head} … ${names.at(-1)} (hynet show lists them all)`;
}

export const upCommand: CommandSpec = {
  name: "up",
  summary: "bring a topology up (namespaces, links, bridges) and leave it running",
  description:
    "Creates every host, switch and link of the topology file with the chosen kinds, sets addresses, MACs, MTUs, routes, " +
    "neighbours and sysctls, records every resource in the state folder ($HYNET_STATE_DIR, default /run/hynet) and exits, " +
    "leaving the network running. `hynet exec` runs commands on its hosts, `hynet down` removes it, `hynet clean` removes " +
    "whatever a crash left. If the start fails or is interrupted, everything already made is removed. Needs root.",
  args: [{ name: "topology", description: "the topology file (YAML, see docs/topology.md)", required: true }],
  options: [
    machineOption,
    { name: "host-kind", type: "string", value: "K", default: DEFAULT_KINDS.host, description: `node kind for hosts (${Object.keys(nodeKinds).join(", ")})` },
    { name: "link-kind", type: "string", value: "K", default: DEFAULT_KINDS.link, description: `link kind (${Object.keys(linkKinds).join(", ")})` },
    { name: "switch-kind", type: "string", value: "K", default: DEFAULT_KINDS.switch, description: `switch kind (${Object.keys(switchKinds).join(", ")})` },
    { name: "prefix", type: "string", value: "P", description: "name prefix for everything this network makes (default: random hn????)" },
  ],
  examples: ["hynet up examples/paper/topology.yaml", "hynet up examples/paper/topology.yaml --host-kind vm --link-kind veth", "hynet up chain.yaml --dry-run"],
  async run(args, opts, ctx) {
    useMachineOption(opts);
    const flags = { "host-kind": [String(opts.hostKind), nodeKinds], "link-kind": [String(opts.linkKind), linkKinds], "switch-kind": [String(opts.switchKind), switchKinds] } as const;
    for (const [flag, [name, table]] of Object.entries(flags)) {
      if (!(name in table)) throw new UsageError(`--${flag}: unknown kind "${name}"`, { hint: `known: ${Object.keys(table).join(", ")}` });
    }
    const { loadTopology } = await import("../topo/index.js");
    const { Net } = await import("../net/index.js");
    const topo = await loadTopology(args[0], knownKinds());
    if (!ctx.sys.dryRun && !ctx.sys.isRoot()) throw new PrivilegeError("`hynet up` creates network namespaces and links");
    const net = new Net(
      topo,
      { host: String(opts.hostKind), link: String(opts.linkKind), switch: String(opts.switchKind) },
      ctx.sys,
      { prefix: opts.prefix as string | undefined },
    );
    await net.start(ctx.signal);
    net.detach();
    const hosts = topo.hosts.map((h) => h.name);
    const switches = topo.switches.map((s) => s.name);
    const line = ctx.sys.dryRun
      ? `dry run: nothing was made; without --dry-run, ${topo.name} would be up as ${net.prefix}: ${nameList("host", hosts)}${switches.length ? `; ${nameList("switch", switches)}` : ""}`
      : `${topo.name} is up as ${net.prefix}: ${nameList("host", hosts)}${switches.length ? `; ${nameList("switch", switches)}` : ""} (hynet exec <host> -- <cmd>; hynet down)`;
    ctx.sys.emit({
      type: "result",
      scope: "net",
      kind: "net.up",
      line,
      data: { prefix: net.prefix, name: topo.name, dryRun: ctx.sys.dryRun, hosts: net.hosts().map((h) => ({ name: h.name, kind: h.kind, netns: h.netns })) },
    });
    return 0;
  },
};
