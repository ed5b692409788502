/**
 * The network model: plain typed data, no system calls. A `Topology` is what
 * the YAML loader and the `Topo` builder both produce, fully resolved (every
 * interface has its name, every neighbour its device), so the kinds that
 * bring it up never guess.
 */
import type { LinkImpairments } from "./impair.js";

/** A route in a host's main table. `dst` is a CIDR or "default". */
export interface RouteSpec {
  dst: string;
  via?: string;
  /** Interface the route leaves through; required when `via` is absent. */
  dev?: string;
  metric?: number;
}

/** A static neighbour (ARP / NDP) entry. */
export interface NeighborSpec {
  ip: string;
  mac: string;
  /** The host interface the entry belongs to (resolved from the addresses when the file leaves it out). */
  dev: string;
}

/** What is configured on one interface of a node. */
export interface InterfaceParams {
  /** Interface name inside the node (≤ 15 characters). */
  ifname: string;
  /** IPv4/IPv6 addresses with prefix length, e.g. "10.0.3.100/24", "fd00::1/64". */
  addrs: string[];
  mac?: string;
  mtu?: number;
}

/** An existing network device handed to a host (a NIC virtual function, a device made outside hynet). */
export interface ExternalInterfaceSpec extends InterfaceParams {
  /** The device's name where it lives now (root namespace). */
  dev: string;
}

/** Per-host parameters that VM kinds use; namespace hosts ignore them. */
export interface HostParams {
  cpus?: number;
  /** Host CPU cores the node's vCPUs are pinned to. */
  cpuPin?: number[];
  /** e.g. "4G", "512M". */
  memory?: string;
  /** Guest kernel command line. */
  cmdline?: string;
  /** Anything else a kind understands (passed through). */
  extra?: Record<string, unknown>;
}

export type HostRole = "host" | "loadgen";

export interface HostSpec {
  name: string;
  /** "loadgen": a host that stands for the load generator / timestamper side. */
  role: HostRole;
  /** Node kind for this host only (hybrid networks); the Net's default when absent. */
  kind?: string;
  params: HostParams;
  /** sysctl key → value, e.g. "net.ipv4.ip_forward": 1. A `*` component matches every entry (e.g. every interface). */
  sysctls: Record<string, string | number>;
  routes: RouteSpec[];
  neighbors: NeighborSpec[];
  /** External devices moved into this host. */
  interfaces: ExternalInterfaceSpec[];
}

export interface SwitchSpec {
  name: string;
  kind?: string;
  params: Record<string, unknown>;
}

/** One end of a link: which node, and how its interface is set up. */
export interface LinkEndSpec extends InterfaceParams {
  node: string;
}

export interface LinkSpec {
  a: LinkEndSpec;
  b: LinkEndSpec;
  /** Link kind for this link only; the Net's default when absent. */
  kind?: string;
  params: Record<string, unknown>;
  /** Delay, jitter, loss, rate, queue per direction; absent = an unimpaired link. */
  impair?: LinkImpairments;
}

export interface Topology {
  /** A label (file name without extension by default); not unique across running networks. */
  name: string;
  /** The file it came from, if any. */
  file?: string;
  hosts: HostSpec[];
  switches: SwitchSpec[];
  links: LinkSpec[];
}

/** Linux's limit for interface names (IFNAMSIZ - 1). */
export const IFNAME_MAX = 15;
