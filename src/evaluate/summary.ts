/** The summary of one pair: `B.summary.json`, the result event's data, the per-flow CSV, the terminal line. */
import { formatLatency as us, formatShare } from "../units/format.js";
import type { CaptureInfo } from "./readers/index.js";
import type { Analysis } from "./analysis.js";
import type { LatencyStats, LatencySummary } from "./latency.js";
import type { PairEngine } from "./engine.js";
import { SKIP_REASONS } from "./records.js";
import type { Calibration } from "./calibration.js";
import type { EvalParams } from "./params.js";
import { num } from "./csv.js";
import { departureGaps, type DepartureGaps } from "./gaps.js";


export interface SequenceCounters {
  dropped: number;
  dup: number;
  out_of_order: number;
  seq_too_high: number;
  seq_too_low: number;
}

export interface FlowSummary {
  key: Record<string, string | number>;
  pre_records: number;
  post_records: number;
  matched: number;
  lost: number;
  misses: number;
  sequence: SequenceCounters;
  latency_ns: LatencySummary;
  pdv_ns: { mean: number | null; max: number | null };
  rfc3550_jitter_ns: number | null;
}

export interface CaptureSummary {
  format: string;
  compression: string;
  resolution: string;
  linktypes: number[];
  frames: number;
  snaplen: number;
}

export interface EvalSummary {
  pre: string;
  post: string;
  out_dir: string;
  files: string[];
  params: { bucket_size: number; trim_ms: number; num_worst: number; strict_marker: boolean; flow_key: string[]; formats: string[] };
  captures: { pre: CaptureSummary; post: CaptureSummary };
  pre_records: number;
  post_records: number;
  /** Matches (post records paired with a pre record inside the window; duplicates each count). */
  matched: number;
  /** Pre records matched at least once. */
  unique_matched: number;
  lost: number;
  duplicated: number;
  reordered: number;
  misses: number;
  ambiguous_pre: number;
  ambiguous_post: number;
  out_of_window: number;
  skipped: Record<string, number>;
  skipped_pre: Record<string, number>;
  skipped_post: Record<string, number>;
  /** Latency statistics over the trimmed matches (the set of the percentiles file). */
  latency_ns: LatencySummary;
  pdv_ns: { mean: number | null; max: number | null };
  rfc3550_jitter_ns: number | null;
  transfer_rate: number | null;
  pre_received: number;
  post_received: number;
  pre_pps: number | null;
  post_pps: number | null;
  sequence: SequenceCounters;
  flows: FlowSummary[];
  /** Inter-departure gaps of the pre capture (gaps.ts). */
  departure_gaps: DepartureGaps;
  calibration?: Calibration & { subtracted_ns: number };
  elapsed_s: number;
}

function latency(s: LatencyStats): LatencySummary {
  return { count: s.count, min: s.min, mean: s.mean, stddev: s.stddev, p50: s.p50, p99: s.p99, p999: s.p999, p9999: s.p9999, max: s.max };
}

function skips(counts: number[]): Record<string, number> {
  const o: Record<string, number> = {};
  for (let i = 1; i < SKIP_REASONS.length; i++) if (counts[i] > 0) o[SKIP_REASONS[i]] = counts[i];
  return o;
}

function capture(i: CaptureInfo): CaptureSummary {
  return { format: i.format, compression: i.compression, resolution: i.resolution, linktypes: i.linktypes, frames: i.frames, snaplen: i.snaplen };
}

