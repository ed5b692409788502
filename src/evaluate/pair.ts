/** Evaluate one pre/post capture pair into its output files (see docs/evaluate.md). */
import { promises as fsp } from "node:fs";
import * as path from "node:path";
import { AbortedError, fileError, InputError } from "../errors.js";
import { logger } from "../events.js";
import { checkWritableDir, type Sys } from "../sys/index.js";
import { analyse } from "./analysis.js";
import { loadCalibration, type Calibration } from "./calibration.js";
import { PairEngine } from "./engine.js";
import { parseFlowKey } from "./flows.js";
import {
  latencyFlowsParquet,
  gapCsv,
  hdrCsv,
  histCsv,
  latencyFlowsCsv,
  OutputSet,
  packetRateCsv,
  percentilesCsv,
  transferrateCsv,
  worstCsv,
} from "./outputs.js";
import { checkParams, outputNames, type EvalParams } from "./params.js";
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
  const info = await readFrames(file, visit, { signal, onProgress });
  if (shown) sys.emit({ type: "progress", scope: "evaluate", task, phase: side, done: total, total, unit: "bytes" });
  return info;
}

export async function evaluatePair(pre: string, post: string, outDir: string, p: EvalParams, sys: Sys, signal?: AbortSignal): Promise<EvalSummary> {
  const t0 = sys.monoNs();
  checkParams(p);
  const log = logger(sys.emit, "evaluate");
  const preSize = await sizeOf(pre, "pre");
  const postSize = await sizeOf(post, "post");
  await checkWritableDir(outDir);
  let calibration: Calibration | undefined;
  if (p.calibration) calibration = await loadCalibration(p.calibration);

  const e = new PairEngine({ strictMarker: p.strictMarker, flowKey: parseFlowKey(p.flowKey), preFile: pre, postFile: post });
  const [preZ, postZ] = await Promise.all([sniffCompression(pre), sniffCompression(post)]);
  e.reserve(recordBound(preSize, preZ), recordBound(postSize, postZ));
  const preInfo = await read(pre, "pre", e, sys, signal);
  if (e.preN >= 2 ** 31) throw new InputError("CAPTURE_TOO_LARGE", "more than 2^31 records in one pre capture", { file: pre, hint: "split the capture" });
  e.finishPre();
  const postInfo = await read(post, "post", e, sys, signal);
  e.finishPost();
  if (signal?.aborted) throw new AbortedError();

  const shift = calibration && p.subtractFloor ? Math.round(calibration.floor_p50_ns) : 0;
  const a = analyse(e, { bucketSize: p.bucketSize, trimNs: Math.round(p.trimMs * 1e6), numWorst: p.numWorst, shift });

  const names = outputNames(pre, p);
  const out = new OutputSet(outDir);
  try {
    await out.text(names.hist, histCsv(a));
    await worstCsv(out.writer(names.worst), e, a);
    await out.text(names.percentiles, percentilesCsv(a));
    if (a.pre.received === 0) log.warn(`${path.basename(pre)}: no pre records${p.trimMs > 0 ? " after the trim" : ""}: transferrate left empty (it would divide by zero)`);
    await out.text(names.transferrate, transferrateCsv(a));
    await packetRateCsv(out.writer(names.packetratepre), a.pre, e.baseSec);
    await packetRateCsv(out.writer(names.packetratepost), a.post, e.baseSec);
    const wantCsv = p.formats.includes("csv");
    const wantParquet = p.formats.includes("parquet");
    // Both tables at once: DuckDB encodes the Parquet file on its own thread while this one
    // formats the CSV, so on 2 cores the two overlap in wall time (CPU time is the same).
    const csv = wantCsv ? out.temp(names.latencyFlowsCsv) : undefined;
    const pq = wantParquet ? out.temp(names.latencyFlowsParquet) : undefined;
    const tables = await Promise.allSettled([
      pq && latencyFlowsParquet(pq.tmp, e, a),
      csv && latencyFlowsCsv(csv, e, a).then(() => csv.close()),
    ]);
    for (const t of tables) if (t.status === "rejected") throw t.reason;
    if (signal?.aborted) throw new AbortedError();
    await out.text(names.jitterpre, gapCsv(a.pre));
    await out.text(names.jitterpost, gapCsv(a.post));
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
    throw err;
  }
}
