/**
 * The evaluator's output file names (spec/evaluation.md), in one place: the
 * evaluator writes them, the results store and the report find them. A name
 * is a template over B (basename of the pre capture) and the parameters that
 * change the file's content, so a folder can hold several evaluations.
 */
import * as path from "node:path";

/** The parameters that appear in output names. */
export interface NameParams {
  bucketSize: number;
  trimMs: number;
  numWorst: number;
}

const TEMPLATES = {
  hist: "{B}.bucket_size{b}.trim_ms{t}.hist.csv",
  worst: "{B}.trim_ms{t}.num_worst{w}.worst.csv",
  percentiles: "{B}.trim_ms{t}.percentiles.csv",
  transferrate: "{B}.trim_ms{t}.transferrate.csv",
  packetratepre: "{B}.trim_ms{t}.packetratepre.csv",
  packetratepost: "{B}.trim_ms{t}.packetratepost.csv",
  latencyFlowsCsv: "{B}.latency-flows.csv",
  latencyFlowsParquet: "{B}.latency-flows.parquet",
  jitterpre: "{B}.bucket_size{b}.trim_ms{t}.jitterpre.csv",
  jitterpost: "{B}.bucket_size{b}.trim_ms{t}.jitterpost.csv",
  flows: "{B}.trim_ms{t}.flows.csv",
  flowsPercentiles: "{B}.trim_ms{t}.flows-percentiles.csv",
  hdr: "{B}.trim_ms{t}.hdr.csv",
  summary: "{B}.summary.json",
} as const;

export type OutputKind = keyof typeof TEMPLATES;
export type OutputNames = Record<OutputKind, string>;

function fill(template: string, values: Record<string, string>): string {
  return template.replace(/\{(\w)\}/g, (_, k: string) => values[k]);
}

const mapKinds = <T>(f: (template: string) => T) => Object.fromEntries(Object.entries(TEMPLATES).map(([k, t]) => [k, f(t)])) as Record<OutputKind, T>;

/** Output file names of one pair (B = basename of the pre file, extensions included). */
export function outputNames(pre: string, p: NameParams): OutputNames {
  const values = { B: path.basename(pre), b: String(p.bucketSize), t: String(p.trimMs), w: String(p.numWorst) };
  return mapKinds((t) => fill(t, values));
}

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/**
 * Patterns that find the outputs of base `base` whatever parameters they
 * were written with; a base of undefined matches any base and captures it.
 */
export function outputPatterns(base?: string): Record<OutputKind, RegExp> {
  const num = "\\d+(?:\\.\\d+)?";
  return mapKinds((t) => {
    const parts = t.split(/(\{\w\})/).map((s) => (s === "{B}" ? (base === undefined ? "(.+)" : escapeRe(base)) : /^\{\w\}$/.test(s) ? num : escapeRe(s)));
    return new RegExp(`^${parts.join("")}$`);
  });
}
