/** `[NETNS:]IFACE` as the traffic commands take it. */
import { UsageError } from "../errors.js";

export interface Endpoint {
  iface: string;
  netns?: string;
}

/** Linux interface names: 1–15 bytes, no '/', no whitespace, no ':'. */
const IFACE = /^[^\s/:]{1,15}$/;

export function parseEndpoint(spec: string, what = "interface"): Endpoint {
  const i = spec.lastIndexOf(":");
  const netns = i >= 0 ? spec.slice(0, i) : undefined;
  const iface = i >= 0 ? spec.slice(i + 1) : spec;
  if (netns !== undefined && netns === "") throw new UsageError(`${what} "${spec}": empty namespace before ':'`, { hint: "write NETNS:IFACE or IFACE" });
  if (!IFACE.test(iface)) throw new UsageError(`${what} "${spec}": "${iface}" is not an interface name (1–15 characters, no '/', ':' or spaces)`);
  return netns === undefined ? { iface } : { iface, netns };
}

export function formatEndpoint(e: Endpoint): string {
  return e.netns ? `${e.netns}:${e.iface}` : e.iface;
}
