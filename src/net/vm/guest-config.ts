/**
 * What a VM host's guest is told after it booted: NIC names, MTUs,
 * sysctls, addresses, routes and neighbours from the topology, as one sh
 * script run by the agent (one round trip per guest). Plain data in, text
 * out, so tests can read it. Addresses, routes and neighbours are the very
 * `ip -batch` lines namespace hosts get (hostConfigLines), so both kinds
 * configure a host the same way.
 */
import { createHash } from "node:crypto";
import type { NodePlan } from "../kinds.js";
import { hostConfigLines } from "../nodes/namespace.js";
import { shQuote } from "./agent.js";
import { sysctlPath } from "../../sys/proc.js";

/** A locally administered unicast MAC that is stable for (network, host, interface). */
export function guestMac(prefix: string, host: string, ifname: string): string {
  const h = createHash("sha256").update(`${prefix}/${host}/${ifname}`).digest();
  return ["52", "54", ...[h[0], h[1], h[2], h[3]].map((b) => b.toString(16).padStart(2, "0"))].join(":");
}

/** The MAC the guest NIC of an interface gets: the topology's, else a stable generated one. */
export function nicMac(prefix: string, node: NodePlan, i: number): string {
  const intf = node.intfs[i];
  return (intf.mac ?? guestMac(prefix, node.spec.name, intf.ifname)).toLowerCase();
}

export { sysctlPath } from "../../sys/proc.js";

export function guestConfigScript(node: NodePlan, macs: string[]): string {
  // iproute2's ip, not the busybox applet the shell would prefer: hynet's initramfs has it at /bin/ip, and a
  // guest switched into a user's root image keeps it at /run/hynet/bin/ip (the image's own ip may be a reduced one).
  const L: string[] = ["set -e", "IP=/bin/ip", "[ -x /run/hynet/bin/ip ] && IP=/run/hynet/bin/ip"];
  // Find each NIC by its MAC; rename in two steps so that names may be swapped (eth0 ↔ eth1).
  L.push(`byaddr() { for d in /sys/class/net/*; do [ "$(cat "$d/address")" = "$1" ] && { echo "\${d##*/}"; return 0; }; done; echo "no NIC with MAC $1" >&2; return 1; }`);
  node.intfs.forEach((_, i) => L.push(`n${i}=$(byaddr ${macs[i]})`, `"$IP" link set dev "$n${i}" name hynet-tmp${i}`));
  node.intfs.forEach((intf, i) => {
    L.push(`"$IP" link set dev hynet-tmp${i} name ${shQuote(intf.ifname)}`);
    if (intf.mtu) L.push(`"$IP" link set dev ${shQuote(intf.ifname)} mtu ${intf.mtu}`);
  });
  // Sysctls before addresses, as on namespace hosts (they can change how addresses behave).
  for (const [k, v] of Object.entries(node.spec.sysctls)) {
    const p = sysctlPath(k);
    const glob = p.split("/").map((c) => (c === "*" || c === "" ? c : shQuote(c))).join("/");
    L.push(`for f in ${glob}; do [ -e "$f" ] || { echo "no sysctl ${k}" >&2; exit 1; }; echo ${shQuote(String(v))} > "$f"; done`);
  }
  // A static entry stays valid only while its interface is up: hostConfigLines brings links up first.
  L.push("\"$IP\" -batch - <<'HYNET_EOF'", ...hostConfigLines({ ...node, intfs: node.intfs.map((i) => ({ ...i, external: undefined })) }), "HYNET_EOF");
  return L.join("\n") + "\n";
}
