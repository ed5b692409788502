/** Parameters of `hynet evaluate` and their defaults (the output names they produce are in files.ts). */
import * as path from "node:path";
import { UsageError } from "../errors.js";
import { DEFAULT_FLOW_KEY, parseFlowKey } from "./flows.js";

export type TableFormat = "csv" | "parquet";
export const TABLE_FORMATS: readonly TableFormat[] = ["csv", "parquet"];

export interface EvalParams {
  /** Histogram bucket width in ns (hist, jitterpre/post). Default 100. */
  bucketSize: number;
  /** Leading milliseconds left out of latency outputs and rates. Default 0. */
  trimMs: number;
  /** Rows of the worst-of file. Default 5000. */
  numWorst: number;
  /** Require the 0x55 marker after the id. Default false (as the reference). */
  strictMarker: boolean;
  /** Formats of the per-packet latency table (B.latency-flows.*). Default both. */
  formats: TableFormat[];
  /** Flow key fields, default src, dst, dstport. */
  flowKey: string[];
  /** summary.json of `hynet calibrate` (a capture across a bare veth pair): its latency floor is reported. */
  calibration?: string;
  /** Subtract the calibration's median latency from every reported latency. */
  subtractFloor?: boolean;
}

export const DEFAULT_PARAMS: EvalParams = {
  bucketSize: 100,
  trimMs: 0,
  numWorst: 5000,
  strictMarker: false,
  formats: ["csv", "parquet"],
  flowKey: [...DEFAULT_FLOW_KEY],
};

export function checkParams(p: EvalParams): void {
  if (!Number.isInteger(p.bucketSize) || p.bucketSize < 1) throw new UsageError(`--bucket-size must be a positive integer (ns), got ${p.bucketSize}`);
  if (!Number.isFinite(p.trimMs) || p.trimMs < 0) throw new UsageError(`--trim-ms must be ≥ 0, got ${p.trimMs}`);
  if (!Number.isInteger(p.numWorst) || p.numWorst < 0) throw new UsageError(`--num-worst must be an integer ≥ 0, got ${p.numWorst}`);
  for (const f of p.formats) {
    if (!TABLE_FORMATS.includes(f)) throw new UsageError(`unknown --format "${f}"`, { hint: `use ${TABLE_FORMATS.join(",")}` });
  }
  parseFlowKey(p.flowKey);
  if (p.subtractFloor && !p.calibration) throw new UsageError("--subtract-floor needs --calibration FILE");
}

/** The post capture's path for a pre capture: "-pre" → "-post" in the basename (the last occurrence). */
export function postPathFor(pre: string): string {
  const dir = path.dirname(pre);
  const base = path.basename(pre);
  const i = base.lastIndexOf("-pre");
  if (i < 0) {
    throw new UsageError(`cannot derive the post capture from "${base}": its name has no "-pre"`, {
      file: pre,
      hint: "name it latencies-pre-….pcap or give --post FILE",
    });
  }
  return path.join(dir, `${base.slice(0, i)}-post${base.slice(i + 4)}`);
}
