/**
 * The metrics a gate can check, each read from a column of the results
 * database's `runs` table (or, for percentiles without a column, from the
 * `percentiles` table).
 */
import { UsageError } from "../errors.js";
import type { QuantityKind } from "./units.js";

export interface MetricDef {
  /** Canonical name used in budgets, tables and JUnit: "p99.99", "loss", "rate". */
  name: string;
  kind: QuantityKind;
  /** Which direction is a regression: latency and loss get worse upwards, rate downwards. */
  worse: "higher" | "lower";
  /** Column of `runs` holding the value; absent for percentiles read from `percentiles`. */
  column?: string;
  /** For percentile metrics: p as a fraction (0.9999). */
  percentile?: number;
  description: string;
}

const DEFS: (MetricDef & { aliases?: string[] })[] = [
  { name: "loss", kind: "ratio", worse: "higher", column: "loss_ratio", aliases: ["loss_ratio"], description: "lost / pre records" },
  { name: "min", kind: "latency", worse: "higher", column: "lat_min_ns", description: "minimum latency" },
  { name: "mean", kind: "latency", worse: "higher", column: "lat_mean_ns", description: "mean latency" },
  { name: "p50", kind: "latency", worse: "higher", column: "lat_p50_ns", percentile: 0.5, aliases: ["median"], description: "median latency" },
  { name: "p99", kind: "latency", worse: "higher", column: "lat_p99_ns", percentile: 0.99, description: "99th percentile latency" },
  { name: "p99.9", kind: "latency", worse: "higher", column: "lat_p999_ns", percentile: 0.999, aliases: ["p999"], description: "99.9th percentile latency" },
  { name: "p99.99", kind: "latency", worse: "higher", column: "lat_p9999_ns", percentile: 0.9999, aliases: ["p9999"], description: "99.99th percentile latency" },
  { name: "max", kind: "latency", worse: "higher", column: "lat_max_ns", aliases: ["max_latency"], description: "maximum latency" },
  { name: "jitter", kind: "latency", worse: "higher", column: "jitter_ns", aliases: ["rfc3550"], description: "RFC 3550 interarrival jitter" },
  { name: "pdv", kind: "latency", worse: "higher", column: "pdv_mean_ns", aliases: ["pdv_mean"], description: "mean packet-delay variation" },
  { name: "pdv_max", kind: "latency", worse: "higher", column: "pdv_max_ns", description: "maximum packet-delay variation" },
  { name: "max_gap", kind: "latency", worse: "higher", column: "gap_max_ns", aliases: ["gap_max"], description: "largest inter-departure gap in the pre capture" },
  { name: "late_gaps", kind: "count", worse: "higher", column: "late_gaps", description: "inter-departure gaps longer than 10 mean periods" },
  { name: "rate", kind: "rate", worse: "lower", column: "achieved_pps", aliases: ["achieved_rate"], description: "achieved packet rate (a percentage means: of the requested rate)" },
];

const BY_NAME = new Map<string, MetricDef>();
for (const d of DEFS) {
  const { aliases, ...def } = d;
  BY_NAME.set(d.name, def);
  for (const a of aliases ?? []) BY_NAME.set(a, def);
}

/** Every named metric, for help texts and docs. */
export const METRICS: readonly MetricDef[] = DEFS.map((d) => BY_NAME.get(d.name)!);

/** Columns a results database made before hynet recorded departure gaps lacks: read as NULL there (the metric is then missing), not refused. */
export const OPTIONAL_METRIC_COLUMNS: readonly string[] = ["gap_max_ns", "late_gaps"];

/** Columns of `runs` the gate reads metrics from. */
export const METRIC_COLUMNS: readonly string[] = METRICS.flatMap((m) => (m.column ? [m.column] : [])).concat(["requested_pps"]);

/**
 * Look a metric up by name. Besides the named ones, any `pN` (p90, p99.999) is
 * a percentile read from the `percentiles` table.
 */
export function metricByName(name: string, where: { what: string; file?: string; line?: number }): MetricDef {
  const key = name.trim().toLowerCase();
  const known = BY_NAME.get(key);
  if (known) return known;
  const m = /^p(\d+(?:\.\d+)?)$/.exec(key);
  if (m) {
    const pct = Number(m[1]);
    if (pct >= 0 && pct <= 100) {
      return { name: key, kind: "latency", worse: "higher", percentile: Number(`${m[1]}e-2`), description: `${m[1]}th percentile latency` };
    }
  }
  throw new UsageError(`${where.what}: unknown metric "${name}"`, {
    hint: `metrics are ${METRICS.map((d) => d.name).join(", ")} or any percentile pN (p90, p99.999)`,
    file: where.file,
    line: where.line,
  });
}
