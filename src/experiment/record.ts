/**
 * run.json, the record each run folder carries, and the rules that keep
 * results from being lost: a run folder is created exclusively (never
 * reused), run.json is written atomically at the start (status "running")
 * and again at the end, and an incomplete folder is only ever moved aside.
 */
import { promises as fsp } from "node:fs";
import * as path from "node:path";
import { FileError, InputError, fileError } from "../errors.js";
import { writeFileAtomic, exists, readText } from "../sys/files.js";
import type { Scalar } from "./file.js";
import type { HostFacts, Versions } from "./host.js";
import type { RunParams } from "./plan.js";
import type { DepartureGaps } from "../evaluate/gaps.js";
import type { FidelityLike } from "./deps.js";

/** "running" is only ever seen on disk when hynet died mid-run (kill -9, power cut): resume treats it as incomplete. */
/** "skipped": the machine could not run it (hynet run --skip-unrunnable); error.message says why. */
export type RunStatus = "running" | "ok" | "failed" | "aborted" | "skipped";

export interface RunRecord {
  name: string;
  index: number;
  variables: Record<string, Scalar>;
  params: RunParams;
  status: RunStatus;
  error?: { code: string; message: string; hint?: string; phase?: string };
  started_at: string;
  finished_at?: string;
  /** Seconds per phase: net_up, warmup, pause, measure, drain, capture_stop, net_down, compress, evaluate, store; plus total and overhead. */
  timings: Record<string, number>;
  host: HostFacts;
  versions: Versions;
  experiment: { file: string; topology: string; loadgen: string; timestamper: string };
  /** Evaluation parameters the eval/ files were made with (their names depend on them). */
  evaluation: { bucket_size: number; trim_ms: number; num_worst: number; strict_marker: boolean; formats: string[]; flow_key: string[] };
  /** File names relative to the run folder. */
  captures?: { pre: string; post: string; stats?: string; compression: string };
  capture?: { pre_frames: number; post_frames: number; pre_dropped: number; post_dropped: number; timestamping: string };
  loadgen?: { sent: number; warmup_sent: number; duration_ns: number; achieved_pps: number; gap_ns: object; late_bursts?: number };
  /** Summary file relative to the run folder, e.g. `eval/latencies-pre-….pcap.zst.summary.json`. */
  eval_summary?: string;
  /** Inter-departure gaps on the wire (the pre capture), from the evaluation. */
  departure_gaps?: DepartureGaps;
  irq?: { samples: number };
  /** Runs with VM guests: their accelerator, the host's cores and the guests' vCPUs (docs/vm.md, "Fidelity"). */
  fidelity?: FidelityLike;
}

export const RUN_JSON = "run.json";

export async function writeRunRecord(runDir: string, r: RunRecord): Promise<void> {
  await writeFileAtomic(path.join(runDir, RUN_JSON), JSON.stringify(r, null, 2) + "\n");
}

export async function readRunRecord(runDir: string): Promise<RunRecord | undefined> {
  const f = path.join(runDir, RUN_JSON);
  if (!(await exists(f))) return undefined;
  try {
    return JSON.parse(await readText(f)) as RunRecord;
  } catch (e) {
    if (e instanceof SyntaxError) throw new InputError("RUN_JSON_INVALID", `not valid JSON: ${e.message}`, { file: f });
    throw e;
  }
}

export type RunFolderState = "new" | "complete" | "incomplete";

/** What is on disk for a planned run: nothing, a finished run (status ok), or anything else. */
export async function runFolderState(runDir: string): Promise<RunFolderState> {
  if (!(await exists(runDir))) return "new";
  try {
    const r = await readRunRecord(runDir);
    return r?.status === "ok" ? "complete" : "incomplete";
  } catch {
    return "incomplete";
  }
}

/** Move an incomplete run folder to `<run>.incomplete-<n>` (smallest free n ≥ 1) so that redoing it loses nothing. */
export async function moveAside(runDir: string): Promise<string> {
  for (let n = 1; ; n++) {
    const dest = `${runDir}.incomplete-${n}`;
    if (await exists(dest)) continue;
    try {
      await fsp.rename(runDir, dest);
      return dest;
    } catch (e) {
      throw fileError(e, runDir, `move the incomplete run aside to ${dest}`);
    }
  }
}

/** Create the run folder; fails if it exists, so two series can never write into one folder. */
export async function createRunFolder(runDir: string): Promise<void> {
  try {
    await fsp.mkdir(runDir);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err.code === "EEXIST") {
      throw new FileError("RUN_EXISTS", "run folder already exists; hynet never overwrites a result", { file: runDir, hint: "use --resume to skip completed runs, or another --out folder" });
    }
    throw fileError(e, runDir, "create the run folder");
  }
}
