/** The runner's dependencies bound to hynet's own emulation core, load generators, timestampers and evaluator. */
import { evaluatePair } from "../evaluate/index.js";
import { Net, nodeKinds, linkKinds, switchKinds, knownKinds } from "../net/index.js";
import { loadgens } from "../traffic/registry.js";
import { timestampers } from "../capture/registry.js";
import { loadTopology, withLinkImpairments, type Topology } from "../topo/index.js";
import type { Sys } from "../sys/index.js";
import type { NetLikeOptions, RunnerDeps } from "./deps.js";

/** A Net for one run: the run's impairment variables laid over the topology's links. Makes nothing yet. */
function netOf(topo: Topology, kinds: Parameters<RunnerDeps["createNet"]>[1], sys: Sys, o: NetLikeOptions): Net {
  const t = o.impair ? withLinkImpairments(topo, o.impair, o.impairLinks) : topo;
  return new Net(t, kinds, sys, o.prefix ? { prefix: o.prefix } : {});
}

export async function defaultDeps(): Promise<RunnerDeps> {
  return {
    // Every kind a topology file names is checked against the registry as the file is read, at its line.
    loadTopology: (file) => loadTopology(file, knownKinds()),
    interfacesOf: (t) => {
      const topo = t as Topology;
      const out: Record<string, string[]> = Object.fromEntries(topo.hosts.map((h) => [h.name, h.interfaces.map((i) => i.ifname)]));
      for (const l of topo.links) for (const end of [l.a, l.b]) out[end.node]?.push(end.ifname);
      return out;
    },
    createNet: (topo, kinds, sys, opts) => netOf(topo as Topology, kinds, sys, opts),
    unavailable: (topo, kinds, sys, opts) => netOf(topo as Topology, kinds, sys, opts).unavailable(),
    nodeKinds: () => Object.keys(nodeKinds),
    linkKinds: () => Object.keys(linkKinds),
    switchKinds: () => Object.keys(switchKinds),
    loadgens,
    timestampers,
    evaluatePair: (pre, post, outDir, p, sys, signal) => evaluatePair(pre, post, outDir, p, sys, signal),
  };
}
