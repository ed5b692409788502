/**
 * Everything the report makes for one run: its figures (SVG, PNG, PDF and the
 * CSV behind each) and its page, in <out>/runs/<run>/. Returns the few
 * numbers the series page needs, so that the run's files are read once.
 */
import * as path from "node:path";
import { ensureDir, writeFileAtomic } from "../sys/files.js";
import { toCsv } from "./csv.js";
import type { RunRef } from "./discover.js";
import { runFigures, type Figure, type FigureOptions } from "./figures/index.js";
import { runPage } from "./html.js";
import type { FigureRenderer, Formats, Rendered } from "./render/index.js";
import { loadRun, type LoadOptions, type RunData } from "./run-data.js";
import type { FigureMeta, RunMeta } from "./meta.js";

export interface RunReportOptions extends FigureOptions, LoadOptions {
  formats: Formats;
}

export const RUNS_DIR = "runs";

export function lossOf(d: RunData): number | undefined {
  const s = d.summary;
  if (s && typeof s.pre_records === "number" && s.pre_records > 0 && typeof s.lost === "number") return s.lost / s.pre_records;
  if (s && typeof s.transfer_rate === "number") return Math.max(0, 1 - s.transfer_rate);
  return undefined;
}

function p9999Of(d: RunData): number | undefined {
  const v = d.summary?.latency_ns?.p9999;
  if (typeof v === "number") return v;
  const r = d.percentiles?.rows.find((x) => Math.abs(Number(x.percentile) - 0.9999) < 1e-12);
  return r ? Number(r.value) : undefined;
}

/** One figure's files beside each other; written concurrently so the disk waits overlap (each is still atomic). */
export async function writeFigure(base: string, csv: string, r: Rendered, formats: Formats): Promise<void> {
  await Promise.all([
    writeFileAtomic(`${base}.csv`, csv),
    formats.svg ? writeFileAtomic(`${base}.svg`, r.svg) : undefined,
    formats.png ? writeFileAtomic(`${base}.png`, r.png) : undefined,
    formats.pdf ? writeFileAtomic(`${base}.pdf`, r.pdf) : undefined,
  ]);
}

export async function reportRun(ref: RunRef, outDir: string, o: RunReportOptions, renderer: FigureRenderer): Promise<RunMeta> {
  const data = await loadRun(ref, o);
  const href = `${RUNS_DIR}/${ref.name}`;
  const dir = path.join(outDir, RUNS_DIR, ref.name);
  await ensureDir(dir);
  const figures: FigureMeta[] = [];
  // Drawing is synchronous CPU work: the files of one figure are written while the next is drawn, and awaited once.
  const writes: Promise<void>[] = [];
  let failure: { e: unknown } | undefined;
  try {
    for (const kind of runFigures) {
      const fig = kind.build(data, o);
      if (!fig) continue;
      const r = await renderer.render(fig.spec, fig.rows, o.formats, fig.signals);
      const w = writeFigure(path.join(dir, fig.file), toCsv(fig.columns, fig.rows), r, o.formats);
      w.catch(() => undefined); // awaited below; marked handled so a failing write does not end the process first
      writes.push(w);
      figures.push({ file: fig.file, title: fig.title, caption: fig.caption, width: r.width, height: r.height });
    }
  } catch (e) {
    failure = { e };
  }
  // No write is left running behind an error; a drawing error goes before a write error.
  const settled = await Promise.allSettled(writes);
  if (failure) throw failure.e;
  const bad = settled.find((x): x is PromiseRejectedResult => x.status === "rejected");
  if (bad) throw bad.reason;
  const meta: RunMeta = {
    name: ref.name,
    variables: ref.variables,
    status: ref.status,
    error: ref.error,
    href,
    figures,
    notes: data.notes,
    ...(ref.fidelity ? { fidelity: ref.fidelity } : {}),
    loss: lossOf(data),
    p9999_ns: p9999Of(data),
    p99_ns: data.summary?.latency_ns?.p99 ?? undefined,
    max_ns: data.summary?.latency_ns?.max ?? undefined,
    gap_max_ns: data.summary?.departure_gaps?.max_ns ?? undefined,
    late_gaps: data.summary?.departure_gaps?.late_gaps ?? undefined,
    percentiles: data.percentiles?.rows.map((r) => ({ percentile: r.percentile, value: r.value, onefraconeminuspercentile: r.onefraconeminuspercentile })),
  };
  await writeFileAtomic(path.join(dir, "index.html"), runPage(meta, data.summary, o.formats));
  return meta;
}

/** One figure of the series (an overlay), drawn and written into `dir`. */
export async function reportFigure(fig: Figure, dir: string, formats: Formats, renderer: FigureRenderer): Promise<FigureMeta> {
  const r = await renderer.render(fig.spec, fig.rows, formats, fig.signals);
  await writeFigure(path.join(dir, fig.file), toCsv(fig.columns, fig.rows), r, formats);
  return { file: fig.file, title: fig.title, caption: fig.caption, width: r.width, height: r.height };
}

/** What a report thread is asked to do: a whole run, or one series figure. */
export type WorkRequest =
  | { kind: "run"; ref: RunRef; outDir: string; opts: RunReportOptions }
  | { kind: "figure"; figure: Figure; dir: string; formats: Formats };

export type WorkResult = { meta: RunMeta } | { figure: FigureMeta };

export async function doWork(req: WorkRequest, renderer: FigureRenderer): Promise<WorkResult> {
  if (req.kind === "run") return { meta: await reportRun(req.ref, req.outDir, req.opts, renderer) };
  return { figure: await reportFigure(req.figure, req.dir, req.formats, renderer) };
}
