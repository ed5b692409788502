/**
 * The Mininet-style builder: addHost / addSwitch / addLink, then build()
 * checks everything (same rules and error codes as the YAML loader) and
 * returns the resolved Topology.
 *
 *   const t = new Topo("chain");
 *   t.addHost("h1", { sysctls: { "net.ipv4.ip_forward": 1 } });
 *   t.addHost("h2");
 *   t.addLink("h1", "h2", { a: { addrs: ["10.0.0.1/24"] }, b: { addrs: ["10.0.0.2/24"] } });
 *   const topology = t.build();
 */
import type { Topology } from "./model.js";
import type { LinkImpairments } from "./impair.js";
import { resolveTopology, TopoError, type RawEnd, type RawExternal, type RawHost, type RawLink, type RawNeighbor, type RawRoute, type RawSwitch } from "./resolve.js";

export type HostOptions = RawHost;
export type SwitchOptions = RawSwitch;
export interface LinkOptions {
  /** Interface parameters of the first / second end (Mininet's params1 / params2). */
  a?: Omit<RawEnd, "node">;
  b?: Omit<RawEnd, "node">;
  kind?: string;
  params?: Record<string, unknown>;
  /** Delay, loss, rate… per direction (docs/topology.md, "Link impairments"). */
  impair?: LinkImpairments;
}

/** What addHost/addSwitch/addLink return: the name, to pass on (as in Mininet). */
export type HostSpecRef = string;

export class Topo {
  private readonly hosts: [string, RawHost][] = [];
  private readonly switches: [string, RawSwitch][] = [];
  private readonly links: RawLink[] = [];
  private sysctlDefaults: Record<string, string | number> = {};

  constructor(readonly name = "network") {}

  private dup(name: string, section: "hosts" | "switches"): void {
    if (this.hosts.some(([n]) => n === name) || this.switches.some(([n]) => n === name)) {
      throw new TopoError("TOPO_DUPLICATE_NAME", [section, name], `"${name}" is already the name of a node`);
    }
  }

  addHost(name: string, opts: HostOptions = {}): string {
    this.dup(name, "hosts");
    this.hosts.push([name, { ...opts, routes: [...(opts.routes ?? [])], neighbors: [...(opts.neighbors ?? [])], interfaces: [...(opts.interfaces ?? [])] }]);
    return name;
  }

  addSwitch(name: string, opts: SwitchOptions = {}): string {
    this.dup(name, "switches");
    this.switches.push([name, { ...opts }]);
    return name;
  }

  /** Link node `a` to node `b`; returns the link's index. */
  addLink(a: string, b: string, opts: LinkOptions = {}): number {
    this.links.push({ a: { ...opts.a, node: a }, b: { ...opts.b, node: b }, kind: opts.kind, params: opts.params, ...(opts.impair ? { impair: opts.impair } : {}) });
    return this.links.length - 1;
  }

  private host(name: string): RawHost {
    const h = this.hosts.find(([n]) => n === name);
    if (!h) throw new TopoError("TOPO_UNKNOWN_NODE", ["hosts", name], `unknown host "${name}"`);
    return h[1];
  }

  addRoute(host: string, route: RawRoute): void {
    this.host(host).routes!.push(route);
  }

  addNeighbor(host: string, n: RawNeighbor): void {
    this.host(host).neighbors!.push(n);
  }

  /** Hand an existing device (a NIC virtual function…) to a host. */
  addInterface(host: string, x: RawExternal): void {
    this.host(host).interfaces!.push(x);
  }

  setSysctl(host: string, key: string, value: string | number): void {
    const h = this.host(host);
    h.sysctls = { ...(h.sysctls ?? {}), [key]: value };
  }

  /** Sysctls every host gets (a host's own value wins). */
  setDefaultSysctls(s: Record<string, string | number>): void {
    this.sysctlDefaults = { ...this.sysctlDefaults, ...s };
  }

  build(): Topology {
    return resolveTopology({ name: this.name, defaults: { sysctls: this.sysctlDefaults }, hosts: this.hosts, switches: this.switches, links: this.links });
  }
}
