/**
 * The plan: the runs of a series, as the cross product of each loop block,
 * blocks concatenated in file order, duplicates (same name) kept once.
 */
import { InputError } from "../errors.js";
import type { Experiment, LoopBlock, Scalar } from "./file.js";
import { impairmentOfVariables, type Impairment } from "../topo/impair.js";

/** Everything one run needs, resolved from globals and loop variables. */
export interface RunParams {
  /** Absolute path of the run's topology file. */
  topology: string;
  rate: number;
  burst: number;
  node: string;
  link: string;
  switch: string;
  repeat: number;
  flows: number;
  size: number;
  /** Seconds. */
  measurementTime: number;
  /** Seconds. */
  warmUpTime: number;
  /** Impairments from `link_*` loop variables, laid over the links `globals.impair_links` selects (all by default). */
  impair?: Impairment;
  impairLinks?: (string | number)[];
}

export interface PlannedRun {
  /** 1-based position in the series. */
  index: number;
  /** Folder name, e.g. `rate50000-linkveth-nodenamespace-burst1`. */
  name: string;
  /** The loop variables of this run (only those; globals are in `params`). */
  variables: Record<string, Scalar>;
  params: RunParams;
}

/** The seed named runs rate, link, node, burst; other variables follow alphabetically. */
const NAME_ORDER = ["rate", "link", "node", "burst"];

function nameOrder(a: string, b: string): number {
  const ia = NAME_ORDER.indexOf(a);
  const ib = NAME_ORDER.indexOf(b);
  if (ia >= 0 || ib >= 0) return (ia < 0 ? NAME_ORDER.length : ia) - (ib < 0 ? NAME_ORDER.length : ib);
  return a < b ? -1 : a > b ? 1 : 0;
}

export function formatValue(v: Scalar): string {
  return typeof v === "number" ? (Number.isInteger(v) ? v.toFixed(0) : String(v)) : String(v);
}

/** `rate50000-linkveth-nodenamespace-burst1`: each variable's name followed by its value. */
export function runName(variables: Record<string, Scalar>): string {
  return Object.keys(variables)
    .sort(nameOrder)
    .map((k) => `${k}${formatValue(variables[k])}`)
    .join("-");
}

/** Cross product of one block; the first key varies slowest, like nested loops written in file order. */
export function crossProduct(block: LoopBlock): Record<string, Scalar>[] {
  let out: Record<string, Scalar>[] = [{}];
  for (const [k, values] of Object.entries(block)) {
    const next: Record<string, Scalar>[] = [];
    for (const partial of out) for (const v of values) next.push({ ...partial, [k]: v });
    out = next;
  }
  return out;
}

function num(v: Scalar | undefined, fallback: number): number {
  return v === undefined ? fallback : Number(v);
}

/** The line of the loop value that names a topology (blocks are searched in order). */
function topologyLine(exp: Experiment, name: string): number | undefined {
  for (let b = 0; b < exp.loops.length; b++) {
    const i = exp.loops[b].topology?.map(String).indexOf(name) ?? -1;
    if (i >= 0) return exp.lineOf?.(["loop", b, "topology", i]);
  }
  return undefined;
}

export function resolveParams(exp: Experiment, vars: Record<string, Scalar>): RunParams {
  const g = exp.globals;
  const rate = vars.rate ?? g.rate;
  if (rate === undefined) {
    throw new InputError("EXPERIMENT_NO_RATE", "no packet rate: set `rate` under `loop:` or `globals:`", { file: exp.file, line: exp.lineOf?.(["loop"]), hint: "e.g. loop: { rate: [50000, 100000] }" });
  }
  let topology = exp.topology;
  if (vars.topology !== undefined) {
    const t = exp.topologies[String(vars.topology)];
    if (!t) {
      throw new InputError("EXPERIMENT_UNKNOWN_TOPOLOGY", `loop variable \`topology\`: no topology named "${String(vars.topology)}" under \`topologies:\``, {
        file: exp.file,
        line: topologyLine(exp, String(vars.topology)),
        hint: Object.keys(exp.topologies).length ? `named topologies: ${Object.keys(exp.topologies).join(", ")}` : "add `topologies: { NAME: FILE }`",
      });
    }
    topology = t;
  }
  let impair: Impairment | undefined;
  try {
    impair = impairmentOfVariables(vars);
  } catch (e) {
    throw new InputError("EXPERIMENT_INVALID", (e as Error).message, { file: exp.file, hint: "impairment variables: docs/experiment.md, \"Link impairments as loop variables\"" });
  }
  return {
    topology,
    rate: Number(rate),
    burst: num(vars.burst, g.burst),
    node: String(vars.node ?? g.node),
    link: String(vars.link ?? g.link),
    switch: g.switch,
    repeat: num(vars.repeat, 0),
    flows: num(vars.flows, g.flows),
    size: num(vars.size, g.size),
    measurementTime: num(vars.measurement_time, g.measurement_time),
    warmUpTime: num(vars.warm_up_time, g.warm_up_time),
    ...(impair ? { impair, ...(g.impair_links ? { impairLinks: g.impair_links } : {}) } : {}),
  };
}

export function planRuns(exp: Experiment): PlannedRun[] {
  const seen = new Set<string>();
  const runs: PlannedRun[] = [];
  for (const block of exp.loops) {
    for (const variables of crossProduct(block)) {
      const name = runName(variables);
      if (seen.has(name)) continue;
      seen.add(name);
      runs.push({ index: runs.length + 1, name, variables, params: resolveParams(exp, variables) });
    }
  }
  return runs;
}

/** Rough wall time of one run before any has been measured: warm-up train, pause, measurement, and ~3 s of overhead. */
export function estimateRunSeconds(p: RunParams): number {
  return p.warmUpTime + p.measurementTime + 3;
}
