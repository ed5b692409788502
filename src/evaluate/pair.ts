/** Evaluate one pre/post capture pair into its output files (see docs/evaluate.md). */
import { promises as fsp } from "node:fs";
import * as path from "node:path";
import { AbortedError, fileError, InputError } from "../errors.js";
import { logger } from "../events.js";
import { checkCreatableDir, ensureDir, removeEmptyDirs, type Sys } from "../sys/index.js";
import { evalKernels, type EvalKernels } from "../sys/kernels.js";
import { analyse, sortRows } from "./analysis.js";
import { loadCalibration, type Calibration } from "./calibration.js";
import { PairEngine } from "./engine.js";
import { parseFlowKey } from "./flows.js";
import {
  flowsPercentilesCsv,
  gapCsv,
  hdrCsv,
  histCsv,
  latencyFlowsCsv,
  OutputSet,
  packetRateCsv,
  percentilesCsv,
  startParquetWriter,
  type ParquetWriter,
  transferrateCsv,
  worstCsv,
} from "./outputs.js";
import { checkParams, type EvalParams } from "./params.js";
import { outputNames } from "./files.js";
import { readFrames, sniffCompression, type CaptureInfo, type Compression } from "./readers/index.js";
import { buildSummary, flowsCsv, summaryLine, type EvalSummary } from "./summary.js";

async function sizeOf(file: string, what: string): Promise<number> {
  try {
    const st = await fsp.stat(file);
    if (st.isDirectory()) throw Object.assign(new Error("is a directory"), { code: "EISDIR" });
    return st.size;
  } catch (e) {
    throw fileError(e, file, `read ${what} capture`);
  }
}

/**
 * Columns to reserve for a capture of `bytes` bytes: a record is a ≥ 46-byte frame plus a
 * ≥ 16-byte record header, so bytes / 62 bounds a plain file. A compressed one is reserved for
 * up to 64× compression (MoonSniff traffic compresses ~16× with zstd): a column that outgrows
 * its reservation is copied into one twice the size, which made a 2 M-packet .zst pair ~30 %
 * slower than the same pair uncompressed. Over-reserving costs address space only: pages are
 * touched when written.
 */
function recordBound(bytes: number, compression: Compression): number {
  return Math.min(Math.ceil(((compression === "none" ? 1 : 64) * bytes) / 62), 1 << 28);
}

async function read(file: string, side: "pre" | "post", e: PairEngine, sys: Sys, signal?: AbortSignal): Promise<CaptureInfo> {
  const total = await sizeOf(file, side);
  const task = `read ${path.basename(file)}`;
  // Progress only for files that take a while: the first event after 1 s, then every 250 ms.
  let last = Date.now() + 750;
  let shown = false;
  const onProgress = (done: number) => {
    const now = Date.now();
    if (now - last < 250) return;
    last = now;
    shown = true;
    sys.emit({ type: "progress", scope: "evaluate", task, phase: side, done, total, unit: "bytes" });
  };
  const visit =
    side === "pre"
      ? (b: Buffer, off: number, caplen: number, _w: number, sec: number, nsec: number, lt: number) => e.addPre(b, off, caplen, sec, nsec, lt)
      : (b: Buffer, off: number, caplen: number, _w: number, sec: number, nsec: number, lt: number) => e.addPost(b, off, caplen, sec, nsec, lt);
  const info = await readFrames(file, visit, { signal, onProgress, sink: e.sink(side) });
  if (shown) sys.emit({ type: "progress", scope: "evaluate", task, phase: side, done: total, total, unit: "bytes" });
  return info;
}

