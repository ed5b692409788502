/**
 * Writing one pair's outputs as a transaction: every file goes to a
 * temporary name first and all are renamed into place only after the last
 * one is complete (B.summary.json last), so a failure anywhere leaves no
 * output that looks complete.
 */
import { promises as fsp } from "node:fs";
import * as path from "node:path";
import { fileError, reviveError, SystemError, type WireError } from "../errors.js";
import { atomicWriter, type AtomicWriter } from "../sys/index.js";
import type { EvalKernels } from "../sys/kernels.js";
import { startWorker } from "../sys/worker.js";
import type { Analysis, SortedRows } from "./analysis.js";
import { CsvSink, num, putAbs, putPad9, putU, putU32 } from "./csv.js";
import type { ParquetJob } from "./parquet.js";
import type { PairEngine } from "./engine.js";
import type { FlowTable } from "./flows.js";
import { percentileRank } from "./percentile.js";
import { PERCENTILE_LEVELS } from "./percentiles.js";

/** A file written under a temporary name we know (DuckDB reads and writes those by path). */
export class TempFile {
  readonly tmp: string;
  private handle: fsp.FileHandle | undefined;
  private done = false;
  constructor(readonly target: string) {
    this.tmp = path.join(path.dirname(target), `.${path.basename(target)}.partial-${process.pid}-${Math.random().toString(36).slice(2, 8)}`);
  }
  async write(chunk: Uint8Array): Promise<void> {
    try {
      if (!this.handle) this.handle = await fsp.open(this.tmp, "w");
      await this.handle.write(chunk);
    } catch (e) {
      throw fileError(e, this.target, "write");
    }
  }
  async close(): Promise<void> {
    try {
      if (!this.handle) this.handle = await fsp.open(this.tmp, "w");
      await this.handle.close();
      this.handle = undefined;
    } catch (e) {
      throw fileError(e, this.target, "write");
    }
  }
  async commit(): Promise<void> {
    if (this.done) return;
    if (this.handle) await this.close();
    this.done = true;
    try {
      await fsp.rename(this.tmp, this.target);
    } catch (e) {
      await fsp.rm(this.tmp, { force: true });
      throw fileError(e, this.target, "write");
    }
  }
  async abort(): Promise<void> {
    if (this.done) return;
    this.done = true;
    await this.handle?.close().catch(() => {});
    await fsp.rm(this.tmp, { force: true }).catch(() => {});
  }
}

type Committable = { commit(): Promise<void>; abort(): Promise<void> };

export class OutputSet {
  private readonly items: Committable[] = [];
  readonly names: string[] = [];
  constructor(readonly dir: string) {}

  writer(name: string): AtomicWriter {
    const w = atomicWriter(path.join(this.dir, name));
    this.items.push(w);
    this.names.push(name);
    return w;
  }
  temp(name: string, keep = true): TempFile {
    const t = new TempFile(path.join(this.dir, name));
    if (keep) {
      this.items.push(t);
      this.names.push(name);
    }
    return t;
  }
  /** Write a small file completely (committed with the others). */
  async text(name: string, content: string): Promise<void> {
    const w = this.writer(name);
    await w.write(content);
  }
  /**
   * Rename every file into place, the last one (the summary) after all others; if one fails,
   * remove the ones already placed. The others are finished and renamed all at once: one at a
   * time, a dozen files cost a dozen round trips to the thread pool each (~80 ms here).
   */
  async commitAll(): Promise<void> {
    const n = this.items.length;
    const first = await Promise.allSettled(this.items.slice(0, n - 1).map((it) => it.commit()));
    let failure = first.find((r): r is PromiseRejectedResult => r.status === "rejected");
    if (!failure && n > 0) {
      try {
        await this.items[n - 1].commit();
        return;
      } catch (e) {
        failure = { status: "rejected", reason: e };
      }
    }
    if (!failure) return;
    await Promise.all(
      first.map((r, i) => (r.status === "fulfilled" ? fsp.rm(path.join(this.dir, this.names[i]), { force: true }).catch(() => {}) : this.items[i].abort())),
    );
    await this.items[n - 1]?.abort();
    throw failure.reason;
  }
  async abortAll(): Promise<void> {
    for (const it of this.items) await it.abort();
  }
}

export function histCsv(a: Analysis): string {
  let s = "latency_bucket,count\n";
  for (let i = 0; i < a.hist.bucket.length; i++) s += `${a.hist.bucket[i]},${a.hist.count[i]}\n`;
  return s;
}

export function percentilesCsv(a: Analysis): string {
  let s = "percentile,value,onefraconeminuspercentile\n";
  const n = a.trimmedCount;
  if (n === 0) return s;
  for (const text of PERCENTILE_LEVELS) {
    const p = Number(text);
    const v = a.trimmedDesc[n - percentileRank(p, n)];
    s += `${text},${v},${num(1 / (1 - p))}\n`;
  }
  return s;
}

