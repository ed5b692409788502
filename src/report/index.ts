/**
 * `hynet report`: the figures and HTML page of a results folder.
 *
 * writeReport() finds the runs, draws each run's figures on a pool of worker
 * threads (one per core), then the series figures and index.html on the main
 * thread. Library API: the runner calls it at the end of `hynet run`.
 */
import * as os from "node:os";
import * as path from "node:path";
import type { Worker } from "node:worker_threads";
import { AbortedError, reviveError, type WireError } from "../errors.js";
import { logger } from "../events.js";
import type { Sys } from "../sys/index.js";
import { checkWritableDir, ensureDir, writeFileAtomic } from "../sys/files.js";
import { startWorker } from "../sys/worker.js";
import { toCsv } from "./csv.js";
import { findRuns, type RunRef } from "./discover.js";
import { indexPage } from "./html.js";
import { FigureRenderer, type Formats } from "./render/index.js";
import { reportRun, writeFigure, type FigureMeta, type RunMeta, type RunReportOptions } from "./run-report.js";
import { overlayFigures } from "./series.js";
import type { WorkRequest } from "./worker.js";

export interface ReportOptions {
  /** Worker threads drawing runs; 0 or 1 draws in this thread. Default: the number of cores. */
  jobs?: number;
  /** Points in the worst-of timeseries (default 1000). */
  worst?: number;
  /** Formats besides the CSV (default all three). */
  formats?: Partial<Formats>;
  /** B.latency-flows.csv above this size (bytes) is not read for the per-flow figures (default 256 MiB). */
  flowFileLimit?: number;
  /** Page title (default: the results folder's name). */
  title?: string;
  signal?: AbortSignal;
}

export interface ReportResult {
  /** Path of index.html. */
  index: string;
  /** Figures written (each as SVG, PNG, PDF and CSV). */
  figures: number;
}

export const DEFAULT_WORST = 1000;
export const DEFAULT_FLOW_FILE_LIMIT = 256 * 2 ** 20;

async function drawRuns(refs: RunRef[], outDir: string, o: RunReportOptions, jobs: number, sys: Sys, signal?: AbortSignal): Promise<RunMeta[]> {
  const metas: RunMeta[] = new Array(refs.length);
  let done = 0;
  const progress = () => sys.emit({ type: "progress", scope: "report", task: "runs", done, total: refs.length, unit: "runs" });
  if (jobs <= 1) {
    const renderer = new FigureRenderer();
    try {
      for (let i = 0; i < refs.length; i++) {
        if (signal?.aborted) throw new AbortedError();
        metas[i] = await reportRun(refs[i], outDir, o, renderer);
        done++;
        progress();
      }
    } finally {
      renderer.dispose();
    }
    return metas;
  }
  const workers = Array.from({ length: Math.min(jobs, refs.length) }, () => startWorker(import.meta.url, "worker"));
  let next = 0;
  try {
    await new Promise<void>((resolve, reject) => {
      let failed = false;
      const fail = (e: Error) => {
        if (!failed) {
          failed = true;
          reject(e);
        }
      };
      const onAbort = () => fail(new AbortedError());
      signal?.addEventListener("abort", onAbort, { once: true });
      const feed = (w: Worker) => {
        if (failed) return;
        if (next >= refs.length) {
          if (done === refs.length) {
            signal?.removeEventListener("abort", onAbort);
            resolve();
          }
          return;
        }
        const id = next++;
        const req: WorkRequest = { id, ref: refs[id], outDir, opts: o };
        w.postMessage(req);
      };
      for (const w of workers) {
        w.on("message", (m: { id: number; meta?: RunMeta; error?: WireError }) => {
          if (m.error) return fail(reviveError(m.error));
          metas[m.id] = m.meta!;
          done++;
          progress();
          feed(w);
        });
        w.on("error", (e) => fail(e));
        w.on("exit", (code) => {
          if (code !== 0) fail(new Error(`report worker exited with code ${code}`));
        });
        feed(w);
      }
    });
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
  return metas;
}

/** Write `<outDir>/index.html` and every figure of the results folder `resultsDir`. */
export async function writeReport(resultsDir: string, outDir: string, sys: Sys, opts: ReportOptions = {}): Promise<ReportResult> {
  const log = logger(sys.emit, "report");
  const refs = await findRuns(resultsDir);
  await checkWritableDir(outDir);
  const formats: Formats = { svg: true, png: true, pdf: true, ...opts.formats };
  const o: RunReportOptions = {
    worst: opts.worst ?? DEFAULT_WORST,
    flowFileLimit: opts.flowFileLimit ?? DEFAULT_FLOW_FILE_LIMIT,
    formats,
  };
  const jobs = Math.max(1, Math.min(opts.jobs ?? os.availableParallelism(), refs.length));
  log.info(`${refs.length} runs from ${resultsDir} → ${outDir} (${jobs} ${jobs > 1 ? "threads" : "thread"})`);
  const runs = await drawRuns(refs, path.resolve(outDir), o, jobs, sys, opts.signal);

  const seriesDir = path.join(outDir, "series");
  await ensureDir(seriesDir);
  const renderer = new FigureRenderer();
  const overlays: FigureMeta[] = [];
  try {
    for (const fig of overlayFigures(runs)) {
      const r = await renderer.render(fig.spec, fig.rows, formats, fig.signals);
      await writeFigure(path.join(seriesDir, fig.file), toCsv(fig.columns, fig.rows), r, formats);
      overlays.push({ file: fig.file, title: fig.title, caption: fig.caption, width: r.width, height: r.height });
    }
  } finally {
    renderer.dispose();
  }
  const index = path.join(outDir, "index.html");
  const title = opts.title ?? path.basename(path.resolve(resultsDir));
  const generatedAt = new Date(Number(sys.nowNs() / 1_000_000n)).toISOString().replace(/\.\d+Z$/, "Z");
  await writeFileAtomic(index, indexPage({ title, resultsDir, generatedAt, runs, overlays, formats }));
  const figures = runs.reduce((n, r) => n + r.figures.length, overlays.length);
  for (const r of runs) for (const n of r.notes) log.debug(`${r.name}: ${n}`);
  return { index, figures };
}

export { findRuns, variablesFromName, type RunRef } from "./discover.js";
export type { RunMeta, FigureMeta } from "./run-report.js";
