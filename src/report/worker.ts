/**
 * Worker thread entry: draws whole runs, and the series figures, on request,
 * so a series is drawn on every core (vega, Skia and the PDF writer are all
 * synchronous CPU work).
 * Messages: in {id, req: WorkRequest}; out {id, result: WorkResult} or {id, error}.
 */
import { parentPort } from "node:worker_threads";
import { serializeError } from "../errors.js";
import { FigureRenderer } from "./render/index.js";
import { doWork, type WorkRequest } from "./run-report.js";

export interface WorkMessage {
  id: number;
  req: WorkRequest;
}

const port = parentPort;
if (port) {
  const renderer = new FigureRenderer();
  // One request at a time: the renderer's views hold one figure's data while it is drawn.
  let queue: Promise<void> = Promise.resolve();
  port.on("message", ({ id, req }: WorkMessage) => {
    queue = queue.then(() =>
      doWork(req, renderer).then(
        (result) => port.postMessage({ id, result }),
        (e: unknown) => port.postMessage({ id, error: serializeError(e) }),
      ),
    );
  });
}
