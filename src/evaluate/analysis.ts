/**
 * Everything computed after both captures are read: one sort of all
 * matches into the per-packet table's order (latency desc, pre ts, post ts,
 * dst port, then pre capture position), from which the worst-of list, the
 * histogram, the percentiles and the per-flow percentiles all follow; one
 * pass in post arrival order for mean, stddev, PDV and RFC 3550 jitter; and
 * the per-side packet rate and inter-arrival histograms.
 */
import type { EvalKernels } from "../sys/kernels.js";
import { bigArray } from "../sys/memory.js";
import type { PairEngine } from "./engine.js";
import { percentileRank } from "./percentile.js";
import { PERCENTILE_LEVELS } from "./percentiles.js";
import { radixSort } from "./sort.js";
import type { LatencyStats } from "./latency.js";

/** 2^33 − 1: latencies are below 5 s < 2^33 ns, so (2^33 − 1 − latency) fits 33 bits of the sort key. */
export const LAT_MAX = 8589934591;
const TWO32 = 4294967296;
const LEVELS = PERCENTILE_LEVELS.map(Number);


export interface SideStats {
  /** All records of the side. */
  records: number;
  /** Records with ts ≥ min + trim. */
  received: number;
  minTrimmed: number;
  /** Non-empty 1-second buckets: start (relative ns) and count, ascending. */
  rateTs: number[];
  rateCount: number[];
  /** Mean records per non-empty bucket, null without records. */
  pps: number | null;
  /** Inter-arrival histogram: bucket (ns) and count, ascending. */
  gapBucket: number[];
  gapCount: number[];
}

export interface Analysis {
  trimNs: number;
  /** Latency shift subtracted from every reported latency (calibration floor), 0 if none. */
  shift: number;
  /** All matches in the per-packet table's order. */
  rows: SortedRows;
  /** Trimmed latencies (shifted), descending. */
  trimmedDesc: Float64Array;
  trimmedCount: number;
  /** Positions in the sorted order of the worst-of rows. */
  worst: Uint32Array;
  overall: LatencyStats;
  flows: LatencyStats[];
  /** Each flow's trimmed latencies (shifted) at the percentile levels. */
  flowLadder: FlowLadder;
  hist: { bucket: number[]; count: number[] };
  pre: SideStats;
  post: SideStats;
  postMin: number;
}

/**
 * The matches in sorted order, each with the fields its output rows need, side by side.
 * Looking them up through the pre record index in latency order costs a cache miss per
 * field and row (pre records are tens of MB, visited in random order): that was half the
 * time of writing the per-packet table. Copied into sorted order once, every later pass
 * (statistics, worst-of, per-packet CSV) reads them sequentially.
 */
export interface SortedRows {
  n: number;
  /** Latency (unshifted), ns. */
  lat: Float64Array;
  /** Pre record time, relative ns. */
  ts: Float64Array;
  id: Uint32Array;
  /** srcport << 16 | dstport. */
  ports: Uint32Array;
  flow: Uint32Array;
}

function isSortedByTsPort(ts: Float64Array, ports: Uint32Array, n: number): boolean {
  for (let i = 1; i < n; i++) {
    const d = ts[i] - ts[i - 1];
    if (d < 0 || (d === 0 && (ports[i] & 0xffff) < (ports[i - 1] & 0xffff))) return false;
  }
  return true;
}

/**
 * Rank of each pre record when ordered by (ts, dst port, capture position): the tie order of
 * the per-packet table. Null when that is capture order (the usual case).
 */
function preRank(e: PairEngine): Uint32Array | null {
  const n = e.preN;
  if (isSortedByTsPort(e.preTs, e.prePorts, n)) return null;
  let min = Infinity;
  for (let i = 0; i < n; i++) if (e.preTs[i] < min) min = e.preTs[i];
  const port = new Uint32Array(n);
  const tsLo = new Uint32Array(n);
  const tsHi = new Uint32Array(n);
  const perm = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    const v = e.preTs[i] - min;
    const hi = Math.floor(v / TWO32);
    tsHi[i] = hi;
    tsLo[i] = v - hi * TWO32;
    port[i] = e.prePorts[i] & 0xffff;
    perm[i] = i;
  }
  radixSort([port, tsLo, tsHi], n, [perm]);
  const rank = new Uint32Array(n);
  for (let r = 0; r < n; r++) rank[perm[r]] = r;
  return rank;
}

