/**
 * The load-generator interface. Kinds (the built-in AF_PACKET generator
 * here, MoonGen on a testbed later) implement it and register in
 * src/traffic/registry.ts.
 *
 * Warm-up as the seed's timer-loadgen.lua: with warmUpS > 0 a short train
 * (1000 frames or 0.1 s worth, whichever is less) goes out first, to UDP
 * port 23433 so it can never be mistaken for measured traffic, then the
 * generator pauses warmUpS seconds (the runner starts the timestamper
 * then), then sends the measured frames with ids from 0.
 */
import type { Sys } from "../sys/index.js";

export type LoadGenPhase = "warmup" | "pause" | "measure" | "done";

export interface LoadGenOptions {
  iface: string;
  /** Network namespace holding `iface` (name under /run/netns, or a path). */
  netns?: string;
  /** Mean frames per second. */
  rate: number;
  /** Frames sent back to back per burst. */
  burst: number;
  flows: number;
  /** Frame size in bytes as MoonGen's -x (without FCS). */
  size: number;
  /** Measured frames to send; with neither packets nor durationS the generator runs until aborted. */
  packets?: number;
  durationS?: number;
  warmUpS: number;
  /**
   * Send only the warm-up train and return: a testbed runner holds the pause
   * itself, until the timestamper on another machine is ready.
   */
  warmUpOnly?: boolean;
  dstMac?: string;
  srcMac?: string;
  /**
   * Run the sending thread at real-time priority (SCHED_FIFO 1), as MoonGen
   * owns its cores: on a busy machine ordinary tasks then cannot delay
   * departures. It sleeps between departures and rests a fifth of the
   * time, so that the kernel's real-time throttling does not stop it.
   */
  realtime?: boolean;
  signal?: AbortSignal;
  /**
   * Told each phase as it begins. For "pause" it may return a promise (the
   * runner's: the timestamper is ready): the measured traffic then starts when
   * both the pause has passed and the promise has settled, so a slow capture
   * start cannot cut off the first measured frames.
   */
  onPhase?: (phase: LoadGenPhase) => void | Promise<void>;
}

export interface GapSummary {
  mean: number;
  std: number;
  p1: number;
  p50: number;
  p99: number;
}

export interface LoadGenResult {
  /** Measured frames sent (ids 0 … sent-1). */
  sent: number;
  warmup_sent: number;
  /** From the first to the last measured frame's departure. */
  duration_ns: number;
  /** Frames per second over the measured train (bursts counted by their start). */
  achieved_pps: number;
  /** Inter-departure gaps of the measured train, ns. */
  gap_ns: GapSummary;
  requested_pps: number;
  burst: number;
  /** Bursts that left more than one burst period after their deadline (the CPU was busy elsewhere). */
  late_bursts: number;
  /** True when the run was stopped early (Ctrl-C, abort signal). */
  aborted: boolean;
  /** The sender ran at real-time priority (asked for with `realtime` and granted). */
  realtime: boolean;
}

export interface LoadGenerator {
  name: string;
  run(o: LoadGenOptions, sys: Sys): Promise<LoadGenResult>;
}
