/**
 * The kind interfaces: what a node kind (namespace, vm, vm_opt, …), a link
 * kind (veth, hwpair, …) and a switch kind (bridge, …) implement. Kinds are
 * plugins: one file implementing one of these, one line in registry.ts.
 *
 * Kinds keep NO state in memory between calls: everything a later call (or a
 * later process — `hynet exec` runs long after `hynet up` exited) needs must
 * follow from the plan and the context (prefix, workDir). Methods take whole
 * groups of nodes/links so a kind can batch (one `ip -batch` for 200
 * namespaces instead of 200 processes).
 *
 * Order in Net.start():
 *   node kinds  create(nodes)          namespaces, VM disks/sockets…
 *   switch kinds create(switches)
 *   link kinds  create(links)          each end made where endpoint() said
 *   node/switch attach(end)            optional: join an end to a tap/bridge
 *   switch kinds start(switches)
 *   node kinds  start(nodes)           addresses, routes, neighbours, sysctls; boot guests
 * Net.stop() (and a failing start) runs the reverse: node stop → switch/link/node destroy.
 */
import type { Sys } from "../sys/index.js";
import type { HostSpec, InterfaceParams, LinkSpec, SwitchSpec } from "../topo/model.js";

/**
 * Something hynet made, as recorded in the state file BEFORE it is made
 * (so a kill -9 between the two leaves nothing unrecorded). `hynet clean`
 * undoes exactly these; a record whose resource does not exist is skipped.
 */
export type Resource =
  /** A network namespace (/run/netns/NAME). Deleting it also deletes the interfaces inside. */
  | { type: "netns"; name: string }
  /** A network device hynet created; `netns` undefined = root namespace. Deleting one veth end deletes both. */
  | { type: "link"; name: string; netns?: string }
  /** A device hynet did NOT make but moved into a namespace: cleanup moves it back (name, MAC, MTU restored), never deletes it. */
  | { type: "extern"; dev: string; netns: string; ifname: string; mac?: string; mtu?: number }
  /** A background process (a guest, a helper). `start` is its start time as `ps -o lstart=` prints it, to never kill a reused PID. */
  | { type: "process"; pid: number; start: string; what: string }
  /** A file or folder hynet made (overlay disk, socket dir). Removed recursively. */
  | { type: "path"; path: string }
  /** A PF's VF count hynet changed (sysfs sriov_numvfs): cleanup sets `before` again. */
  | { type: "sriov-numvfs"; pf: string; before: number }
  /** Per-VF settings hynet changed on a PF (VLAN, spoofchk, trust, MAC): cleanup sets `before` again. Also marks the VF as taken. */
  | { type: "sriov-vf"; pf: string; vf: number; vlan: number; before: { mac?: string; vlan: number; spoofchk?: boolean; trust?: boolean } }
  /** A PCI device hynet rebound (e.g. a VF to vfio-pci): cleanup restores its driver_override and driver. */
  | { type: "pci-driver"; bdf: string; before?: string; overrideBefore: string; for?: string };

export interface CmdOptions {
  timeoutMs?: number;
  input?: string;
}

export interface CmdResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** What every kind gets: the system, the network's identity, and the state-file recorder. */
export interface NetContext {
  readonly sys: Sys;
  /** Per-network prefix, e.g. "hnk3x9": every namespace and root-namespace device name starts with it. */
  readonly prefix: string;
  /** A folder private to this network (sockets, overlay disks); removed on stop/clean. */
  readonly workDir: string;
  readonly signal?: AbortSignal;
  /** Append a resource to the state file. Call it BEFORE creating the resource. No-op in dry runs. */
  record(r: Resource): Promise<void>;
  /** Everything recorded for this network so far (read back from the state file in a later process). */
  records(): readonly Resource[];
  /** Name of the namespace that belongs to a node or switch of this network: `${prefix}-${name}`. */
  nsName(node: string): string;
}

/** One interface of a node as the node kind must set it up. */
export interface IntfPlan extends InterfaceParams {
  /** Index into topology.links when the interface is a link end. */
  link?: number;
  /** Set when the interface is an existing device moved in (ExternalInterfaceSpec.dev). */
  external?: string;
  /** The node and interface at the other end of the link. */
  peer?: { node: string; ifname: string };
}

/** Everything a node kind needs for one host. */
export interface NodePlan {
  spec: HostSpec;
  /** The node kind's name (registry key) that runs this host. */
  kind: string;
  intfs: IntfPlan[];
}

export interface SwitchPlan {
  spec: SwitchSpec;
  kind: string;
  /** One port per link end on this switch (addresses are ignored by bridges). */
  ports: IntfPlan[];
}

