/**
 * Finding the runs of a results folder (layout in docs/results.md): every
 * sub-folder with a run.json or an eval/ folder is a run, except attempts
 * moved aside by --resume. run.json gives the
 * loop variables and the status; when it is missing (a folder of evaluated
 * captures copied by hand), the variables are read back from the folder name
 * (`rate50000-linkveth-nodenamespace-burst1`).
 */
import { promises as fsp } from "node:fs";
import * as path from "node:path";
import { InputError, fileError } from "../errors.js";
import { exists, readText } from "../sys/files.js";

export type Scalar = string | number | boolean;

/** An earlier attempt `hynet run --resume` moved aside (RUN.incomplete-N): not a run, as in the database. */
const MOVED_ASIDE = /\.incomplete-\d+$/;

export interface RunRef {
  name: string;
  dir: string;
  variables: Record<string, Scalar>;
  status: string;
  error?: string;
  /** Number of test flows the load generator sent, when known. */
  flows?: number;
  /** Runs with VM guests: accelerator, host cores and guest vCPUs, in words (run.json's `fidelity`). */
  fidelity?: string;
}

interface FidelityJson {
  accel?: string;
  host_cores?: number;
  guest_vcpus?: number;
  oversubscribed?: boolean;
}

/** "guests on TCG: 14 vCPUs on 2 host cores (oversubscribed)". */
export function fidelityText(f: FidelityJson | undefined): string | undefined {
  if (!f || typeof f.accel !== "string") return undefined;
  return `guests on ${f.accel.toUpperCase()}: ${f.guest_vcpus ?? "?"} vCPUs on ${f.host_cores ?? "?"} host cores${f.oversubscribed ? " (oversubscribed: guests take turns on the cores)" : ""}`;
}

/** "rate50000-linkveth-nodenamespace-burst1" → {rate: 50000, link: "veth", node: "namespace", burst: 1}. */
export function variablesFromName(name: string): Record<string, Scalar> {
  const out: Record<string, Scalar> = {};
  for (const part of name.split("-")) {
    const m = /^(rate|link|node|burst|repeat|size|flows)(.+)$/.exec(part);
    if (!m) continue;
    const n = Number(m[2]);
    out[m[1]] = m[2] !== "" && Number.isFinite(n) ? n : m[2];
  }
  return out;
}

function errorText(e: unknown): string | undefined {
  if (e === undefined || e === null) return undefined;
  if (typeof e === "string") return e;
  const o = e as { code?: string; message?: string };
  return [o.code, o.message].filter(Boolean).join(": ") || JSON.stringify(e);
}

async function readRun(dir: string, name: string): Promise<RunRef> {
  const runJson = path.join(dir, "run.json");
  let variables = variablesFromName(name);
  let status = "ok";
  let error: string | undefined;
  let flows: number | undefined;
  let fidelity: string | undefined;
  if (await exists(runJson)) {
    let r: { variables?: Record<string, Scalar>; status?: string; error?: unknown; params?: { flows?: number }; fidelity?: FidelityJson };
    try {
      r = JSON.parse(await readText(runJson)) as typeof r;
    } catch (e) {
      if (e instanceof SyntaxError) throw new InputError("REPORT_BAD_RUN_JSON", `not valid JSON: ${e.message}`, { file: runJson });
      throw e;
    }
    if (r.variables && typeof r.variables === "object") variables = { ...variables, ...r.variables };
    if (typeof r.status === "string") status = r.status;
    error = errorText(r.error);
    // As in the database (docs/results.md): "running" on disk is a run hynet never finished.
    if (status === "running") {
      status = "aborted";
      error ??= "the run did not finish (hynet was stopped)";
    }
    const f = Number(r.params?.flows ?? r.variables?.flows);
    if (Number.isInteger(f) && f > 0) flows = f;
    fidelity = fidelityText(r.fidelity);
  }
  return { name, dir, variables, status, error, flows, ...(fidelity ? { fidelity } : {}) };
}

/** The runs in `resultsDir`, sorted by name; a clear error when there are none. */
export async function findRuns(resultsDir: string): Promise<RunRef[]> {
  let entries: import("node:fs").Dirent[];
  try {
    entries = await fsp.readdir(resultsDir, { withFileTypes: true });
  } catch (e) {
    throw fileError(e, resultsDir, "read the results folder");
  }
  const runs: RunRef[] = [];
  for (const d of entries) {
    if (!d.isDirectory() || d.name === "report" || d.name.startsWith(".") || MOVED_ASIDE.test(d.name)) continue;
    const dir = path.join(resultsDir, d.name);
    if ((await exists(path.join(dir, "run.json"))) || (await exists(path.join(dir, "eval")))) runs.push(await readRun(dir, d.name));
  }
  if (runs.length === 0) {
    const what = entries.length === 0 ? "it is empty" : `none of its ${entries.length} entries is a run folder`;
    throw new InputError("REPORT_NO_RUNS", `not a results folder: ${what} (a run folder holds run.json or eval/)`, {
      file: resultsDir,
      hint: "give the folder `hynet run` wrote (results/<experiment>), or evaluate captures into <dir>/<run>/eval first",
    });
  }
  runs.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return runs;
}
