/**
 * The matching engine of one capture pair. Pre records are appended to
 * typed-array columns; once the pre capture is read they are indexed by
 * (id, srcport, dstport); then post records stream through, each looked up
 * and, when it matches, appended as (latency, pre record) in post arrival
 * order. Nothing per frame is allocated and no frame is kept.
 *
 * Timestamps are integer nanoseconds relative to `baseSec` (the first pre
 * frame's second), held in doubles: exact up to 2^53 ns ≈ 104 days apart.
 *
 * Memory (see docs/evaluate.md): per pre record 8 (ts) + 4 (id) + 4 (ports)
 * + 4 (flow) + 4 (sequence in flow) + 1 (status) + ≤ 8 (index slot) = 33 bytes,
 * per post record 8 (ts), per match 8 (latency) + 4 (pre record), with
 * columns grown by doubling.
 */
import { InputError } from "../errors.js";
import type { EvalKernels } from "../sys/kernels.js";
import { bigArray } from "../sys/memory.js";
import { grow, F64Column } from "./columns.js";
import { FlowTable, type FlowField } from "./flows.js";
import { PreIndex, AMBIGUOUS } from "./prehash.js";
import { BATCH_FLOWS, KEY_MAX, RecordBatch, St, type RecordSink } from "./readers/batch.js";
import { newParsedRecord, parseFrame, Skip, SKIP_REASONS } from "./records.js";

/** A pair counts only if pre.ts < post.ts < pre.ts + 5 s. */
export const WINDOW_NS = 5e9;
const MATCHED = 2;
/** Farther apart than this, relative nanoseconds stop being exact doubles. */
const MAX_SPAN_S = 9_000_000;

const LINKTYPE_NAMES: Record<number, string> = {
  0: "BSD loopback (NULL)",
  101: "raw IP",
  105: "IEEE 802.11",
  113: "Linux cooked (SLL)",
  127: "IEEE 802.11 radiotap",
  228: "raw IPv4",
  229: "raw IPv6",
  276: "Linux cooked v2 (SLL2)",
};

export interface FlowCounters {
  pre: number;
  post: number;
  matched: number;
  lost: number;
  misses: number;
  /** TRex latency-stream counters (seq_err = dropped). */
  dropped: number;
  dup: number;
  outOfOrder: number;
  seqTooHigh: number;
  seqTooLow: number;
  /** Next expected sequence number (TRex m_seq). */
  expSeq: number;
  /** Sequence numbers handed out to the flow's pre records. */
  nextSeq: number;
}

function newFlowCounters(): FlowCounters {
  return { pre: 0, post: 0, matched: 0, lost: 0, misses: 0, dropped: 0, dup: 0, outOfOrder: 0, seqTooHigh: 0, seqTooLow: 0, expSeq: 0, nextSeq: 0 };
}

export class PairEngine {
  readonly strict: boolean;
  readonly flows: FlowTable;
  readonly flowCounters: FlowCounters[] = [];
  baseSec = NaN;

  // Pre columns.
  preN = 0;
  preTs = new Float64Array(1024);
  preId = new Uint32Array(1024);
  prePorts = new Uint32Array(1024);
  preFlow = new Uint32Array(1024);
  preSeq = new Uint32Array(0);
  preStatus = new Uint8Array(0);
  preSkipped = new Array<number>(SKIP_REASONS.length).fill(0);
  ambiguousPre = 0;
  private index: PreIndex | undefined;

  // Post side.
  postTs = new F64Column();
  postSkipped = new Array<number>(SKIP_REASONS.length).fill(0);
  misses = 0;
  ambiguousPost = 0;
  outOfWindow = 0;
  reordered = 0;
  uniqueMatched = 0;
  private maxMatchedPre = -1;
  /** Pre record of the last post record with a known key (start of the next lookup). */
  private lastPi = 0;
  /** Lookups answered beside the last match, without the hash table (for profiling). */
  guessHits = 0;