export async function evaluatePair(pre: string, post: string, outDir: string, p: EvalParams, sys: Sys, signal?: AbortSignal): Promise<EvalSummary> {
  const t0 = sys.monoNs();
  checkParams(p);
  const log = logger(sys.emit, "evaluate");
  const preSize = await sizeOf(pre, "pre");
  const postSize = await sizeOf(post, "post");
  // Checked now, created once the captures have been read: bad input leaves no empty folder.
  await checkCreatableDir(outDir);
  let calibration: Calibration | undefined;
  if (p.calibration) calibration = await loadCalibration(p.calibration);
  const shift = calibration && p.subtractFloor ? Math.round(calibration.floor_p50_ns) : 0;
  const names = outputNames(pre, p);
  const out = new OutputSet(outDir);
  let made: string[] = [];
  let parquet: ParquetWriter | undefined;
  try {
    const kernels: EvalKernels | undefined = evalKernels();
    const e = new PairEngine({ strictMarker: p.strictMarker, flowKey: parseFlowKey(p.flowKey), preFile: pre, postFile: post, kernels });
    const [preZ, postZ] = await Promise.all([sniffCompression(pre), sniffCompression(post)]);
    e.reserve(recordBound(preSize, preZ), recordBound(postSize, postZ));
    const preInfo = await read(pre, "pre", e, sys, signal);
    if (e.preN >= 2 ** 31) throw new InputError("CAPTURE_TOO_LARGE", "more than 2^31 records in one pre capture", { file: pre, hint: "split the capture" });
    e.finishPre();
    // The Parquet writer thread loads DuckDB (~0.3 s) while the post capture is read: started
    // with the pre capture, the two slowed each other down as much as they overlapped.
    if (p.formats.includes("parquet")) parquet = startParquetWriter();
    const postInfo = await read(post, "post", e, sys, signal);
    e.finishPost();
    if (signal?.aborted) throw new AbortedError();
    made = await ensureDir(outDir);

    // The sorted rows first, so that DuckDB encodes the Parquet file while this thread computes
    // the statistics and formats the CSV (on 2 cores they overlap in wall time).
    const rows = sortRows(e, kernels);
    const pq = parquet && out.temp(names.latencyFlowsParquet);
    const parquetDone = pq && parquet!.write(pq.tmp, rows, e.baseSec, shift);
    parquetDone?.catch(() => {}); // awaited below; until then a failure is not unhandled
    const a = analyse(e, rows, { bucketSize: p.bucketSize, trimNs: Math.round(p.trimMs * 1e6), numWorst: p.numWorst, shift });

    await out.text(names.hist, histCsv(a));
    await worstCsv(out.writer(names.worst), e, a, kernels);
    await out.text(names.percentiles, percentilesCsv(a));
    if (a.pre.received === 0) log.warn(`${path.basename(pre)}: no pre records${p.trimMs > 0 ? " after the trim" : ""}: transferrate left empty (it would divide by zero)`);
    await out.text(names.transferrate, transferrateCsv(a));
    await packetRateCsv(out.writer(names.packetratepre), a.pre, e.baseSec);
    await packetRateCsv(out.writer(names.packetratepost), a.post, e.baseSec);
    if (p.formats.includes("csv")) {
      const csv = out.temp(names.latencyFlowsCsv);
      await latencyFlowsCsv(csv, e, a, kernels);
      await csv.close();
    }
    await parquetDone;
    if (signal?.aborted) throw new AbortedError();
    await out.text(names.jitterpre, gapCsv(a.pre));
    await out.text(names.jitterpost, gapCsv(a.post));
    await out.text(names.flowsPercentiles, flowsPercentilesCsv(a, e.flows));
    const files = [...out.names, names.flows, names.hdr, names.summary];
    const summary = buildSummary({ pre, post, outDir, files, p, preInfo, postInfo, e, a, calibration, elapsedS: Number(sys.monoNs() - t0) / 1e9 });
    await out.text(names.flows, flowsCsv(summary));
    await out.text(names.hdr, hdrCsv(a));
    await out.text(names.summary, JSON.stringify(summary, null, 2) + "\n");
    if (signal?.aborted) throw new AbortedError();
    await out.commitAll();
    sys.emit({ type: "result", scope: "evaluate", kind: "evaluate.summary", line: summaryLine(summary), data: summary });
    return summary;
  } catch (err) {
    await out.abortAll();
    await removeEmptyDirs(made);
    throw err;
  } finally {
    parquet?.stop();
  }
}
