/**
 * Budgets: the experiment file's `gate:` section and the CLI's
 * `--max/--min/--tolerance/...` flags, turned into typed checks.
 *
 * ```yaml
 * gate:
 *   max: { p99.99: 50us, loss: 0.1% }          # every run
 *   min: { rate: 99% }                          # achieved ≥ 99 % of requested
 *   budgets:                                    # later entries override earlier ones
 *     - where: { node: vm_opt, link: hwpair, rate: ">=500000" }
 *       max: { p99.99: 200us }
 *   baseline:
 *     results: ../results-main                  # or --baseline DIR
 *     compare: [loss, p50, p99, p99.99, rate]
 *     tolerance: 10%                            # relative; or a map per metric
 *     absolute: { p50: 1us, loss: 0.01% }       # per metric
 *     alpha: 0.05
 *     allow_missing: false
 * ```
 */
import * as path from "node:path";
import { z } from "zod";
import { LineCounter, parseDocument, isNode } from "yaml";
import { UsageError } from "../errors.js";
import { readText } from "../sys/files.js";
import { GateError } from "./errors.js";
import { metricByName, type MetricDef } from "./metrics.js";
import { selectorFromMap, selectorFromTerms, type Selector, type SelectorValue } from "./selector.js";
import { parseQuantity, type Origin, type Quantity } from "./units.js";

const quantity = z.union([z.string(), z.number()]);
const metricMap = z.record(z.string(), quantity);
const selectorValue = z.union([z.string(), z.number(), z.boolean()]);
const whereMap = z.record(z.string(), z.union([selectorValue, z.array(selectorValue)]));

const budgetEntry = z
  .strictObject({
    /** A name for messages; defaults to the selector. */
    name: z.string().optional(),
    where: whereMap.optional(),
    max: metricMap.optional(),
    min: metricMap.optional(),
  })
  .refine((b) => b.max !== undefined || b.min !== undefined, { message: "a budget needs max: or min:" });

const baselineSection = z.strictObject({
  results: z.string().optional(),
  compare: z.array(z.string()).min(1).optional(),
  tolerance: z.union([quantity, metricMap]).optional(),
  absolute: metricMap.optional(),
  alpha: z.number().gt(0).lt(1).optional(),
  allow_missing: z.boolean().optional(),
});

const gateShape = z.strictObject({
  /** Only these runs are gated at all. */
  where: whereMap.optional(),
  max: metricMap.optional(),
  min: metricMap.optional(),
  budgets: z.array(budgetEntry).optional(),
  baseline: baselineSection.optional(),
});

export type GateSection = z.infer<typeof gateShape>;

/** A UsageError that knows where in the `gate:` section it arose, so schema issues can carry a path. */
class SectionError extends UsageError {
  constructor(
    readonly path: (string | number)[],
    inner: UsageError,
  ) {
    super(inner.message, { hint: inner.hint, file: inner.file, line: inner.line });
  }
}

/**
 * The zod schema of the experiment file's optional `gate:` section. Besides the
 * shape it checks metric names, units and selectors, so that a runner embedding
 * it reports `gate.max.p99.99: unknown latency unit "xs"` with its path.
 */
export const gateSchema = gateShape.superRefine((g, ctx) => {
  try {
    compile(g, {}, (p) => ({ what: ["gate", ...p].join(".") }), undefined, true);
  } catch (e) {
    // The issue's path says where; the message need not repeat it.
    if (e instanceof SectionError) ctx.addIssue({ code: "custom", path: e.path, message: e.message.replace(/^gate[^:]*: /, "") });
    else if (e instanceof UsageError) ctx.addIssue({ code: "custom", path: [], message: e.message });
    else throw e;
  }
});

/** One limit: `p99.99 <= 50us` for the runs `where` selects. */
export interface Budget {
  metric: MetricDef;
  bound: "max" | "min";
  limit: Quantity;
  where?: Selector;
  /** Where it was written: `--max p99.99=50us`, `gate.budgets[1].max.p99.99`. */
  source: string;
}

export interface Tolerance {
  /** Allowed worsening as a fraction of the baseline value. */
  relative: number;
  /** Allowed worsening in the metric's unit (ns, ratio, pps). */
  absolute: number;
}

export interface BaselineSpec {
  /** The earlier results folder; absent: no baseline comparison. */
  results?: string;
  compare: MetricDef[];
  /** Per metric name; metrics not listed get `defaultTolerance`. */
  tolerance: Record<string, Tolerance>;
  defaultTolerance: Tolerance;
  /** Significance level of the one-sided Mann-Whitney U test on repeated runs. */
  alpha: number;
  /** Runs only in the baseline are reported as skipped instead of "could not evaluate". */
  allowMissing: boolean;
}

