/**
 * The timestamper interface: two capture taps (pre: before the network,
 * post: after it) writing nanosecond captures. Kinds (the built-in
 * AF_PACKET capture here, MoonSniff on a testbed later) implement it and
 * register in src/capture/registry.ts.
 */
import type { Sys } from "../sys/index.js";

export interface TapEndpoint {
  iface: string;
  netns?: string;
}

export interface TimestamperOptions {
  pre: TapEndpoint;
  post: TapEndpoint;
  outDir: string;
  /** Appended to the file names: latencies-pre-NAME.pcap. */
  name?: string;
  snaplen: number;
  /** Stop by itself after this long; stop() still ends it earlier. */
  durationS?: number;
  /** Run the capture threads at real-time priority (SCHED_FIFO 1), as MoonSniff owns its cores. */
  realtime?: boolean;
}

export interface CaptureResult {
  pre: string;
  post: string;
  /** The stats CSV (latencies-stats[-NAME].csv). */
  stats: string;
  pre_frames: number;
  post_frames: number;
  /** Frames the kernel dropped on each tap (ring full): never silent. */
  pre_dropped: number;
  post_dropped: number;
  timestamping: "hardware" | "software";
  /** Side file recording the taps, snaplen and timestamping (latencies-capture[-NAME].json). */
  meta: string;
}

export interface CaptureSession {
  /** Stop now (or collect the result once durationS has elapsed). */
  stop(): Promise<CaptureResult>;
}

export interface Timestamper {
  name: string;
  start(o: TimestamperOptions, sys: Sys): Promise<CaptureSession>;
}

/** The seed's file names: latencies-pre.pcap, latencies-post.pcap, latencies-stats.csv, with an optional -NAME. */
export function captureFileNames(name?: string): { pre: string; post: string; stats: string; meta: string } {
  const s = name ? `-${name}` : "";
  return { pre: `latencies-pre${s}.pcap`, post: `latencies-post${s}.pcap`, stats: `latencies-stats${s}.csv`, meta: `latencies-capture${s}.json` };
}