  // Matches, in post arrival order.
  matchN = 0;
  matchLat = new Float64Array(1024);
  matchPre = new Uint32Array(1024);

  private readonly rec = newParsedRecord();
  private preFile = "";
  private postFile = "";
  /** Batches from the native scanner, when there is one; base second kept in step with `baseSec`. */
  private readonly batch: RecordBatch | undefined;
  private readonly flowMap = new Uint32Array(BATCH_FLOWS);

  constructor(o: { strictMarker: boolean; flowKey: FlowField[]; preFile?: string; postFile?: string; kernels?: EvalKernels }) {
    this.strict = o.strictMarker;
    this.flows = new FlowTable(o.flowKey);
    this.preFile = o.preFile ?? "pre";
    this.postFile = o.postFile ?? "post";
    if (o.kernels) this.batch = new RecordBatch(o.kernels, o.strictMarker, o.flowKey, MAX_SPAN_S);
  }

  /** Where the reader puts a side's records in batches (undefined without the native scanner: frames come one by one). */
  sink(side: "pre" | "post"): RecordSink | undefined {
    const batch = this.batch;
    if (!batch) return undefined;
    const file = side === "pre" ? this.preFile : this.postFile;
    return {
      batch,
      take: side === "pre" ? (n, nf) => this.addPreBatch(batch, n, nf) : (n, nf) => this.addPostBatch(batch, n, nf),
      timeRange: (sec, nsec) => {
        this.rel(sec, nsec, file);
        throw new Error(`timestamp ${sec} s reported out of range, but it is not`);
      },
    };
  }

  /** Size the columns for up to this many records per side; pages are touched only when used. */
  reserve(pre: number, post: number): void {
    const a = Math.max(1024, Math.ceil(pre));
    const b = Math.max(1024, Math.ceil(post));
    if (this.preN === 0 && a > this.preTs.length) {
      this.preTs = bigArray(Float64Array, a);
      this.preId = bigArray(Uint32Array, a);
      this.prePorts = bigArray(Uint32Array, a);
      this.preFlow = bigArray(Uint32Array, a);
    }
    if (this.postTs.length === 0 && b > this.postTs.data.length) this.postTs.data = bigArray(Float64Array, b);
    if (this.matchN === 0 && b > this.matchLat.length) {
      this.matchLat = bigArray(Float64Array, b);
      this.matchPre = bigArray(Uint32Array, b);
    }
  }

  private rel(sec: number, nsec: number, file: string): number {
    if (this.baseSec !== this.baseSec) {
      this.baseSec = sec;
      if (this.batch) this.batch.st[St.Base] = sec;
    }
    const d = sec - this.baseSec;
    if (d > MAX_SPAN_S || d < -MAX_SPAN_S) {
      throw new InputError("CAPTURE_TIME_RANGE", `timestamp ${sec}.${String(nsec).padStart(9, "0")} s is more than ${MAX_SPAN_S} s away from the pair's first timestamp (${this.baseSec} s)`, {
        file,
        hint: "pre and post must come from the same measurement",
      });
    }
    return d * 1e9 + nsec;
  }

  private checkLinktype(linktype: number, file: string): never {
    const name = LINKTYPE_NAMES[linktype];
    throw new InputError("CAPTURE_LINKTYPE", `link type ${linktype}${name ? ` (${name})` : ""} is not Ethernet (1)`, {
      file,
      hint: "capture on an Ethernet interface (tcpdump -i <iface>, not -i any)",
    });
  }

  private flowOf(b: Uint8Array): number {
    const f = this.flows.intern(b, this.rec);
    if (f === this.flowCounters.length) this.flowCounters.push(newFlowCounters());
    return f;
  }

