/**
 * Records in bulk: what the native pcap scanner (native/src/evalkern.c
 * scanPcap) fills, a batch of up to BATCH records at a time, instead of a
 * visitor call per frame. Each record is already parsed into the columns the
 * matching engine keeps (time relative to the pair's base second, id, ports)
 * plus a flow index local to the batch, whose key bytes come with it.
 */
import type { EvalKernels } from "../../sys/kernels.js";
import type { FlowField } from "../flows.js";
import { FLOW_FIELDS } from "../flows.js";
import { SKIP_REASONS } from "../records.js";

/** Records per batch: the columns of one batch (20 B a record) stay in the core's cache. */
export const BATCH = 16384;
/** Distinct flows one batch may carry, and the room for each flow key. */
export const BATCH_FLOWS = 64;
export const KEY_MAX = 40;

/** Fields of `st` (evalkern.c ST_*). */
export const enum St {
  Base = 0,
  MaxSpan,
  Records,
  Pos,
  Status,
  Need,
  Frames,
  Flows,
  Sec,
  Nsec,
  Length,
}

/** Why a scan returned (evalkern.c SCAN_*). */
export const enum ScanStatus {
  Input = 0,
  BatchFull,
  FlowsFull,
  Caplen,
  TimeRange,
}

export class RecordBatch {
  /** [littleEndian, nsPerFraction, maxCaplen, strict, nCodes, codes…]; the reader sets the first three per file. */
  readonly cfg: Int32Array;
  readonly st = new Float64Array(St.Length);
  readonly skip = new Float64Array(SKIP_REASONS.length);
  readonly ts = new Float64Array(BATCH);
  readonly id = new Uint32Array(BATCH);
  readonly ports = new Uint32Array(BATCH);
  readonly flow = new Uint8Array(BATCH);
  readonly flowCount = new Float64Array(BATCH_FLOWS);
  readonly keys = new Uint8Array(BATCH_FLOWS * KEY_MAX);
  readonly keyLen = new Uint8Array(BATCH_FLOWS);

  constructor(
    readonly kernels: EvalKernels,
    strict: boolean,
    flowKey: readonly FlowField[],
    /** Farthest a timestamp may be from the base second. */
    maxSpanS: number,
  ) {
    this.cfg = Int32Array.from([0, 0, 0, strict ? 1 : 0, flowKey.length, ...flowKey.map((f) => FLOW_FIELDS.indexOf(f))]);
    this.st[St.Base] = NaN;
    this.st[St.MaxSpan] = maxSpanS;
  }
}

/** Takes the records of a pcap file in batches (the reader falls back to the per-frame visitor without one). */
export interface RecordSink {
  readonly batch: RecordBatch;
  /** `records` parsed records with `flows` batch-local flows are in `batch`; skipped frames in batch.skip. */
  take(records: number, flows: number): void;
  /** The scan stopped at a timestamp too far from the base second: throw the error for it. */
  timeRange(sec: number, nsec: number): never;
}
