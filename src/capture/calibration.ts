/**
 * The timestamper's own floor: pre and post taps on the two ends of one
 * bare veth pair (two namespaces, made and removed by the caller's network
 * part: net/bare-pair.ts),
 * nothing in between. What `hynet evaluate` then reports for that pair is
 * the latency the measurement itself adds, which `hynet evaluate
 * --calibration FILE` shows beside results (and can subtract).
 */
import * as path from "node:path";
import { logger } from "../events.js";
import { ensureDir, writeFileAtomic, type Sys } from "../sys/index.js";
import type { LoadGenerator, LoadGenResult } from "../traffic/loadgen.js";
import type { CaptureResult, TapEndpoint, Timestamper } from "./timestamper.js";

export interface CalibrationOptions {
  outDir: string;
  rate: number;
  packets: number;
  size: number;
  burst: number;
  snaplen: number;
  /** Network prefix of the pair's namespaces (2–8 lowercase letters or digits; random by default). */
  prefix?: string;
  signal?: AbortSignal;
}

/** The part of the evaluator's summary the calibration reads and passes on. */
export interface FloorSummary {
  latency_ns: { min: number | null; mean: number | null; stddev: number | null; p50: number | null; p99: number | null; p999: number | null; p9999: number | null; max: number | null };
  matched: number;
}

/** Evaluates one pre/post pair into outDir (the evaluator's evaluatePair with default parameters). */
export type PairEvaluator = (pre: string, post: string, outDir: string) => Promise<FloorSummary>;

/** Brings up the bare pair the floor is measured across (two namespaces, one veth link) and takes it down. */
export type BarePairMaker = (sys: Sys, o: { prefix?: string; signal?: AbortSignal }) => Promise<{ pre: TapEndpoint; post: TapEndpoint; stop(): Promise<void> }>;

export interface CalibrationResult {
  /** outDir/summary.json: the evaluator's summary plus a `calibration` block. */
  summary: string;
  latency_ns: FloorSummary["latency_ns"];
  matched: number;
  capture: CaptureResult;
  loadgen: LoadGenResult;
}

export async function calibrate(
  o: CalibrationOptions,
  sys: Sys,
  parts: { loadgen: LoadGenerator; timestamper: Timestamper; evaluate: PairEvaluator; network: BarePairMaker },
): Promise<CalibrationResult> {
  const log = logger(sys.emit, "calibrate");
  if (!sys.dryRun) await ensureDir(o.outDir);
  const pair = await parts.network(sys, { prefix: o.prefix, signal: o.signal });
  const a = pair.pre;
  const b = pair.post;
  try {
    const session = await parts.timestamper.start({ pre: a, post: b, outDir: o.outDir, name: "calibration", snaplen: o.snaplen }, sys);
    let lg: LoadGenResult;
    let cap: CaptureResult;
    try {
      lg = await parts.loadgen.run({ ...a, rate: o.rate, burst: o.burst, flows: 1, size: o.size, packets: o.packets, warmUpS: 0, signal: o.signal }, sys);
      await sys.sleep(200); // frames still in flight reach the post tap
    } finally {
      cap = await session.stop();
    }
    if (sys.dryRun) {
      const latency_ns = { min: null, mean: null, stddev: null, p50: null, p99: null, p999: null, p9999: null, max: null };
      return { summary: path.join(o.outDir, "summary.json"), latency_ns, matched: 0, capture: cap, loadgen: lg };
    }
    log.debug(`sent ${lg.sent} frames; evaluating ${path.basename(cap.pre)}`);
    const s = await parts.evaluate(cap.pre, cap.post, o.outDir);
    const summary = {
      ...s,
      calibration: {
        kind: "timestamper-floor",
        setup: "one veth pair between two namespaces, pre tap on one end, post tap on the other",
        timestamping: cap.timestamping,
        rate: o.rate,
        packets: o.packets,
        sent: lg.sent,
        size: o.size,
        burst: o.burst,
        snaplen: o.snaplen,
        pre_dropped: cap.pre_dropped,
        post_dropped: cap.post_dropped,
      },
    };
    const file = path.join(o.outDir, "summary.json");
    await writeFileAtomic(file, JSON.stringify(summary, null, 2) + "\n");
    return { summary: file, latency_ns: s.latency_ns, matched: s.matched, capture: cap, loadgen: lg };
  } finally {
    await pair.stop();
  }
}