/**
 * Where the link kind must create one link end so that the node can use it:
 * a device named `ifname` in namespace `netns` (undefined = root namespace),
 * with `mac`/`mtu` set at creation when given. A namespace host answers with
 * its own namespace and the interface's name/MAC/MTU; a VM answers with a
 * host-side name (and no MAC: the MAC belongs to the guest NIC) and then
 * joins that device to its tap in attach().
 */
export interface Endpoint {
  netns?: string;
  ifname: string;
  mac?: string;
  mtu?: number;
  /**
   * Set by VM hosts: the MAC of the guest NIC for this interface. A link kind that can hand a
   * device straight to the guest (hwpair: a VF through vfio-pci) does so, records it as a
   * `pci-driver` resource `for` `${netns}/${ifname}`, and gives the device this MAC; the VM
   * then boots with the device instead of a tap, and attach() has nothing to join.
   */
  guestMac?: string;
}

/** Static facts about a running node, for `hynet show` and NodeHandle. */
export interface NodeInfo {
  /** The namespace that holds the node's interfaces (namespace hosts); undefined for VMs. */
  netns?: string;
  /** Anything else worth showing (VM pid, vCPU pinning, ssh/agent socket…). */
  details?: Record<string, unknown>;
}

export interface NodeKind {
  readonly name: string;
  /** Optional: why this machine cannot run this kind now (undefined = it can). Read-only probes. */
  unavailable?(sys: Sys): Promise<string | undefined>;
  /** Make the nodes (no interfaces configured yet). Record every resource first. */
  create(nodes: NodePlan[], ctx: NetContext): Promise<void>;
  /** Where a link end belonging to `intf` of `node` must be created. Pure: no system calls. */
  endpoint(node: NodePlan, intf: IntfPlan, ctx: NetContext): Endpoint;
  /** Optional: after the link kind made the end at `at`, join it to the node (tap, bridge). */
  attach?(node: NodePlan, intf: IntfPlan, at: Endpoint, ctx: NetContext): Promise<void>;
  /** Bring the nodes up: addresses, MAC, MTU, routes, neighbours, sysctls; boot guests. */
  start(nodes: NodePlan[], ctx: NetContext): Promise<void>;
  /** Run a program on the node and wait for it. Never throws for a non-zero exit. */
  cmd(node: NodePlan, argv: string[], ctx: NetContext, opts?: CmdOptions): Promise<CmdResult>;
  /** End what runs on the nodes (processes, guests). Must not fail when the nodes are half made. */
  stop(nodes: NodePlan[], ctx: NetContext): Promise<void>;
  /** Remove the nodes' resources. Must not fail when the nodes are half made or already gone. */
  destroy(nodes: NodePlan[], ctx: NetContext): Promise<void>;
  describe(node: NodePlan, ctx: NetContext): NodeInfo;
}

/** A link with both ends resolved to where they live. */
export interface LinkPlan {
  index: number;
  spec: LinkSpec;
  kind: string;
  a: { node: string; intf: IntfPlan; at: Endpoint };
  b: { node: string; intf: IntfPlan; at: Endpoint };
}

export interface LinkKind {
  readonly name: string;
  /** Optional: why this machine cannot run this kind now (undefined = it can). Read-only probes. */
  unavailable?(sys: Sys): Promise<string | undefined>;
  /** Create every link's two ends where `at` says. Record every resource first. */
  create(links: LinkPlan[], ctx: NetContext): Promise<void>;
  /** Remove the links. Must not fail when they are half made or already gone (e.g. removed with their namespace). */
  destroy(links: LinkPlan[], ctx: NetContext): Promise<void>;
  describe?(link: LinkPlan, ctx: NetContext): Record<string, unknown>;
}

export interface SwitchKind {
  readonly name: string;
  create(switches: SwitchPlan[], ctx: NetContext): Promise<void>;
  /** Where the link end for `port` must be created. Pure. */
  endpoint(sw: SwitchPlan, port: IntfPlan, ctx: NetContext): Endpoint;
  attach?(sw: SwitchPlan, port: IntfPlan, at: Endpoint, ctx: NetContext): Promise<void>;
  /** Join the ports and bring the switch up (runs after all links exist). */
  start(switches: SwitchPlan[], ctx: NetContext): Promise<void>;
  destroy(switches: SwitchPlan[], ctx: NetContext): Promise<void>;
  describe(sw: SwitchPlan, ctx: NetContext): NodeInfo;
}

/** The kinds a Net runs with, by registry name. */
export interface Kinds {
  host: string;
  link: string;
  switch?: string;
}

export const DEFAULT_KINDS: Kinds = { host: "namespace", link: "veth", switch: "bridge" };
