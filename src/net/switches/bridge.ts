/**
 * Switch kind `bridge`: a Linux bridge named after the switch, inside its own
 * namespace `${prefix}-${switch}` (so port names need no prefix and nothing
 * of the network lives in the root namespace). Like Mininet's LinuxBridge
 * without STP.
 */
import type { Endpoint, IntfPlan, NetContext, NodeInfo, SwitchKind, SwitchPlan } from "../kinds.js";
import { CONCURRENCY, ipBatch, mapLimit } from "../ip.js";

export const bridgeKind: SwitchKind = {
  name: "bridge",

  async create(switches, ctx) {
    for (const s of switches) await ctx.record({ type: "netns", name: ctx.nsName(s.spec.name) });
    await ipBatch(ctx.sys, switches.map((s) => `netns add ${ctx.nsName(s.spec.name)}`));
  },

  endpoint(sw: SwitchPlan, port: IntfPlan, ctx: NetContext): Endpoint {
    return { netns: ctx.nsName(sw.spec.name), ifname: port.ifname, mtu: port.mtu, mac: port.mac };
  },

  async start(switches, ctx) {
    await mapLimit(switches, CONCURRENCY, (s) =>
      ipBatch(
        ctx.sys,
        [
          `link add name ${s.spec.name} type bridge stp_state 0 forward_delay 0`,
          ...s.ports.flatMap((p) => [`link set dev ${p.ifname} master ${s.spec.name}`, `link set dev ${p.ifname} up`]),
          `link set dev ${s.spec.name} up`,
        ],
        { netns: ctx.nsName(s.spec.name) },
      ),
    );
  },

  async destroy(switches, ctx) {
    await ipBatch(ctx.sys, switches.map((s) => `netns del ${ctx.nsName(s.spec.name)}`), { force: true });
  },

  describe(sw: SwitchPlan, ctx: NetContext): NodeInfo {
    return { netns: ctx.nsName(sw.spec.name), details: { bridge: sw.spec.name } };
  },
};