/** Everything a gate checks; made by parseBudgets. */
export interface GateBudgets {
  budgets: Budget[];
  /** Only these runs are gated (both sides of a baseline comparison). */
  where?: Selector;
  baseline: BaselineSpec;
}

/** The CLI's flags, as given (lists of `METRIC=VALUE`). */
export interface BudgetFlags {
  max?: string[];
  min?: string[];
  where?: string[];
  baseline?: string;
  compare?: string[];
  /** `10%` (all metrics) or `p99.99=20%`. */
  tolerance?: string[];
  /** `p50=1us`, `loss=0.01%`. */
  absTolerance?: string[];
  alpha?: number;
  allowMissing?: boolean;
}

export const DEFAULT_COMPARE = ["loss", "p50", "p99", "p99.9", "p99.99", "rate"];
export const DEFAULT_RELATIVE_TOLERANCE = 0.1;
export const DEFAULT_ALPHA = 0.05;

function splitPair(term: string, flag: string): [string, string] {
  const i = term.indexOf("=");
  if (i <= 0 || i === term.length - 1) {
    throw new UsageError(`--${flag} "${term}" is not METRIC=VALUE`, { hint: `write e.g. --${flag} p99.99=50us` });
  }
  return [term.slice(0, i).trim(), term.slice(i + 1).trim()];
}

function wrap<T>(p: (string | number)[], fn: () => T, tagPaths: boolean): T {
  if (!tagPaths) return fn();
  try {
    return fn();
  } catch (e) {
    if (e instanceof UsageError && !(e instanceof SectionError)) throw new SectionError(p, e);
    throw e;
  }
}

/** Section → typed budgets. `at(path)` says where a value was written (for messages). */
function compile(
  g: GateSection,
  flags: BudgetFlags,
  at: (p: (string | number)[]) => Origin,
  baseDir: string | undefined,
  tagPaths = false,
): GateBudgets {
  const budgets: Budget[] = [];
  const addMap = (map: Record<string, string | number> | undefined, bound: "max" | "min", where: Selector | undefined, p: (string | number)[]) => {
    for (const [name, raw] of Object.entries(map ?? {})) {
      const pp = [...p, bound, name];
      wrap(
        pp,
        () => {
          const origin = at(pp);
          const metric = metricByName(name, origin);
          const limit = parseQuantity(raw, metric.kind, origin);
          budgets.push({ metric, bound, limit, where, source: origin.what });
        },
        tagPaths,
      );
    }
  };
  const whereOf = (m: Record<string, SelectorValue | SelectorValue[]> | undefined, p: (string | number)[]) =>
    m === undefined ? undefined : wrap(p, () => selectorFromMap(m, at(p)), tagPaths);

  const gateWhere = whereOf(g.where, ["where"]);
  addMap(g.max, "max", undefined, []);
  addMap(g.min, "min", undefined, []);
  (g.budgets ?? []).forEach((b, i) => {
    const w = whereOf(b.where, ["budgets", i, "where"]);
    addMap(b.max, "max", w, ["budgets", i]);
    addMap(b.min, "min", w, ["budgets", i]);
  });

  // Flags come last so that they override the file for the same metric and bound.
  for (const bound of ["max", "min"] as const) {
    for (const term of flags[bound] ?? []) {
      const [name, raw] = splitPair(term, bound);
      const origin = { what: `--${bound} ${term}` };
      const metric = metricByName(name, origin);
      budgets.push({ metric, bound, limit: parseQuantity(raw, metric.kind, origin), source: origin.what });
    }
  }
  let where = gateWhere;
  if (flags.where?.length) where = [...(where ?? []), ...selectorFromTerms(flags.where, { what: "--where" })];

  const b = g.baseline ?? {};
  const compareNames = flags.compare?.length ? flags.compare : (b.compare ?? DEFAULT_COMPARE);
  const compare = compareNames.map((n, i) =>
    flags.compare?.length ? metricByName(n, { what: "--compare" }) : wrap(["baseline", "compare", i], () => metricByName(n, at(["baseline", "compare", i])), tagPaths),
  );
  const defaultTolerance: Tolerance = { relative: DEFAULT_RELATIVE_TOLERANCE, absolute: 0 };
  const tolerance: Record<string, Tolerance> = {};
  const tolFor = (m: MetricDef) => (tolerance[m.name] ??= { ...defaultTolerance });
  const setRelative = (metricName: string | undefined, raw: string | number, origin: Origin) => {
    const q = parseQuantity(raw, "ratio", origin);
    if (metricName === undefined) {
      defaultTolerance.relative = q.value;
      for (const t of Object.values(tolerance)) t.relative = q.value;
    } else tolFor(metricByName(metricName, origin)).relative = q.value;
  };
  const setAbsolute = (metricName: string, raw: string | number, origin: Origin) => {
    const m = metricByName(metricName, origin);
    const q = parseQuantity(raw, m.kind, origin);
    if (q.ofRequested) throw new UsageError(`${origin.what}: an absolute rate tolerance is in packets per second, not a percentage`, { hint: "use --tolerance rate=1% for a relative one", file: origin.file, line: origin.line });
    tolFor(m).absolute = q.value;
  };
  if (typeof b.tolerance === "string" || typeof b.tolerance === "number") {
    const t = b.tolerance;
    wrap(["baseline", "tolerance"], () => setRelative(undefined, t, at(["baseline", "tolerance"])), tagPaths);
  } else {
    for (const [n, v] of Object.entries(b.tolerance ?? {})) {
      wrap(["baseline", "tolerance", n], () => setRelative(n, v, at(["baseline", "tolerance", n])), tagPaths);
    }
  }
  for (const [n, v] of Object.entries(b.absolute ?? {})) {
    wrap(["baseline", "absolute", n], () => setAbsolute(n, v, at(["baseline", "absolute", n])), tagPaths);
  }
  for (const term of flags.tolerance ?? []) {
    if (term.includes("=")) {
      const [n, v] = splitPair(term, "tolerance");
      setRelative(n, v, { what: `--tolerance ${term}` });
    } else setRelative(undefined, term, { what: `--tolerance ${term}` });
  }
  for (const term of flags.absTolerance ?? []) {
    const [n, v] = splitPair(term, "abs-tolerance");
    setAbsolute(n, v, { what: `--abs-tolerance ${term}` });
  }

  let results = flags.baseline ?? b.results;
  if (flags.baseline === undefined && b.results !== undefined && baseDir !== undefined) results = path.resolve(baseDir, b.results);
  const alpha = flags.alpha ?? b.alpha ?? DEFAULT_ALPHA;
  if (!(alpha > 0 && alpha < 1)) throw new UsageError(`--alpha ${alpha} is not between 0 and 1`, { hint: "the usual significance level is 0.05" });

  return {
    budgets,
    where,
    baseline: { results, compare, tolerance, defaultTolerance, alpha, allowMissing: flags.allowMissing ?? b.allow_missing ?? false },
  };
}