function emptyStats(): LatencyStats {
  return { count: 0, min: null, mean: null, stddev: null, p50: null, p99: null, p999: null, p9999: null, max: null, pdvMean: null, pdvMax: null, rfc3550: null };
}

function sideStats(ts: Float64Array, trimNs: number, bucket: number): SideStats {
  const n = ts.length;
  const s: SideStats = { records: n, received: 0, minTrimmed: NaN, rateTs: [], rateCount: [], pps: null, gapBucket: [], gapCount: [] };
  if (n === 0) return s;
  let min = Infinity;
  for (let i = 0; i < n; i++) if (ts[i] < min) min = ts[i];
  const thr = min + trimNs;
  let kept = 0;
  let minT = Infinity;
  let maxT = -Infinity;
  let sorted = true;
  let prev = -Infinity;
  for (let i = 0; i < n; i++) {
    const t = ts[i];
    if (t < thr) continue;
    kept++;
    if (t < minT) minT = t;
    if (t > maxT) maxT = t;
    if (t < prev) sorted = false;
    prev = t;
  }
  s.received = kept;
  if (kept === 0) return s;
  s.minTrimmed = minT;
  let trimmed: Float64Array;
  if (kept === n && sorted) trimmed = ts;
  else {
    trimmed = new Float64Array(kept);
    let j = 0;
    for (let i = 0; i < n; i++) if (ts[i] >= thr) trimmed[j++] = ts[i];
    if (!sorted) trimmed.sort();
  }
  // 1-second buckets from the first trimmed record; trimmed is sorted, so they come out ascending.
  let bucketStart = 0;
  let bucketIdx = -1;
  let cnt = 0;
  for (let i = 0; i < kept; i++) {
    const k = Math.floor((trimmed[i] - minT) / 1e9);
    if (k !== bucketIdx) {
      if (cnt > 0) {
        s.rateTs.push(bucketStart);
        s.rateCount.push(cnt);
      }
      bucketIdx = k;
      bucketStart = minT + k * 1e9;
      cnt = 0;
    }
    cnt++;
  }
  s.rateTs.push(bucketStart);
  s.rateCount.push(cnt);
  s.pps = kept / s.rateCount.length;
  // Inter-arrival gaps: dense counts for small buckets, a Map for the rare large gaps.
  const DENSE = 1 << 16;
  const dense = new Float64Array(DENSE);
  const sparse = new Map<number, number>();
  for (let i = 1; i < kept; i++) {
    const g = Math.floor((trimmed[i] - trimmed[i - 1]) / bucket);
    if (g < DENSE) dense[g]++;
    else sparse.set(g, (sparse.get(g) ?? 0) + 1);
  }
  for (let g = 0; g < DENSE; g++) {
    if (dense[g] > 0) {
      s.gapBucket.push(g * bucket);
      s.gapCount.push(dense[g]);
    }
  }
  for (const g of [...sparse.keys()].sort((a, b) => a - b)) {
    s.gapBucket.push(g * bucket);
    s.gapCount.push(sparse.get(g)!);
  }
  return s;
}

export interface AnalysisParams {
  bucketSize: number;
  trimNs: number;
  numWorst: number;
  shift: number;
}

/**
 * All matches in the per-packet table's order. Separate from `analyse` so that the Parquet
 * writer can start on the rows while the statistics are computed.
 */
export function sortRows(e: PairEngine, kernels?: EvalKernels): SortedRows {
  return sortMatches(e, preRank(e), kernels);
}

/**
 * The metrics of a pair, in named steps: the trim threshold, one pass over
 * the matches in arrival order (counts, mean and variance, PDV, jitter), one
 * pass over the sorted rows (trimmed latencies, worst-of, per-flow
 * percentiles), then the histogram and the statistics built from both passes.
 */
export function analyse(e: PairEngine, rows: SortedRows, p: AnalysisParams): Analysis {
  const postTs = e.postTs.view();
  const postMin = minOf(postTs);
  const thr = postMin + p.trimNs;
  const arrival = arrivalPass(e, thr, p.shift);
  const count = arrival.all.count;
  const M = e.matchN;
  const a: Analysis = {
    trimNs: p.trimNs,
    shift: p.shift,
    rows,
    // Without trim and shift the trimmed latencies are the sorted rows' own: share them rather
    // than touch 8 fresh bytes per match (first-touch page faults cost more than the copy).
    trimmedDesc: count === M && p.shift === 0 ? rows.lat : new Float64Array(count),
    trimmedCount: count,
    worst: new Uint32Array(Math.min(p.numWorst, count)),
    overall: emptyStats(),
    flows: [],
    flowLadder: { start: new Uint32Array(1), value: new Float64Array(0) },
    hist: { bucket: [], count: [] },
    pre: sideStats(e.preTs.subarray(0, e.preN), p.trimNs, p.bucketSize),
    post: sideStats(postTs, p.trimNs, p.bucketSize),
    postMin,
  };
  const ordered = orderedPass(rows, M, thr, p.shift, arrival.flows.count, a);
  a.flowLadder = ordered.ladder;
  a.hist = histogram(a.trimmedDesc, count, p.bucketSize);
  if (count > 0) a.overall = overallStats(a.trimmedDesc, arrival.all);
  for (let f = 0; f < arrival.flows.count.length; f++) a.flows.push(flowStats(arrival.flows, ordered, f));
  return a;
}

