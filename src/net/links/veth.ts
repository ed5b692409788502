/**
 * Link kind `veth`: a veth pair whose two ends are created directly where
 * the nodes want them (`ip link add A netns X type veth peer name B netns Y`),
 * with MAC and MTU set at creation — no create-then-move, no rename.
 */
import type { Endpoint, LinkKind, LinkPlan, NetContext } from "../kinds.js";
import { ipBatch } from "../ip.js";

function endArgs(at: Endpoint): string {
  return [at.mac ? `address ${at.mac}` : "", at.mtu ? `mtu ${at.mtu}` : "", at.netns ? `netns ${at.netns}` : ""].filter(Boolean).join(" ");
}

export function vethAddLine(l: LinkPlan): string {
  const a = endArgs(l.a.at);
  const b = endArgs(l.b.at);
  return `link add name ${l.a.at.ifname}${a ? " " + a : ""} type veth peer name ${l.b.at.ifname}${b ? " " + b : ""}`;
}

/** The end cleanup should delete: one in the root namespace if there is one (deleting either end deletes the pair). */
function recordEnd(l: LinkPlan): Endpoint {
  if (l.a.at.netns === undefined) return l.a.at;
  if (l.b.at.netns === undefined) return l.b.at;
  return l.a.at;
}

export const vethKind: LinkKind = {
  name: "veth",

  async create(links: LinkPlan[], ctx: NetContext) {
    for (const l of links) {
      const e = recordEnd(l);
      await ctx.record({ type: "link", name: e.ifname, netns: e.netns });
    }
    await ipBatch(ctx.sys, links.map(vethAddLine));
  },

  // Ends inside namespaces go with their namespace (node/switch destroy); only pairs with an end in the root namespace are deleted here.
  async destroy(links: LinkPlan[], ctx: NetContext) {
    const rootEnds = links.flatMap((l) => (l.a.at.netns === undefined ? [l.a.at.ifname] : l.b.at.netns === undefined ? [l.b.at.ifname] : []));
    await ipBatch(ctx.sys, rootEnds.map((n) => `link del dev ${n}`), { force: true });
  },

  describe(l: LinkPlan) {
    return { a: l.a.at, b: l.b.at };
  },
};
