/**
 * External interfaces: devices hynet did not make (NIC virtual functions,
 * devices made by hand) handed to a namespace host. They are moved in and,
 * on stop or clean, moved back with their old name, MAC and MTU — never
 * deleted (deleting a namespace would destroy a veth and rename nothing).
 */
import type { NetContext, NodePlan, Resource } from "./kinds.js";
import { ipBatch } from "./ip.js";
import { SystemError } from "../errors.js";

type Extern = Extract<Resource, { type: "extern" }>;

interface LinkJson {
  ifname: string;
  address?: string;
  mtu?: number;
}

export async function moveExternalsIn(nodes: NodePlan[], ctx: NetContext): Promise<void> {
  const moves = nodes.flatMap((n) => n.intfs.filter((i) => i.external !== undefined).map((i) => ({ n, i, dev: i.external! })));
  if (moves.length === 0) return;
  const found = new Map<string, LinkJson>();
  if (!ctx.sys.dryRun) {
    const r = await ctx.sys.run(["ip", "-j", "link", "show"]);
    for (const l of JSON.parse(r.stdout || "[]") as LinkJson[]) found.set(l.ifname, l);
  }
  for (const m of moves) {
    const cur = found.get(m.dev);
    if (!ctx.sys.dryRun && !cur) {
      throw new SystemError("NO_SUCH_DEVICE", `external interface "${m.dev}" of host ${m.n.spec.name} does not exist in the root namespace`, {
        hint: "`ip link` lists the devices; a device already in use by another network is not in the root namespace",
      });
    }
    await ctx.record({ type: "extern", dev: m.dev, netns: ctx.nsName(m.n.spec.name), ifname: m.i.ifname, mac: cur?.address, mtu: cur?.mtu });
  }
  await ipBatch(
    ctx.sys,
    moves.map((m) => `link set dev ${m.dev} netns ${ctx.nsName(m.n.spec.name)} name ${m.i.ifname}`),
  );
}

/** Hand external devices back to the root namespace as they were (errors ignored: some may be gone already). */
export async function restoreExternals(externs: Extern[], ctx: Pick<NetContext, "sys">): Promise<void> {
  const byNs = new Map<string, Extern[]>();
  for (const e of externs) byNs.set(e.netns, [...(byNs.get(e.netns) ?? []), e]);
  for (const [ns, es] of byNs) {
    // "netns 1": the namespace of PID 1, i.e. the root namespace, seen from inside `ns`.
    const lines = es.flatMap((e) => [`link set dev ${e.ifname} down`, `link set dev ${e.ifname} netns 1 name ${e.dev}`]);
    await ipBatch(ctx.sys, lines, { netns: ns, force: true });
  }
  const root = externs.flatMap((e) => {
    const set = [e.mac ? `address ${e.mac}` : "", e.mtu ? `mtu ${e.mtu}` : ""].filter(Boolean).join(" ");
    return set ? [`link set dev ${e.dev} ${set}`] : [];
  });
  await ipBatch(ctx.sys, root, { force: true });
}

export async function moveExternalsOut(nodes: NodePlan[], ctx: NetContext): Promise<void> {
  const mine = new Set(nodes.map((n) => ctx.nsName(n.spec.name)));
  const externs = ctx.records().filter((r): r is Extern => r.type === "extern" && mine.has(r.netns));
  if (externs.length) await restoreExternals(externs, ctx);
}