function minOf(v: Float64Array): number {
  let min = Infinity;
  for (let i = 0; i < v.length; i++) if (v[i] < min) min = v[i];
  return min;
}

/** Running statistics of the trimmed matches in arrival order: Welford mean/variance, PDV, RFC 3550 jitter. */
interface Running {
  count: number;
  mean: number;
  m2: number;
  pdvSum: number;
  pdvN: number;
  pdvMax: number;
  jitter: number;
}

/** The same statistics per flow, one slot per flow index. */
interface FlowRunning {
  count: Float64Array;
  mean: Float64Array;
  m2: Float64Array;
  pdvSum: Float64Array;
  pdvN: Float64Array;
  pdvMax: Float64Array;
  jitter: Float64Array;
}

/** Arrival-order pass over the trimmed matches. */
function arrivalPass(e: PairEngine, thr: number, shift: number): { all: Running; flows: FlowRunning } {
  const M = e.matchN;
  const nFlows = e.flows.size;
  const fCount = new Float64Array(nFlows);
  const fMean = new Float64Array(nFlows);
  const fM2 = new Float64Array(nFlows);
  const fPrev = new Float64Array(nFlows).fill(NaN);
  const fPdvSum = new Float64Array(nFlows);
  const fPdvN = new Float64Array(nFlows);
  const fPdvMax = new Float64Array(nFlows);
  const fJ = new Float64Array(nFlows);
  let count = 0;
  let mean = 0;
  let m2 = 0;
  let prevLat = NaN;
  let pdvSum = 0;
  let pdvN = 0;
  let pdvMax = 0;
  let jitter = 0;
  const lat = e.matchLat;
  const mpre = e.matchPre;
  const preTs = e.preTs;
  const preFlow = e.preFlow;
  for (let m = 0; m < M; m++) {
    const pi = mpre[m];
    const l = lat[m];
    if (preTs[pi] + l < thr) continue;
    const v = l - shift;
    count++;
    const d = v - mean;
    mean += d / count;
    m2 += d * (v - mean);
    if (prevLat === prevLat) {
      const D = Math.abs(l - prevLat);
      pdvSum += D;
      pdvN++;
      if (D > pdvMax) pdvMax = D;
      jitter += (D - jitter) / 16;
    }
    prevLat = l;
    const f = preFlow[pi];
    const c = ++fCount[f];
    const fd = v - fMean[f];
    fMean[f] += fd / c;
    fM2[f] += fd * (v - fMean[f]);
    const fp = fPrev[f];
    if (fp === fp) {
      const D = Math.abs(l - fp);
      fPdvSum[f] += D;
      fPdvN[f]++;
      if (D > fPdvMax[f]) fPdvMax[f] = D;
      fJ[f] += (D - fJ[f]) / 16;
    }
    fPrev[f] = l;
  }
  return {
    all: { count, mean, m2, pdvSum, pdvN, pdvMax, jitter },
    flows: { count: fCount, mean: fMean, m2: fM2, pdvSum: fPdvSum, pdvN: fPdvN, pdvMax: fPdvMax, jitter: fJ },
  };
}

/** Levels of PERCENTILE_LEVELS that the per-flow statistics (flows.csv, summary) name. */
const FLOW_QS = [0.5, 0.99, 0.999, 0.9999].map((q) => LEVELS.indexOf(q));

/**
 * Each flow's latency at the percentile levels (PERCENTILE_LEVELS), for the
 * flows-percentiles file: flow f's values are `value[start[f] .. start[f + 1])`,
 * for levels 0, 1, … up to the first whose rank is the flow's count (its
 * maximum; every higher level repeats it). A flow without trimmed matches has none.
 */
