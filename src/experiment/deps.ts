/**
 * What the runner needs from the other parts (emulation core, load
 * generators, timestampers, evaluator). `defaultDeps`
 * (src/experiment/wiring.ts) binds them to hynet's own modules; a remote
 * runner could bind them to something else.
 */
import type { Sys } from "../sys/context.js";
import type { LoadGenerator } from "../traffic/loadgen.js";
import type { CaptureResult, Timestamper } from "../capture/timestamper.js";
import type { EvalParams } from "../evaluate/params.js";
import type { Impairment } from "../topo/impair.js";

export interface NodeLike {
  name: string;
  kind: string;
  netns?: string;
  intf(name: string): { name: string; ifname: string; netns?: string };
}

export interface NetLike {
  start(signal?: AbortSignal): Promise<void>;
  stop(): Promise<void>;
  get(name: string): NodeLike;
  readonly prefix: string;
  /** Accelerator, host cores and guest vCPUs when the network has VM guests (run.json's `fidelity`). */
  fidelity?(): FidelityLike | undefined;
}

export interface FidelityLike {
  accel: string;
  host_cores: number;
  guest_vcpus: number;
  guests: number;
  oversubscribed: boolean;
}

/** The runner drives load generators, timestampers and the evaluator through their own interfaces. */
export type LoadGenLike = Pick<LoadGenerator, "run">;
export type TimestamperLike = Pick<Timestamper, "start">;
export type CaptureResultLike = CaptureResult;
export type EvalParamsLike = EvalParams;

export interface NetLikeOptions {
  prefix?: string;
  /** Impairments from the run's loop variables and the links they go on (all when absent). */
  impair?: Impairment;
  impairLinks?: (string | number)[];
}

/** A loaded topology, opaque to the runner except for the names it looks up. */
export type TopologyLike = object;

export interface RunnerDeps {
  loadTopology(file: string): Promise<TopologyLike>;
  /** Interface names per host of a loaded topology, to check `traffic:` endpoints before anything runs. */
  interfacesOf(topo: TopologyLike): Record<string, string[]>;
  createNet(topo: TopologyLike, kinds: { host: string; link: string; switch?: string }, sys: Sys, opts: NetLikeOptions): NetLike;
  /** Why this machine cannot run a network of these kinds and impairments now (undefined = it can). Read-only probes. */
  unavailable(topo: TopologyLike, kinds: { host: string; link: string; switch?: string }, sys: Sys, opts: NetLikeOptions): Promise<string | undefined>;
  /** Names of the node and link kinds that exist, to reject a typo before anything runs. */
  nodeKinds(): string[];
  linkKinds(): string[];
  switchKinds(): string[];
  loadgens: Record<string, LoadGenLike>;
  timestampers: Record<string, TimestamperLike>;
  /** Resolves to the summary; the runner keeps its departure gaps in run.json. */
  evaluatePair(pre: string, post: string, outDir: string, p: EvalParamsLike, sys: Sys, signal?: AbortSignal): Promise<unknown>;
}