export function buildSummary(o: {
  pre: string;
  post: string;
  outDir: string;
  files: string[];
  p: EvalParams;
  preInfo: CaptureInfo;
  postInfo: CaptureInfo;
  e: PairEngine;
  a: Analysis;
  calibration?: Calibration;
  elapsedS: number;
}): EvalSummary {
  const { e, a, p } = o;
  const flows: FlowSummary[] = e.flowCounters.map((c, f) => ({
    key: e.flows.describe(f),
    pre_records: c.pre,
    post_records: c.post,
    matched: c.matched,
    lost: c.lost,
    misses: c.misses,
    sequence: { dropped: c.dropped, dup: c.dup, out_of_order: c.outOfOrder, seq_too_high: c.seqTooHigh, seq_too_low: c.seqTooLow },
    latency_ns: latency(a.flows[f]),
    pdv_ns: { mean: a.flows[f].pdvMean, max: a.flows[f].pdvMax },
    rfc3550_jitter_ns: a.flows[f].rfc3550,
  }));
  const seq: SequenceCounters = { dropped: 0, dup: 0, out_of_order: 0, seq_too_high: 0, seq_too_low: 0 };
  for (const f of flows) for (const k of Object.keys(seq) as (keyof SequenceCounters)[]) seq[k] += f.sequence[k];
  const both = e.preSkipped.map((v, i) => v + e.postSkipped[i]);
  const s: EvalSummary = {
    pre: o.pre,
    post: o.post,
    out_dir: o.outDir,
    files: o.files,
    params: { bucket_size: p.bucketSize, trim_ms: p.trimMs, num_worst: p.numWorst, strict_marker: p.strictMarker, flow_key: p.flowKey, formats: p.formats },
    captures: { pre: capture(o.preInfo), post: capture(o.postInfo) },
    pre_records: e.preN,
    post_records: e.postTs.length,
    matched: e.matchN,
    unique_matched: e.uniqueMatched,
    lost: e.lost,
    duplicated: e.duplicated,
    reordered: e.reordered,
    misses: e.misses,
    ambiguous_pre: e.ambiguousPre,
    ambiguous_post: e.ambiguousPost,
    out_of_window: e.outOfWindow,
    skipped: skips(both),
    skipped_pre: skips(e.preSkipped),
    skipped_post: skips(e.postSkipped),
    latency_ns: latency(a.overall),
    pdv_ns: { mean: a.overall.pdvMean, max: a.overall.pdvMax },
    rfc3550_jitter_ns: a.overall.rfc3550,
    transfer_rate: a.pre.received > 0 ? a.post.received / a.pre.received : null,
    pre_received: a.pre.received,
    post_received: a.post.received,
    pre_pps: a.pre.pps,
    post_pps: a.post.pps,
    sequence: seq,
    flows,
    departure_gaps: departureGaps(e.preTs.subarray(0, e.preN)),
    elapsed_s: o.elapsedS,
  };
  if (o.calibration) s.calibration = { ...o.calibration, subtracted_ns: a.shift };
  return s;
}

const FLOW_STAT_COLUMNS =
  "pre_records,post_records,matched,lost,misses,dropped,dup,out_of_order,seq_too_high,seq_too_low," +
  "latency_count,latency_min,latency_mean,latency_stddev,latency_p50,latency_p99,latency_p999,latency_p9999,latency_max," +
  "pdv_mean,pdv_max,rfc3550_jitter";

/** `B.trim_ms{t}.flows.csv`: one row per flow, key columns first, in order of first appearance. */
export function flowsCsv(s: EvalSummary): string {
  const keyCols = s.params.flow_key;
  let out = `${[...keyCols, FLOW_STAT_COLUMNS].join(",")}\n`;
  for (const f of s.flows) {
    const l = f.latency_ns;
    const q = f.sequence;
    const cells = [
      ...keyCols.map((k) => String(f.key[k])),
      f.pre_records,
      f.post_records,
      f.matched,
      f.lost,
      f.misses,
      q.dropped,
      q.dup,
      q.out_of_order,
      q.seq_too_high,
      q.seq_too_low,
      l.count,
      num(l.min),
      num(l.mean),
      num(l.stddev),
      num(l.p50),
      num(l.p99),
      num(l.p999),
      num(l.p9999),
      num(l.max),
      num(f.pdv_ns.mean),
      num(f.pdv_ns.max),
      num(f.rfc3550_jitter_ns),
    ];
    out += cells.join(",") + "\n";
  }
  return out;
}


/** The one terminal line of a pair. */
export function summaryLine(s: EvalSummary): string {
  const base = s.pre.split("/").pop();
  const lossPct = s.pre_records > 0 ? ` (${formatShare(s.lost / s.pre_records)})` : "";
  const l = s.latency_ns;
  return (
    `${base}: ${s.pre_records} pre, ${s.post_records} post, ${s.matched} matched, lost ${s.lost}${lossPct}, dup ${s.duplicated}, reordered ${s.reordered}, misses ${s.misses}; ` +
    `latency min ${us(l.min)} p50 ${us(l.p50)} p99 ${us(l.p99)} p99.99 ${us(l.p9999)} max ${us(l.max)}; jitter ${us(s.rfc3550_jitter_ns)}`
  );
}