export interface FlowLadder {
  start: Uint32Array;
  value: Float64Array;
}

/** Per flow: min and max, and the ladder, picked up on the way down the sorted rows. */
interface FlowOrder {
  min: Float64Array;
  max: Float64Array;
  ladder: FlowLadder;
}

/**
 * Where each flow's ladder values sit on the way down: `target[j]` is the position counted
 * from the top (1 = the flow's largest latency) of ladder slot j; positions fall as levels rise.
 */
function ladderTargets(fCount: Float64Array): { start: Uint32Array; target: Float64Array } {
  const nFlows = fCount.length;
  const start = new Uint32Array(nFlows + 1);
  const ranks: number[] = [];
  for (let f = 0; f < nFlows; f++) {
    const n = fCount[f];
    start[f] = ranks.length;
    if (n === 0) continue;
    for (const p of LEVELS) {
      const r = percentileRank(p, n);
      ranks.push(n - r + 1);
      if (r === n) break;
    }
  }
  start[nFlows] = ranks.length;
  return { start, target: Float64Array.from(ranks) };
}

/**
 * Pass over the rows in descending latency: fills `a.trimmedDesc` (when it
 * is a copy) and `a.worst`, and finds each flow's ladder values at the
 * positions counted from the top that its count gives.
 */
function orderedPass(rows: SortedRows, M: number, thr: number, shift: number, fCount: Float64Array, a: Analysis): FlowOrder {
  const nFlows = fCount.length;
  const { start, target } = ladderTargets(fCount);
  const value = new Float64Array(target.length);
  // The next ladder slot each flow fills: its highest level first (smallest position from the top).
  const next = new Int32Array(nFlows);
  for (let f = 0; f < nFlows; f++) next[f] = start[f + 1] - 1;
  const fSeen = new Float64Array(nFlows);
  const fMin = new Float64Array(nFlows);
  const fMax = new Float64Array(nFlows);
  let t = 0;
  let w = 0;
  const rLat = rows.lat;
  const rTs = rows.ts;
  const rFlow = rows.flow;
  const trimmed = a.trimmedDesc;
  const copy = trimmed !== rLat;
  for (let k = 0; k < M; k++) {
    const l = rLat[k];
    if (rTs[k] + l < thr) continue;
    const v = l - shift;
    if (copy) trimmed[t++] = v;
    if (w < a.worst.length) a.worst[w++] = k;
    const f = rFlow[k];
    const seen = ++fSeen[f];
    if (seen === 1) fMax[f] = v;
    fMin[f] = v;
    let j = next[f];
    if (j >= start[f] && target[j] === seen) {
      do value[j--] = v;
      while (j >= start[f] && target[j] === seen);
      next[f] = j;
    }
  }
  return { min: fMin, max: fMax, ladder: { start, value } };
}

/** Latency histogram, ascending buckets of width `b`, from the descending latencies. */
function histogram(desc: Float64Array, count: number, b: number): { bucket: number[]; count: number[] } {
  const h = { bucket: [] as number[], count: [] as number[] };
  for (let i = count - 1; i >= 0; ) {
    const bk = Math.floor(desc[i] / b) * b;
    let c = 0;
    while (i >= 0 && Math.floor(desc[i] / b) * b === bk) {
      c++;
      i--;
    }
    h.bucket.push(bk);
    h.count.push(c);
  }
  return h;
}

function overallStats(desc: Float64Array, r: Running): LatencyStats {
  const count = r.count;
  const at = (q: number) => desc[count - percentileRank(q, count)];
  return {
    count,
    min: desc[count - 1],
    mean: r.mean,
    stddev: Math.sqrt(r.m2 / count),
    p50: at(0.5),
    p99: at(0.99),
    p999: at(0.999),
    p9999: at(0.9999),
    max: desc[0],
    pdvMean: r.pdvN > 0 ? r.pdvSum / r.pdvN : null,
    pdvMax: r.pdvN > 0 ? r.pdvMax : null,
    rfc3550: r.jitter,
  };
}

/** Flow f's latency at level index i: past the ladder's end every level is the maximum. */
function ladderAt(o: FlowOrder, f: number, i: number): number {
  const j = o.ladder.start[f] + i;
  return j < o.ladder.start[f + 1] ? o.ladder.value[j] : o.max[f];
}