/**
 * `B.trim_ms{t}.flows-percentiles.csv`: each flow's trimmed latency at the levels of
 * percentiles.csv, key columns first (the --flow-key fields, as in flows.csv), flows in order of
 * first appearance. A flow's rows stop at its maximum: every higher level would repeat it.
 */
export function flowsPercentilesCsv(a: Analysis, flows: FlowTable): string {
  const { start, value } = a.flowLadder;
  let s = `${[...flows.fields, "percentile", "latency"].join(",")}\n`;
  for (let f = 0; f < flows.size; f++) {
    if (start[f] === start[f + 1]) continue;
    const key = flows.describe(f);
    const cells = flows.fields.map((k) => key[k]).join(",");
    for (let j = start[f]; j < start[f + 1]; j++) s += `${cells},${PERCENTILE_LEVELS[j - start[f]]},${value[j]}\n`;
  }
  return s;
}

/**
 * HdrHistogram's percentile-distribution CSV (what `outputPercentileDistribution(…, useCsvFormat)`
 * prints): percentile levels stepping by halves of the remaining distance, 5 ticks per half,
 * then a last row at 100 % with 1/(1-p) = Infinity. Values are exact here (no HDR buckets), in ns.
 */
export function hdrCsv(a: Analysis): string {
  let s = "Value,Percentile,TotalCount,1/(1-Percentile)\n";
  const n = a.trimmedCount;
  if (n === 0) return s;
  const asc = (k: number) => a.trimmedDesc[n - k];
  // Number of values ≤ v: the last ascending rank holding v.
  const countLE = (k: number) => {
    const v = asc(k);
    while (k < n && asc(k + 1) === v) k++;
    return k;
  };
  let level = 0; // percent
  for (;;) {
    const p = level / 100;
    const k = percentileRank(p, n);
    if (k >= n || level >= 100) break;
    s += `${asc(k)},${p.toFixed(12)},${countLE(k)},${(1 / (1 - p)).toFixed(2)}\n`;
    const ticks = 5 * Math.pow(2, Math.floor(Math.log(100 / (100 - level)) / Math.log(2)) + 1);
    level += 100 / ticks;
  }
  s += `${asc(n)},${(1).toFixed(12)},${n},Infinity\n`;
  return s;
}

export function transferrateCsv(a: Analysis): string {
  const pre = a.pre.received;
  const post = a.post.received;
  const rate = pre > 0 ? num(post / pre) : "";
  return `pre_received,post_received,transferrate,pre_pkts_per_second,post_pkts_per_second\n${pre},${post},${rate},${num(a.pre.pps)},${num(a.post.pps)}\n`;
}

export async function packetRateCsv(out: AtomicWriter, side: Analysis["pre"], baseSec: number): Promise<void> {
  const s = new CsvSink(out, baseSec);
  s.str("ts,count\n");
  for (let i = 0; i < side.rateTs.length; i++) {
    s.abs(side.rateTs[i]).comma().u(side.rateCount[i]).nl();
    if (s.full()) await s.flush();
  }
  await s.close();
}

export function gapCsv(side: Analysis["pre"]): string {
  let s = "bucket,count\n";
  for (let i = 0; i < side.gapBucket.length; i++) s += `${side.gapBucket[i]},${side.gapCount[i]}\n`;
  return s;
}

const ROW_HEADER = "latency,prets,postts,id,srcport,dstport\n";

/**
 * Rows `latency,prets,postts,id,srcport,dstport` for the first n sorted positions, or for the
 * listed positions. The hottest output loop (one row per match): locals, no method chains.
 */