/** Where the section's values sit in a file, to name lines in messages. */
export interface SectionSource {
  /** The experiment file; named in messages. */
  file?: string;
  /** Line (1-based) of a path inside `gate:`, when known. */
  lineOf?: (p: (string | number)[]) => number | undefined;
}

/**
 * Budgets from a `gate:` section (already validated with gateSchema, or
 * undefined) and CLI flags. Flags come after the file: for the same metric and
 * bound on the same run the later budget wins, and `--baseline` replaces
 * `baseline.results` (a relative `results` path is resolved against the file's folder).
 */
export function parseBudgets(gate?: GateSection, flags: BudgetFlags = {}, source: SectionSource = {}): GateBudgets {
  const at = (p: (string | number)[]): Origin => ({ what: ["gate", ...p].join("."), file: source.file, line: source.lineOf?.(p) });
  const baseDir = source.file ? path.dirname(source.file) : undefined;
  return compile(gate ?? {}, flags, at, baseDir);
}

/**
 * Read the `gate:` section of an experiment (or any YAML) file, validated with
 * gateSchema; errors name the file and the line. Undefined when the file has no `gate:`.
 */
export async function loadGateSection(file: string): Promise<{ gate: GateSection; source: SectionSource } | undefined> {
  const text = await readText(file);
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: false });
  if (doc.errors.length > 0) {
    const e = doc.errors[0];
    throw new GateError("GATE_BAD_FILE", `not valid YAML: ${e.message.split("\n")[0]}`, { file, line: lc.linePos(e.pos[0]).line });
  }
  const js: unknown = doc.toJS();
  if (js === null || typeof js !== "object" || !("gate" in js)) return undefined;
  const lineOf = (p: (string | number)[]): number | undefined => {
    for (let n = p.length; n >= 0; n--) {
      const node: unknown = doc.getIn(["gate", ...p.slice(0, n)], true);
      if (isNode(node) && node.range) return lc.linePos(node.range[0]).line;
    }
    return undefined;
  };
  const parsed = gateSchema.safeParse((js as { gate: unknown }).gate);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const p = issue.path.map((k) => (typeof k === "number" ? k : String(k)));
    const where = ["gate", ...p].join(".");
    const msg = issue.message.startsWith("gate.") ? issue.message : `${where}: ${issue.message}`;
    throw new GateError("GATE_BAD_BUDGET", msg, { file, line: lineOf(p), hint: "see docs/gate.md for the gate: section" });
  }
  return { gate: parsed.data, source: { file, lineOf } };
}
