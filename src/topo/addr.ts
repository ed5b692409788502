/** Addresses in the model: CIDR and MAC checks, subnet membership. Pure functions. */
import { isIPv4, isIPv6 } from "node:net";

export interface Cidr {
  ip: string;
  prefix: number;
  family: 4 | 6;
}

/** "10.0.3.100/24" → {ip, prefix, family}; undefined when it is not a valid address with prefix length. */
export function parseCidr(s: string): Cidr | undefined {
  const m = /^([^/\s]+)\/(\d{1,3})$/.exec(s);
  if (!m) return undefined;
  const prefix = Number(m[2]);
  if (isIPv4(m[1]) && prefix <= 32) return { ip: m[1], prefix, family: 4 };
  if (isIPv6(m[1]) && prefix <= 128) return { ip: m[1], prefix, family: 6 };
  return undefined;
}

export function ipFamily(ip: string): 4 | 6 | undefined {
  return isIPv4(ip) ? 4 : isIPv6(ip) ? 6 : undefined;
}

/** Unicast MAC in colon notation (a multicast MAC on an interface breaks ARP in confusing ways). */
export function isUnicastMac(mac: string): boolean {
  return /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/i.test(mac) && (parseInt(mac.slice(0, 2), 16) & 1) === 0;
}

function v4ToBig(ip: string): bigint {
  return ip.split(".").reduce((acc, p) => (acc << 8n) | BigInt(Number(p)), 0n);
}

function v6ToBig(ip: string): bigint {
  let s = ip;
  const v4tail = /(\d+\.\d+\.\d+\.\d+)$/.exec(s);
  if (v4tail) {
    const v = v4ToBig(v4tail[1]);
    s = s.slice(0, -v4tail[1].length) + `${(v >> 16n).toString(16)}:${(v & 0xffffn).toString(16)}`;
  }
  const [head, tail] = s.includes("::") ? s.split("::") : [s, undefined];
  const h = head ? head.split(":") : [];
  const t = tail !== undefined && tail !== "" ? tail.split(":") : [];
  const groups = tail === undefined ? h : [...h, ...Array(8 - h.length - t.length).fill("0"), ...t];
  return groups.reduce((acc, g) => (acc << 16n) | BigInt(parseInt(g || "0", 16)), 0n);
}

/** Is `ip` inside the subnet of `cidr` (an interface address with its prefix)? */
export function inSubnet(ip: string, cidr: Cidr): boolean {
  const fam = ipFamily(ip);
  if (fam !== cidr.family) return false;
  const bits = fam === 4 ? 32 : 128;
  const a = fam === 4 ? v4ToBig(ip) : v6ToBig(ip);
  const b = fam === 4 ? v4ToBig(cidr.ip) : v6ToBig(cidr.ip);
  const shift = BigInt(bits - cidr.prefix);
  return a >> shift === b >> shift;
}