async function matchRows(out: AtomicWriter | TempFile, e: PairEngine, a: Analysis, positions: Uint32Array | null, n: number, kernels?: EvalKernels): Promise<void> {
  const sink = new CsvSink(out, e.baseSec, out instanceof TempFile);
  sink.str(ROW_HEADER);
  if (kernels) {
    const st = Float64Array.of(sink.pos, 0);
    const { lat, ts, id, ports } = a.rows;
    for (;;) {
      kernels.formatRows(sink.buf, st, n, positions, lat, ts, id, ports, a.shift, e.baseSec);
      sink.pos = st[0];
      if (st[1] >= n) break;
      await sink.flush();
      st[0] = sink.pos;
    }
    await sink.close();
    return;
  }
  const preTs = e.preTs;
  const { lat: rLat, ts: rTs, id: rId, ports: rPorts } = a.rows;
  const shift = a.shift;
  const base = e.baseSec;
  // The seconds part of absolute timestamps comes from a table of the run's seconds (10 digits
  // each): rows are in latency order, so their times jump around, but within a few seconds.
  let sMin = Infinity;
  let sMax = -Infinity;
  for (let i = 0; i < e.preN; i++) {
    const t = preTs[i];
    if (t < sMin) sMin = t;
    if (t > sMax) sMax = t;
  }
  sMin = Math.floor(sMin / 1e9);
  sMax = Math.floor(sMax / 1e9) + 6;
  const useTable = e.preN > 0 && base + sMin >= 1e9 && base + sMax < 1e10 && sMax - sMin < 1e6;
  const secDigits = new Uint8Array(useTable ? (sMax - sMin + 1) * 10 : 0);
  if (useTable) for (let s = sMin; s <= sMax; s++) putU32(secDigits, (s - sMin) * 10, base + s);
  let b = sink.buf;
  let p = sink.pos;
  const limit = b.length - 256;
  for (let i = 0; i < n; i++) {
    const k = positions ? positions[i] : i;
    const lat = rLat[k];
    const t = rTs[k];
    const pt = rPorts[k];
    const v = lat - shift;
    if (v < 0) {
      b[p++] = 45;
      p = putU(b, p, -v);
    } else p = putU(b, p, v);
    b[p++] = 44;
    if (useTable) {
      const t2 = t + lat;
      const s1 = Math.floor(t / 1e9);
      const s2 = Math.floor(t2 / 1e9);
      let o = (s1 - sMin) * 10;
      for (let j = 0; j < 10; j++) b[p++] = secDigits[o++];
      p = putPad9(b, p, t - s1 * 1e9);
      b[p++] = 44;
      o = (s2 - sMin) * 10;
      for (let j = 0; j < 10; j++) b[p++] = secDigits[o++];
      p = putPad9(b, p, t2 - s2 * 1e9);
    } else {
      p = putAbs(b, p, base, t);
      b[p++] = 44;
      p = putAbs(b, p, base, t + lat);
    }
    b[p++] = 44;
    p = putU32(b, p, rId[k]);
    b[p++] = 44;
    p = putU32(b, p, pt >>> 16);
    b[p++] = 44;
    p = putU32(b, p, pt & 0xffff);
    b[p++] = 10;
    if (p > limit) {
      sink.pos = p;
      await sink.flush();
      b = sink.buf;
      p = 0;
    }
  }
  sink.pos = p;
  await sink.close();
}

export function worstCsv(out: AtomicWriter, e: PairEngine, a: Analysis, kernels?: EvalKernels): Promise<void> {
  return matchRows(out, e, a, a.worst, a.worst.length, kernels);
}

/** The per-packet table: every match (no trim). */
export function latencyFlowsCsv(out: TempFile, e: PairEngine, a: Analysis, kernels?: EvalKernels): Promise<void> {
  return matchRows(out, e, a, null, a.rows.n, kernels);
}

/** A Parquet writer thread, started before the rows exist (see startParquetWriter). */
export interface ParquetWriter {
  /** Write the sorted rows as the per-packet table to `parquetPath` (a temporary name; the OutputSet renames it). */
  write(parquetPath: string, rows: SortedRows, baseSec: number, shift: number): Promise<void>;
  /** Stop the thread (after write, or instead of it when evaluation fails). */
  stop(): void;
}

/**
 * The per-packet table as Parquet (parquet.ts) is written on a worker thread, started when
 * evaluation starts: loading DuckDB (~0.3 s) then overlaps with reading the captures, and the
 * COPY with formatting the CSV on this thread. The sorted rows live in shared memory
 * (analysis.ts), so the worker reads them in place; nothing is copied.
 */
export function startParquetWriter(): ParquetWriter {
  const w = startWorker(import.meta.url, "parquet-worker");
  let settle: ((err?: Error) => void) | undefined;
  let early: Error | undefined;
  let target = "";
  w.on("message", (m: { error?: WireError }) => settle?.(m.error ? reviveError(m.error) : undefined));
  w.on("error", (err) => {
    const e = fileError(err, target || "Parquet output", "write Parquet");
    if (settle) settle(e);
    else early = e;
  });
  w.on("exit", (code) => settle?.(new SystemError("PARQUET_WORKER", `the Parquet writer exited with code ${code} before it finished`, { file: target })));
  return {
    write(parquetPath, rows, baseSec, shift) {
      target = parquetPath;
      const { n, lat, ts, id, ports } = rows;
      const job: ParquetJob = { path: parquetPath, rows: { n, lat, ts, id, ports }, baseSec, shift };
      return new Promise((resolve, reject) => {
        if (early) return reject(early);
        let settled = false;
        settle = (err) => {
          if (settled) return;
          settled = true;
          void w.terminate();
          if (err) reject(err);
          else resolve();
        };
        w.postMessage(job);
      });
    },
    stop: () => void w.terminate(),
  };
}
