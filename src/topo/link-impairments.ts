/**
 * Impairments laid over a loaded topology (loop variables, `hynet link set`).
 * Apart from impair.ts so that model.ts can name the impairment types
 * without a cycle.
 */
import { InputError } from "../errors.js";
import type { Impairment } from "./impair.js";
import type { LinkSpec, Topology } from "./model.js";

/**
 * The topology with `imp` laid over the impairments of the links `refs`
 * selects (all links when absent): a link index selects both directions,
 * `NODE:IFNAME` the direction leaving through that end. Keys of `imp`
 * replace the file's; the file's other keys stay.
 */
export function withLinkImpairments(t: Topology, imp: Impairment, refs?: (string | number)[]): Topology {
  const pick = (index: number, from: "a" | "b"): boolean => {
    if (!refs) return true;
    const l = t.links[index];
    return refs.some((r) => String(r) === String(index) || r === `${l[from].node}:${l[from].ifname}`);
  };
  for (const r of refs ?? []) {
    const ok = t.links.some((l, i) => String(r) === String(i) || r === `${l.a.node}:${l.a.ifname}` || r === `${l.b.node}:${l.b.ifname}`);
    if (!ok) throw new InputError("TOPO_UNKNOWN_LINK", `${t.name} has no link ${typeof r === "number" ? r : `end "${r}"`} (links are 0 to ${t.links.length - 1}, or NODE:IFNAME)`, { hint: "check globals.impair_links or the LINK of `hynet link set`" });
  }
  const links: LinkSpec[] = t.links.map((l, i) => {
    const aToB = pick(i, "a") ? { ...l.impair?.aToB, ...imp } : l.impair?.aToB;
    const bToA = pick(i, "b") ? { ...l.impair?.bToA, ...imp } : l.impair?.bToA;
    return { ...l, impair: { ...(aToB ? { aToB } : {}), ...(bToA ? { bToA } : {}) } };
  });
  return { ...t, links };
}
