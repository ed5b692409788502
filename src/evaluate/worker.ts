/** Worker thread of evaluateMany: evaluates one pair, forwards events, returns the summary or the error. */
import { parentPort, workerData } from "node:worker_threads";
import { serializeError } from "../errors.js";
import { createSys } from "../sys/index.js";
import { evaluatePair } from "./pair.js";
import type { EvalParams } from "./params.js";

interface Job {
  pre: string;
  post: string;
  outDir: string;
  p: EvalParams;
}

const port = parentPort!;
const job = workerData as Job;
const abort = new AbortController();
port.on("message", (m: { type: string }) => {
  if (m.type === "abort") abort.abort();
});
const sys = createSys({ emit: (event) => port.postMessage({ type: "event", event }) });
evaluatePair(job.pre, job.post, job.outDir, job.p, sys, abort.signal).then(
  (summary) => {
    port.postMessage({ type: "done", summary });
    port.close();
  },
  (err: unknown) => {
    port.postMessage({ type: "error", error: serializeError(err) });
    port.close();
  },
);
