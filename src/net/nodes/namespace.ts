/**
 * Node kind `namespace`: each host is a Linux network namespace named
 * `${prefix}-${host}` (as Mininet's Host, without a shell per host: hynet
 * runs `ip netns exec` per command instead of keeping 200 bash processes).
 */
import { isIPv6 } from "node:net";
import type { CmdOptions, CmdResult, Endpoint, IntfPlan, NetContext, NodeInfo, NodeKind, NodePlan } from "../kinds.js";
import { CONCURRENCY, ipBatch, mapLimit, setSysctls } from "../ip.js";
import { moveExternalsIn, moveExternalsOut } from "../external.js";

function addrLine(intf: IntfPlan, a: string): string {
  // IPv6 addresses skip duplicate address detection: the address works at once, and hynet made every address in the network.
  return `addr add ${a} dev ${intf.ifname}${isIPv6(a.split("/")[0]) ? " nodad" : ""}`;
}

/** The `ip -batch` lines that bring one host up once its interfaces exist. */
export function hostConfigLines(node: NodePlan): string[] {
  const lines = ["link set dev lo up"];
  for (const intf of node.intfs) {
    if (intf.external !== undefined) {
      const set = [intf.mac ? `address ${intf.mac}` : "", intf.mtu ? `mtu ${intf.mtu}` : ""].filter(Boolean).join(" ");
      if (set) lines.push(`link set dev ${intf.ifname} ${set}`);
    }
    lines.push(`link set dev ${intf.ifname} up`);
    for (const a of intf.addrs) lines.push(addrLine(intf, a));
  }
  for (const r of node.spec.routes) {
    // "default" means IPv4 to ip(8) unless the gateway says otherwise; batch lines cannot carry -6.
    const dst = r.dst === "default" && r.via && isIPv6(r.via) ? "::/0" : r.dst;
    const parts = [`route replace ${dst}`];
    if (r.via) parts.push(`via ${r.via}`);
    if (r.dev) parts.push(`dev ${r.dev}`);
    if (r.metric !== undefined) parts.push(`metric ${r.metric}`);
    lines.push(parts.join(" "));
  }
  for (const n of node.spec.neighbors) lines.push(`neigh replace ${n.ip} lladdr ${n.mac} dev ${n.dev} nud permanent`);
  return lines;
}

export const namespaceKind: NodeKind = {
  name: "namespace",

  async create(nodes, ctx) {
    for (const n of nodes) await ctx.record({ type: "netns", name: ctx.nsName(n.spec.name) });
    await ipBatch(
      ctx.sys,
      nodes.map((n) => `netns add ${ctx.nsName(n.spec.name)}`),
    );
  },

  endpoint(node: NodePlan, intf: IntfPlan, ctx: NetContext): Endpoint {
    return { netns: ctx.nsName(node.spec.name), ifname: intf.ifname, mac: intf.mac, mtu: intf.mtu };
  },

  async start(nodes, ctx) {
    await moveExternalsIn(nodes, ctx);
    // Sysctls first: they may change how addresses behave (e.g. disable_ipv6, accept_dad).
    await setSysctls(
      ctx.sys,
      nodes.map((n) => ({ netns: ctx.nsName(n.spec.name), sysctls: n.spec.sysctls })),
    );
    await mapLimit(nodes, CONCURRENCY, (n) => ipBatch(ctx.sys, hostConfigLines(n), { netns: ctx.nsName(n.spec.name) }));
  },

  async cmd(node: NodePlan, argv: string[], ctx: NetContext, opts: CmdOptions = {}): Promise<CmdResult> {
    const r = await ctx.sys.run(["ip", "netns", "exec", ctx.nsName(node.spec.name), ...argv], {
      check: false,
      timeoutMs: opts.timeoutMs,
      input: opts.input,
    });
    return { code: r.code, stdout: r.stdout, stderr: r.stderr };
  },

  async stop(nodes, ctx) {
    // A namespace with a process still inside outlives `ip netns del` (with its interfaces): end them first.
    const out = await ipBatch(
      ctx.sys,
      nodes.map((n) => `netns pids ${ctx.nsName(n.spec.name)}`),
      { force: true },
    );
    const pids = out.split(/\s+/).filter((p) => /^\d+$/.test(p) && Number(p) !== process.pid);
    if (pids.length) await ctx.sys.run(["kill", "-KILL", ...pids], { check: false });
  },

  async destroy(nodes, ctx) {
    await moveExternalsOut(nodes, ctx);
    await ipBatch(
      ctx.sys,
      nodes.map((n) => `netns del ${ctx.nsName(n.spec.name)}`),
      { force: true },
    );
  },

  describe(node: NodePlan, ctx: NetContext): NodeInfo {
    return { netns: ctx.nsName(node.spec.name) };
  },
};
