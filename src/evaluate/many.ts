/**
 * Several pairs at once, as the seed's `parallel -j` did: each pair is
 * evaluated in its own worker thread (a pair is CPU-bound and single-
 * threaded), at most `jobs` at a time.
 */
import { availableParallelism } from "node:os";
import * as path from "node:path";
import { reviveError, SystemError, type HynetError, type WireError } from "../errors.js";
import { startWorker } from "../sys/worker.js";
import { logger, type HynetEvent } from "../events.js";
import type { Sys } from "../sys/index.js";
import { evaluatePair } from "./pair.js";
import { postPathFor, type EvalParams } from "./params.js";
import type { EvalSummary } from "./summary.js";

function inWorker(pre: string, post: string, outDir: string, p: EvalParams, sys: Sys, signal?: AbortSignal): Promise<EvalSummary> {
  return new Promise((resolve, reject) => {
    const w = startWorker(import.meta.url, "worker", { workerData: { pre, post, outDir, p } });
    let settled = false;
    const onAbort = () => w.postMessage({ type: "abort" });
    signal?.addEventListener("abort", onAbort, { once: true });
    const finish = (fn: () => void) => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener("abort", onAbort);
      fn();
    };
    w.on("message", (m: { type: string; event?: HynetEvent; summary?: EvalSummary; error?: WireError }) => {
      if (m.type === "event") sys.emit(m.event!);
      else if (m.type === "done") finish(() => resolve(m.summary!));
      else if (m.type === "error") finish(() => reject(reviveError(m.error!)));
    });
    w.on("error", (err) => finish(() => reject(err)));
    w.on("exit", (code) => finish(() => reject(new SystemError("EVALUATE_WORKER", `evaluation worker for ${pre} exited with code ${code}`, { file: pre }))));
  });
}

/**
 * Evaluate every pre capture with its derived post capture (postPathFor),
 * `jobs` pairs in parallel (default: the number of cores). `outDir` empty =
 * each pre capture's own folder. Every pair is attempted; if any failed,
 * the others' failures are logged as warnings and the first is thrown.
 */
export async function evaluateMany(pres: string[], outDir: string, p: EvalParams, sys: Sys, jobs?: number, signal?: AbortSignal): Promise<EvalSummary[]> {
  const n = Math.max(1, Math.min(jobs ?? availableParallelism(), pres.length));
  const results: (EvalSummary | undefined)[] = new Array(pres.length);
  const errors: { i: number; err: unknown }[] = [];
  let next = 0;
  const one = async (i: number) => {
    const pre = pres[i];
    const out = outDir || path.dirname(pre);
    const post = postPathFor(pre);
    results[i] = n === 1 || pres.length === 1 ? await evaluatePair(pre, post, out, p, sys, signal) : await inWorker(pre, post, out, p, sys, signal);
  };
  const lane = async () => {
    while (next < pres.length) {
      const i = next++;
      try {
        await one(i);
      } catch (err) {
        errors.push({ i, err });
      }
    }
  };
  await Promise.all(Array.from({ length: n }, lane));
  if (errors.length > 0) {
    errors.sort((a, b) => a.i - b.i);
    const log = logger(sys.emit, "evaluate");
    for (const { err } of errors.slice(1)) {
      const e = err as HynetError;
      log.warn(`${e.file ? `${e.file}: ` : ""}${e.message}${e.code ? ` [${e.code}]` : ""}`);
    }
    throw errors[0].err;
  }
  return results as EvalSummary[];
}
