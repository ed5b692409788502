/**
 * Worker thread entry: renders whole runs on request, so a series is drawn
 * on every core (vega, resvg and PDFKit are all synchronous CPU work).
 * Messages: in {id, ref, outDir, opts}; out {id, meta} or {id, error}.
 */
import { parentPort } from "node:worker_threads";
import { serializeError } from "../errors.js";
import type { RunRef } from "./discover.js";
import { FigureRenderer } from "./render/index.js";
import { reportRun, type RunReportOptions } from "./run-report.js";

export interface WorkRequest {
  id: number;
  ref: RunRef;
  outDir: string;
  opts: RunReportOptions;
}

const port = parentPort;
if (port) {
  const renderer = new FigureRenderer();
  port.on("message", (req: WorkRequest) => {
    reportRun(req.ref, req.outDir, req.opts, renderer).then(
      (meta) => port.postMessage({ id: req.id, meta }),
      (e: unknown) => port.postMessage({ id: req.id, error: serializeError(e) }),
    );
  });
}
