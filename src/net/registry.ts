/** The registry of node, link and switch kinds: one line per kind. */
import { UsageError } from "../errors.js";
import type { LinkKind, NodeKind, SwitchKind } from "./kinds.js";
import { namespaceKind } from "./nodes/namespace.js";
import { vmKind } from "./nodes/vm.js";
import { vmOptKind } from "./nodes/vm-opt.js";
import { vethKind } from "./links/veth.js";
import { hwpairKind } from "./links/hwpair.js";
import { bridgeKind } from "./switches/bridge.js";

export const nodeKinds: Record<string, NodeKind> = {
  namespace: namespaceKind,
  vm: vmKind,
  vm_opt: vmOptKind,
};

export const linkKinds: Record<string, LinkKind> = {
  veth: vethKind,
  hwpair: hwpairKind,
};

export const switchKinds: Record<string, SwitchKind> = {
  bridge: bridgeKind,
};

function pick<T>(table: Record<string, T>, what: string, name: string): T {
  const k = table[name];
  if (!k) throw new UsageError(`unknown ${what} kind "${name}"`, { hint: `known ${what} kinds: ${Object.keys(table).join(", ")}` });
  return k;
}

export const nodeKind = (name: string): NodeKind => pick(nodeKinds, "node", name);
export const linkKind = (name: string): LinkKind => pick(linkKinds, "link", name);
export const switchKind = (name: string): SwitchKind => pick(switchKinds, "switch", name);

/** The kind names, for the layers that check a file's kinds before anything is made. */
export function knownKinds(): { node: string[]; link: string[]; switch: string[] } {
  return { node: Object.keys(nodeKinds), link: Object.keys(linkKinds), switch: Object.keys(switchKinds) };
}
