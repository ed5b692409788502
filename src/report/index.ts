/**
 * `hynet report`: the figures and HTML page of a results folder.
 *
 * writeReport() finds the runs, draws each run's figures and the series
 * figures on a pool of worker threads (one per core), then writes index.html.
 * Library API: the runner calls it at the end of `hynet run`.
 */
import * as os from "node:os";
import * as path from "node:path";
import type { Worker } from "node:worker_threads";
import { AbortedError, reviveError, type WireError } from "../errors.js";
import { logger } from "../events.js";
import type { Sys } from "../sys/index.js";
import { checkWritableDir, ensureDir, writeFileAtomic } from "../sys/files.js";
import { startWorker } from "../sys/worker.js";
import { findRuns, type RunRef } from "./discover.js";
import { indexPage } from "./html.js";
import type { Formats } from "./render/index.js";
import { doWork, type RunReportOptions, type WorkRequest, type WorkResult } from "./run-report.js";
import type { FigureMeta, RunMeta } from "./meta.js";
import { columnOf, columns, configs, overlayFigure } from "./series.js";
import type { WorkMessage } from "./worker.js";

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

interface Task {
  req: WorkRequest;
  done(r: WorkResult): void;
}

/**
 * Runs every task, also those that `done` callbacks add while it works,
 * on `jobs` worker threads (or on this thread when jobs ≤ 1).
 */
async function execute(queue: Task[], jobs: number, signal?: AbortSignal): Promise<void> {
  if (jobs <= 1) {
    // Loaded here, not at the top: with worker threads, this thread needs none of vega, Skia or PDFKit.
    const { FigureRenderer } = await import("./render/index.js");
    const renderer = new FigureRenderer();
    try {
      for (let t = queue.shift(); t; t = queue.shift()) {
        if (signal?.aborted) throw new AbortedError();
        t.done(await doWork(t.req, renderer));
      }
    } finally {
      renderer.dispose();
    }
    return;
  }
  // A figure's rows, tuples and marks live until the same figure of the next run replaces them; a
  // young generation of 64 MiB semi-spaces (V8 divides this by 3) lets more of that die young: a
  // thread's scavenges took 47 → 32 ms a run, the report 5–8 % less time (6 of 7 paired runs).
  const workers = Array.from({ length: jobs }, () => startWorker(import.meta.url, "worker", { resourceLimits: { maxYoungGenerationSizeMb: 192 } }));
  try {
    await new Promise<void>((resolve, reject) => {
      let failed = false;
      let nextId = 0;
      const running = new Map<Worker, Task>();
      const fail = (e: Error) => {
        if (!failed) {
          failed = true;
          signal?.removeEventListener("abort", onAbort);
          reject(e);
        }
      };
      const onAbort = () => fail(new AbortedError());
      signal?.addEventListener("abort", onAbort, { once: true });
      // Give every idle worker a task; a task that finishes may add more (a series figure whose runs are all drawn).
      const feed = () => {
        if (failed) return;
        for (const w of workers) {
          if (running.has(w)) continue;
          const t = queue.shift();
          if (!t) break;
          running.set(w, t);
          const m: WorkMessage = { id: nextId++, req: t.req };
          w.postMessage(m);
        }
        if (running.size === 0 && queue.length === 0) {
          signal?.removeEventListener("abort", onAbort);
          resolve();
        }
      };
      for (const w of workers) {
        w.on("message", (m: { id: number; result?: WorkResult; error?: WireError }) => {
          if (failed) return;
          if (m.error) return fail(reviveError(m.error));
          const t = running.get(w);
          running.delete(w);
          try {
            t!.done(m.result!);
          } catch (e) {
            return fail(e as Error);
          }
          feed();
        });
        w.on("error", (e) => fail(e));
        w.on("exit", (code) => {
          if (code !== 0) fail(new Error(`report worker exited with code ${code}`));
        });
      }
      feed();
    });
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
}

/**
 * Every run's figures and page, and the series figures (one HDR overlay per
 * column of the matrix). A column's overlay is queued as soon as its last run
 * is drawn, ahead of the remaining runs, so that the series figures are drawn
 * by all threads along with the runs instead of after them on one.
 */
async function drawAll(refs: RunRef[], outDir: string, o: RunReportOptions, jobs: number, sys: Sys, signal?: AbortSignal): Promise<{ runs: RunMeta[]; overlays: FigureMeta[] }> {
  const seriesDir = path.join(outDir, "series");
  await ensureDir(seriesDir);
  // Columns and configurations depend only on the runs' variables, known before any is drawn.
  const stubs = refs.map((r) => ({ variables: r.variables }));
  const cols = columns(stubs);
  const cfgs = configs(stubs);
  const members: number[][] = cols.map(() => []);
  refs.forEach((_, i) => {
    const c = columnOf(stubs[i], cols);
    if (c) members[cols.indexOf(c)].push(i);
  });
  const left = members.map((m) => m.length);
  const colOf = new Map<number, number>();
  members.forEach((m, c) => m.forEach((i) => colOf.set(i, c)));

  const metas: RunMeta[] = new Array(refs.length);
  const overlays: (FigureMeta | undefined)[] = new Array(cols.length);
  let done = 0;
  const queue: Task[] = refs.map((ref, i) => ({
    req: { kind: "run", ref, outDir, opts: o },
    done: (r) => {
      metas[i] = (r as { meta: RunMeta }).meta;
      done++;
      sys.emit({ type: "progress", scope: "report", task: "runs", done, total: refs.length, unit: "runs" });
      const c = colOf.get(i);
      if (c === undefined || --left[c] > 0) return;
      const figure = overlayFigure(cols[c], cfgs, members[c].map((j) => metas[j]));
      if (figure) queue.unshift({ req: { kind: "figure", figure, dir: seriesDir, formats: o.formats }, done: (f) => (overlays[c] = (f as { figure: FigureMeta }).figure) });
    },
  }));
  await execute(queue, jobs, signal);
  return { runs: metas, overlays: overlays.filter((f): f is FigureMeta => f !== undefined) };
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
  const { runs, overlays } = await drawAll(refs, path.resolve(outDir), o, jobs, sys, opts.signal);
  const index = path.join(outDir, "index.html");
  const title = opts.title ?? path.basename(path.resolve(resultsDir));
  const generatedAt = new Date(Number(sys.nowNs() / 1_000_000n)).toISOString().replace(/\.\d+Z$/, "Z");
  await writeFileAtomic(index, indexPage({ title, resultsDir, generatedAt, runs, overlays, formats }));
  const figures = runs.reduce((n, r) => n + r.figures.length, overlays.length);
  for (const r of runs) for (const n of r.notes) log.debug(`${r.name}: ${n}`);
  return { index, figures };
}

export { findRuns, variablesFromName, type RunRef } from "./discover.js";
export type { RunMeta, FigureMeta } from "./meta.js";