  /** One pre frame. */
  addPre(b: Uint8Array, off: number, caplen: number, sec: number, nsec: number, linktype: number): void {
    if (linktype !== 1) this.checkLinktype(linktype, this.preFile);
    const why = parseFrame(b, off, caplen, this.strict, this.rec);
    if (why !== Skip.None) {
      this.preSkipped[why]++;
      return;
    }
    const ts = this.rel(sec, nsec, this.preFile);
    const i = this.preN;
    if (i === this.preTs.length) this.growPre(i + 1);
    const r = this.rec;
    this.preTs[i] = ts;
    this.preId[i] = r.id;
    this.prePorts[i] = ((r.srcport << 16) | r.dstport) >>> 0;
    const f = this.flowOf(b);
    this.preFlow[i] = f;
    this.flowCounters[f].pre++;
    this.preN = i + 1;
  }

  /** Room for `need` pre records in every pre column. */
  private growPre(need: number): void {
    this.preTs = grow(this.preTs, Float64Array, need);
    this.preId = grow(this.preId, Uint32Array, need);
    this.prePorts = grow(this.prePorts, Uint32Array, need);
    this.preFlow = grow(this.preFlow, Uint32Array, need);
  }

  /** After the last pre frame: index the keys, drop ambiguous ones, number each flow's records. */
  finishPre(): void {
    const n = this.preN;
    this.preStatus = bigArray(Uint8Array, n);
    this.index = new PreIndex(this.preId, this.prePorts, n, this.preStatus);
    this.preSeq = bigArray(Uint32Array, n);
    let amb = 0;
    for (let i = 0; i < n; i++) {
      if (this.preStatus[i] & AMBIGUOUS) {
        amb++;
        continue;
      }
      this.preSeq[i] = this.flowCounters[this.preFlow[i]].nextSeq++;
    }
    this.ambiguousPre = amb;
  }

  /** One post frame: record its time, match it against the pre index. */
  addPost(b: Uint8Array, off: number, caplen: number, sec: number, nsec: number, linktype: number): void {
    if (linktype !== 1) this.checkLinktype(linktype, this.postFile);
    const r = this.rec;
    const why = parseFrame(b, off, caplen, this.strict, r);
    if (why !== Skip.None) {
      this.postSkipped[why]++;
      return;
    }
    const ts = this.rel(sec, nsec, this.postFile);
    this.postTs.push(ts);
    const pf = this.flowOf(b);
    this.flowCounters[pf].post++;
    this.match(ts, r.id, ((r.srcport << 16) | r.dstport) >>> 0, pf);
  }

  /** The batch's flow keys as flow indices (first seen, first numbered: the same as frame by frame). */
  private mapFlows(b: RecordBatch, nf: number): Uint32Array {
    const map = this.flowMap;
    for (let f = 0; f < nf; f++) {
      const g = this.flows.internKey(b.keys, f * KEY_MAX, b.keyLen[f]);
      if (g === this.flowCounters.length) this.flowCounters.push(newFlowCounters());
      map[f] = g;
    }
    this.baseSec = b.st[St.Base];
    return map;
  }

  /** A batch of pre records from the native scanner: what addPre does, column by column. */
  addPreBatch(b: RecordBatch, n: number, nf: number): void {
    for (let k = 0; k < b.skip.length; k++) this.preSkipped[k] += b.skip[k];
    const map = this.mapFlows(b, nf);
    for (let f = 0; f < nf; f++) this.flowCounters[map[f]].pre += b.flowCount[f];
    const i = this.preN;
    if (i + n > this.preTs.length) this.growPre(i + n);
    this.preTs.set(b.ts.subarray(0, n), i);
    this.preId.set(b.id.subarray(0, n), i);
    this.prePorts.set(b.ports.subarray(0, n), i);
    const flow = b.flow;
    const preFlow = this.preFlow;
    for (let j = 0; j < n; j++) preFlow[i + j] = map[flow[j]];
    this.preN = i + n;
  }

