/**
 * Link kind `hwpair`: each link is a pair of SR-IOV virtual functions, VF k
 * on both PFs of a cabled pair, tagged VLAN base+k by the PFs so each pair
 * is its own wire (as the seed's DuT). Which PFs, how many VFs and the VLAN
 * base come from the machine file (src/net/machine.ts). Each end's VF
 * netdev is moved to where the node wants it (a namespace host's namespace,
 * a VM host's namespace where the VM joins it to its tap) and renamed to the
 * topology's ifname, with its MAC and MTU, as a veth end would be.
 *
 * Everything is checked before anything changes (see allocate()), every
 * change is recorded with what was there before (VF count, VF settings,
 * the VF netdev's name/MAC/MTU), and destroy/clean restore it.
 */
import { UsageError } from "../../errors.js";
import type { Sys } from "../../sys/index.js";
import { listSriovPfs } from "../../sys/sriov.js";
import type { Endpoint, LinkKind, LinkPlan, NetContext, Resource } from "../kinds.js";
import { ipBatch } from "../ip.js";
import { restoreExternals } from "../external.js";
import { loadMachine, machineFile } from "../machine.js";
import { readVf, readVfSettings, setVf } from "../../sys/sriov.js";
import { allocate, bindVfio, checkPassthrough, provision, restoreSriov, sysfsRoot, vfNetdev } from "../sriov.js";
import type { VfPairSlot } from "../machine.js";

/**
 * Move VF netdevs to where the nodes want their ends, renamed, with their MAC and MTU: one
 * `ip -batch` for all moves and one per namespace for MAC/MTU (process starts dominate in the lab).
 */
async function placeEnds(ends: { dev: string; at: Endpoint }[], ctx: NetContext): Promise<void> {
  if (ends.length === 0) return;
  const r = ctx.sys.dryRun ? undefined : await ctx.sys.run(["ip", "-j", "link", "show"]);
  const now = new Map((r ? (JSON.parse(r.stdout || "[]") as { ifname: string; address?: string; mtu?: number }[]) : []).map((l) => [l.ifname, l]));
  const moves: string[] = [];
  const sets = new Map<string, string[]>();
  for (const { dev, at } of ends) {
    if (at.netns === undefined) throw new UsageError(`hwpair: the end ${at.ifname} would stay in the root namespace`, { hint: "hwpair ends go to namespace or VM hosts" });
    const cur = now.get(dev);
    await ctx.record({ type: "extern", dev, netns: at.netns, ifname: at.ifname, mac: cur?.address, mtu: cur?.mtu });
    // Down first: a VF's MAC cannot change while it is up, and the node brings it up.
    moves.push(`link set dev ${dev} down`, `link set dev ${dev} netns ${at.netns} name ${at.ifname}`);
    const set = [at.mac ? `address ${at.mac}` : "", at.mtu ? `mtu ${at.mtu}` : ""].filter(Boolean).join(" ");
    if (set) sets.set(at.netns, [...(sets.get(at.netns) ?? []), `link set dev ${at.ifname} ${set}`]);
  }
  await ipBatch(ctx.sys, moves);
  for (const [netns, lines] of sets) await ipBatch(ctx.sys, lines, { netns });
}

/** A VM host's end: the VF itself to the guest (vfio-pci). */
async function passEnd(s: VfPairSlot, side: "a" | "b", at: Endpoint, ctx: NetContext, root: string): Promise<void> {
  const pf = s.pair[side];
  // The PF gives the VF the guest NIC's MAC, so the guest finds and names it as it does a virtio NIC.
  const b = (await readVfSettings(ctx.sys, pf)).find((v) => v.vf === s.vf);
  await ctx.record({ type: "sriov-vf", pf, vf: s.vf, vlan: s.vlan, before: { mac: b?.mac, vlan: b?.vlan ?? 0, spoofchk: b?.spoofchk, trust: b?.trust } });
  await setVf(ctx.sys, pf, { vf: s.vf, mac: at.guestMac, vlan: s.vlan, spoofchk: false, trust: true });
  const bdf = ctx.sys.dryRun ? (readVf(pf, s.vf, root)?.bdf ?? `${pf}-vf${s.vf}`) : readVf(pf, s.vf, root)!.bdf;
  await bindVfio(ctx.sys, bdf, ctx, `${at.netns}/${at.ifname}`, root);
}

export const hwpairKind: LinkKind = {
  name: "hwpair",

  async unavailable(_sys: Sys) {
    const root = sysfsRoot();
    let m;
    try {
      m = await loadMachine();
    } catch (e) {
      return `no machine file (${machineFile()}): ${(e as Error).message.split("\n")[0]}`;
    }
    const have = new Set(listSriovPfs(root));
    const missing = m.pairs.flatMap((p) => [p.a, p.b]).filter((pf) => !have.has(pf));
    if (missing.length) return `PFs ${missing.join(", ")} of ${m.file} have no SR-IOV here`;
    return undefined;
  },

  async create(links: LinkPlan[], ctx: NetContext) {
    const root = sysfsRoot();
    const m = await loadMachine();
    const picked = allocate(m, links.length, ctx.sys, ctx.prefix, root);
    if (links.some((l) => l.a.at.guestMac || l.b.at.guestMac)) checkPassthrough(ctx.sys, root);
    await provision(m, picked, ctx, root);
    const ends = links.flatMap((l, i) => (["a", "b"] as const).map((side) => ({ s: picked[i], side, at: l[side].at })));
    for (const e of ends.filter((x) => x.at.guestMac)) await passEnd(e.s, e.side, e.at, ctx, root);
    await placeEnds(
      ends.filter((x) => !x.at.guestMac).map((e) => ({ dev: vfNetdev(e.s.pair[e.side], e.s.vf, ctx.sys, root), at: e.at })),
      ctx,
    );
  },

  // VF netdevs go back (name, MAC, MTU) before the VF settings and counts do, so nothing is left renamed.
  async destroy(_links: LinkPlan[], ctx: NetContext) {
    const recs = ctx.records();
    await restoreExternals(recs.filter((r): r is Extract<Resource, { type: "extern" }> => r.type === "extern"), ctx);
    await restoreSriov(recs, ctx.sys, sysfsRoot());
  },

  describe(l: LinkPlan) {
    return { a: l.a.at, b: l.b.at };
  },
};