function flowStats(r: FlowRunning, o: FlowOrder, f: number): LatencyStats {
  const n = r.count[f];
  if (n === 0) return emptyStats();
  return {
    count: n,
    min: o.min[f],
    mean: r.mean[f],
    stddev: Math.sqrt(r.m2[f] / n),
    p50: ladderAt(o, f, FLOW_QS[0]),
    p99: ladderAt(o, f, FLOW_QS[1]),
    p999: ladderAt(o, f, FLOW_QS[2]),
    p9999: ladderAt(o, f, FLOW_QS[3]),
    max: o.max[f],
    pdvMean: r.pdvN[f] > 0 ? r.pdvSum[f] / r.pdvN[f] : null,
    pdvMax: r.pdvN[f] > 0 ? r.pdvMax[f] : null,
    rfc3550: r.jitter[f],
  };
}

/** Latency spans up to this wide are sorted by counting (one counter per nanosecond value). */
const COUNTING_SPAN = 1 << 21;

/**
 * Matches in the table's order: latency descending, then pre rank (pre ts, dst port, capture
 * position), then post arrival. Usually latencies span a few hundred µs, so a stable counting
 * sort by latency over the matches taken in pre rank order gives that order in one pass, and
 * that pass reads the pre records in capture order (sequential, cheap) while writing to one
 * cursor per distinct latency (few enough to stay in cache). Wider spans fall back to the
 * radix sort of (latency, rank) keys and a gather in sorted order.
 */
function sortMatches(e: PairEngine, preRank: Uint32Array | null, kernels?: EvalKernels): SortedRows {
  const M = e.matchN;
  const lat = e.matchLat;
  const mpre = e.matchPre;
  // Shared memory: the Parquet writer's thread reads these in place (outputs.ts).
  const shared = { shared: true };
  const rows: SortedRows = { n: M, lat: bigArray(Float64Array, M, shared), ts: bigArray(Float64Array, M, shared), id: bigArray(Uint32Array, M, shared), ports: bigArray(Uint32Array, M, shared), flow: bigArray(Uint32Array, M) };
  if (M === 0) return rows;
  const { preTs, preId, prePorts, preFlow } = e;
  const put = (k: number, m: number) => {
    const pi = mpre[m];
    rows.lat[k] = lat[m];
    rows.ts[k] = preTs[pi];
    rows.id[k] = preId[pi];
    rows.ports[k] = prePorts[pi];
    rows.flow[k] = preFlow[pi];
  };
  let lo = Infinity;
  let hi = -Infinity;
  for (let m = 0; m < M; m++) {
    const l = lat[m];
    if (l < lo) lo = l;
    if (l > hi) hi = l;
  }
  const span = hi - lo;
  if (span >= COUNTING_SPAN) {
    // Key = (LAT_MAX − latency) · 2^31 + pre rank, as two 32-bit words.
    const keyHi = new Uint32Array(M);
    const keyLo = new Uint32Array(M);
    for (let m = 0; m < M; m++) {
      const inv = LAT_MAX - lat[m];
      const odd = inv % 2;
      keyHi[m] = (inv - odd) / 2;
      keyLo[m] = odd * 2147483648 + (preRank ? preRank[mpre[m]] : mpre[m]);
    }
    const order = new Uint32Array(M);
    for (let m = 0; m < M; m++) order[m] = m;
    radixSort([keyLo, keyHi], M, [order]);
    for (let k = 0; k < M; k++) put(k, order[k]);
    return rows;
  }
  const n = e.preN;
  if (kernels) {
    kernels.sortByLatency(hi, span, lat.subarray(0, M), mpre.subarray(0, M), preRank, n, preTs, preId, prePorts, preFlow, rows.lat, rows.ts, rows.id, rows.ports, rows.flow);
    return rows;
  }
  // Matches grouped by pre rank, arrival order within a rank (a duplicated packet's copies).
  const start = bigArray(Uint32Array, n + 1);
  for (let m = 0; m < M; m++) start[(preRank ? preRank[mpre[m]] : mpre[m]) + 1]++;
  for (let r = 0; r < n; r++) start[r + 1] += start[r];
  const byRank = bigArray(Uint32Array, M);
  for (let m = 0; m < M; m++) byRank[start[preRank ? preRank[mpre[m]] : mpre[m]]++] = m;
  // Stable counting sort by hi − latency (descending latency).
  const at = new Uint32Array(span + 2);
  for (let m = 0; m < M; m++) at[hi - lat[m] + 1]++;
  for (let d = 0; d <= span; d++) at[d + 1] += at[d];
  for (let j = 0; j < M; j++) {
    const m = byRank[j];
    put(at[hi - lat[m]]++, m);
  }
  return rows;
}
