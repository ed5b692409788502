/**
 * What the runner needs from the other parts (emulation core, load
 * generators, timestampers, evaluator), as narrow interfaces. `defaultDeps`
 * (src/experiment/wiring.ts) binds them to hynet's own modules; a remote
 * runner could bind them to something else.
 */
import type { Sys } from "../sys/context.js";

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
}

export interface LoadGenLike {
  run(
    o: {
      iface: string;
      netns?: string;
      rate: number;
      burst: number;
      flows: number;
      size: number;
      durationS?: number;
      packets?: number;
      warmUpS: number;
      dstMac?: string;
      srcMac?: string;
      realtime?: boolean;
      signal?: AbortSignal;
      onPhase?: (phase: "warmup" | "pause" | "measure" | "done") => void;
    },
    sys: Sys,
  ): Promise<{ sent: number; warmup_sent: number; duration_ns: number; achieved_pps: number; gap_ns: object; late_bursts?: number; aborted?: boolean }>;
}

export interface CaptureResultLike {
  pre: string;
  post: string;
  stats: string;
  pre_frames: number;
  post_frames: number;
  pre_dropped: number;
  post_dropped: number;
  timestamping: string;
}

export interface TimestamperLike {
  start(
    o: { pre: { iface: string; netns?: string }; post: { iface: string; netns?: string }; outDir: string; name?: string; snaplen: number; durationS?: number; realtime?: boolean },
    sys: Sys,
  ): Promise<{ stop(): Promise<CaptureResultLike> }>;
}

export interface EvalParamsLike {
  bucketSize: number;
  trimMs: number;
  numWorst: number;
  strictMarker: boolean;
  formats: ("csv" | "parquet")[];
  flowKey: string[];
  calibration?: string;
}

/** A loaded topology, opaque to the runner except for the names it looks up. */
export type TopologyLike = object;

export interface RunnerDeps {
  loadTopology(file: string): Promise<TopologyLike>;
  /** Interface names per host of a loaded topology, to check `traffic:` endpoints before anything runs. */
  interfacesOf(topo: TopologyLike): Record<string, string[]>;
  createNet(topo: TopologyLike, kinds: { host: string; link: string; switch?: string }, sys: Sys, opts: { prefix?: string }): NetLike;
  /** Names of the node and link kinds that exist, to reject a typo before anything runs. */
  nodeKinds(): string[];
  linkKinds(): string[];
  loadgens: Record<string, LoadGenLike>;
  timestampers: Record<string, TimestamperLike>;
  evaluatePair(pre: string, post: string, outDir: string, p: EvalParamsLike, sys: Sys, signal?: AbortSignal): Promise<unknown>;
}