  /** A batch of post records from the native scanner: what addPost does, record by record. */
  addPostBatch(b: RecordBatch, n: number, nf: number): void {
    for (let k = 0; k < b.skip.length; k++) this.postSkipped[k] += b.skip[k];
    const map = this.mapFlows(b, nf);
    for (let f = 0; f < nf; f++) this.flowCounters[map[f]].post += b.flowCount[f];
    this.postTs.append(b.ts, n);
    const { ts, id, ports, flow } = b;
    for (let j = 0; j < n; j++) this.match(ts[j], id[j], ports[j], map[flow[j]]);
  }

  /** Match one post record (time, id, srcport << 16 | dstport, flow) against the pre index. */
  private match(ts: number, id: number, key: number, pf: number): void {
    // Post order is close to pre order: look beside the last match first (sequential, in cache)
    // before the hash table (a cache miss per lookup). Same answer either way: a record with an
    // equal key is the key's only record, or carries AMBIGUOUS like all records of its key.
    let pi = -1;
    const ids = this.preId;
    const ports = this.prePorts;
    const g = this.lastPi;
    const hi = Math.min(this.preN, g + 9);
    for (let j = g + 1; j < hi; j++) {
      if (ids[j] === id && ports[j] === key) {
        pi = j;
        break;
      }
    }
    if (pi < 0) {
      const lo = Math.max(0, g - 8);
      for (let j = Math.min(g, this.preN - 1); j >= lo; j--) {
        if (ids[j] === id && ports[j] === key) {
          pi = j;
          break;
        }
      }
    }
    if (pi < 0) pi = this.index!.find(id, key);
    else this.guessHits++;
    if (pi < 0) {
      this.misses++;
      this.flowCounters[pf].misses++;
      return;
    }
    this.lastPi = pi;
    const st = this.preStatus[pi];
    if (st & AMBIGUOUS) {
      this.ambiguousPost++;
      return;
    }
    const lat = ts - this.preTs[pi];
    if (!(lat > 0 && lat < WINDOW_NS)) {
      this.outOfWindow++;
      return;
    }
    const m = this.matchN;
    if (m === this.matchLat.length) {
      this.matchLat = grow(this.matchLat, Float64Array, m + 1);
      this.matchPre = grow(this.matchPre, Uint32Array, m + 1);
    }
    this.matchLat[m] = lat;
    this.matchPre[m] = pi;
    this.matchN = m + 1;
    if ((st & MATCHED) === 0) {
      this.preStatus[pi] = st | MATCHED;
      this.uniqueMatched++;
      if (pi < this.maxMatchedPre) this.reordered++;
      else this.maxMatchedPre = pi;
    }
    const fc = this.flowCounters[this.preFlow[pi]];
    fc.matched++;
    trexSeq(fc, this.preSeq[pi]);
  }

  /** After the last post frame: count pre records that were never matched. */
  finishPost(): void {
    for (let i = 0; i < this.preN; i++) {
      if (this.preStatus[i] === 0) this.flowCounters[this.preFlow[i]].lost++;
    }
  }

  get lost(): number {
    return this.preN - this.ambiguousPre - this.uniqueMatched;
  }

  get duplicated(): number {
    return this.matchN - this.uniqueMatched;
  }
}

/**
 * Cisco TRex's sequence accounting for latency streams (RXLatency::
 * handle_seq_number_*): an expected sequence number; a higher one counts the
 * gap as dropped (seq_too_high); a lower one is a dup when it is exactly the
 * previous one, else out_of_order (and one fewer dropped), and always
 * seq_too_low.
 */
export function trexSeq(c: FlowCounters, seq: number): void {
  const exp = c.expSeq;
  if (seq === exp) {
    c.expSeq = seq + 1;
  } else if (seq > exp) {
    c.dropped += seq - exp;
    c.seqTooHigh++;
    c.expSeq = seq + 1;
  } else {
    if (seq === exp - 1) c.dup++;
    else {
      c.outOfOrder++;
      if (c.dropped > 0) c.dropped--;
    }
    c.seqTooLow++;
  }
}
