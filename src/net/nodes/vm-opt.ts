/**
 * Node kind `vm_opt`: the seed's "optimized VM" — a `vm` guest whose kernel
 * command line asks for low, steady latency (OPT_CMDLINE, each flag in
 * docs/vm.md) and whose vCPU threads are always pinned to host cores
 * (the topology's cpu_pin, else round-robin over the online cores).
 */
import type { NodeKind } from "../kinds.js";
import { makeVmKind, OPT_CMDLINE } from "./vm.js";

export const vmOptKind: NodeKind = makeVmKind({ name: "vm_opt", cmdline: OPT_CMDLINE, autoPin: true });
