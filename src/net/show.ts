/** What `hynet show` reports: a running network's hosts, interfaces and their live addresses. */
import type { Sys } from "../sys/index.js";
import { CONCURRENCY, mapLimit } from "./ip.js";
import type { Net } from "./net.js";

export interface IntfDescription {
  ifname: string;
  /** Addresses as the kernel has them now (prefix included), or as declared when the node has no namespace. */
  addrs: string[];
  mac?: string;
  mtu?: number;
  state?: string;
}

export interface NodeDescription {
  name: string;
  kind: string;
  role?: string;
  netns?: string;
  interfaces: IntfDescription[];
  details?: Record<string, unknown>;
}

export interface NetDescription {
  prefix: string;
  name: string;
  file?: string;
  kinds: { host: string; link: string; switch?: string };
  hosts: NodeDescription[];
  switches: NodeDescription[];
  links: { a: string; b: string; kind: string }[];
}

interface AddrJson {
  ifname: string;
  address?: string;
  mtu?: number;
  operstate?: string;
  addr_info?: { local: string; prefixlen: number; scope?: string }[];
}

async function live(sys: Sys, netns: string): Promise<Map<string, IntfDescription>> {
  const r = await sys.run(["ip", "-n", netns, "-j", "addr", "show"], { check: false });
  const m = new Map<string, IntfDescription>();
  if (r.code !== 0 || !r.stdout.trim()) return m;
  for (const l of JSON.parse(r.stdout) as AddrJson[]) {
    m.set(l.ifname, {
      ifname: l.ifname,
      addrs: (l.addr_info ?? []).filter((a) => a.scope !== "link").map((a) => `${a.local}/${a.prefixlen}`),
      mac: l.address,
      mtu: l.mtu,
      state: l.operstate,
    });
  }
  return m;
}

export async function describeNet(net: Net, sys: Sys): Promise<NetDescription> {
  const roles = new Map(net.topology.hosts.map((h) => [h.name, h.role]));
  const nodes = [...net.hosts(), ...net.switches()];
  const described = await mapLimit(nodes, CONCURRENCY, async (n): Promise<NodeDescription> => {
    const now = n.netns && !sys.dryRun ? await live(sys, n.netns) : new Map<string, IntfDescription>();
    const interfaces = n.intfs().map((i) => now.get(i.ifname) ?? { ifname: i.ifname, addrs: i.addrs, ...(i.mac ? { mac: i.mac } : {}) });
    const info = n.describe();
    return { name: n.name, kind: n.kind, ...(roles.has(n.name) ? { role: roles.get(n.name) } : {}), ...(n.netns ? { netns: n.netns } : {}), interfaces, ...(info.details ? { details: info.details } : {}) };
  });
  return {
    prefix: net.prefix,
    name: net.topology.name,
    ...(net.topology.file ? { file: net.topology.file } : {}),
    kinds: net.kinds,
    hosts: described.slice(0, net.topology.hosts.length),
    switches: described.slice(net.topology.hosts.length),
    links: net.links().map((l) => ({ a: `${l.a.node}:${l.a.intf.ifname}`, b: `${l.b.node}:${l.b.intf.ifname}`, kind: l.kind })),
  };
}
