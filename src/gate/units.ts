/**
 * Quantities in budgets and tolerances: `12us`, `0.5ms`, `1%`, `500kpps`.
 * Values are converted to the units the results database stores
 * (nanoseconds, ratios, packets per second).
 */
import { UsageError } from "../errors.js";
import { formatLatencyCompact } from "../units/format.js";

/** What a number measures; decides which units are accepted. */
export type QuantityKind = "latency" | "ratio" | "rate" | "count";

export interface Quantity {
  /** In ns (latency), as a fraction (ratio), in packets/s (rate), a fraction of the requested rate, or a plain number (count). */
  value: number;
  /** `rate` given in percent: a fraction of the run's requested rate, not packets per second. */
  ofRequested?: boolean;
  /** The text as the user wrote it, for tables and messages. */
  text: string;
}

/** Decimal exponent of each unit: the number is scaled by 10^exp. */
const LATENCY_UNITS: Record<string, number> = { ns: 0, us: 3, "µs": 3, "μs": 3, ms: 6, s: 9 };
const RATE_UNITS: Record<string, number> = { "": 0, pps: 0, k: 3, kpps: 3, m: 6, mpps: 6 };

const NUMBER = /^([+]?(?:\d+(?:\.\d*)?|\.\d+)(?:e[+-]?\d+)?)\s*([a-zµμ%]*)$/i;

/**
 * Scale by a power of ten through the decimal string, so that `0.1%` is exactly
 * the double nearest 0.001 (Number("0.1e-2")) rather than 0.1 / 100.
 */
function scaled(num: string, exp: number): number {
  const m = /^([^e]*)(?:e(.*))?$/i.exec(num)!;
  return Number(`${m[1]}e${Number(m[2] ?? 0) + exp}`);
}

/** Where a quantity came from, for error messages: `--max p99.99=…`, `experiment.yaml: gate.max.p99`. */
export interface Origin {
  what: string;
  file?: string;
  line?: number;
}

function bad(origin: Origin, message: string, hint: string): never {
  throw new UsageError(`${origin.what}: ${message}`, { hint, file: origin.file, line: origin.line });
}

/**
 * Parse a quantity of `kind`. Latency needs a unit (a bare `50` could be ns or µs);
 * a ratio is a percentage or a plain fraction; a rate is packets per second with an
 * optional k/M prefix, or a percentage of the requested rate.
 */
export function parseQuantity(input: string | number, kind: QuantityKind, origin: Origin): Quantity {
  const text = String(input).trim();
  const m = NUMBER.exec(text);
  if (!m) {
    bad(origin, `"${text}" is not a number with a unit`, hintFor(kind));
  }
  const [, num, rawUnit] = m;
  const unit = rawUnit.toLowerCase();
  switch (kind) {
    case "latency": {
      if (unit === "") bad(origin, `"${text}" has no unit`, hintFor(kind));
      const exp = LATENCY_UNITS[unit];
      if (exp === undefined) bad(origin, `unknown latency unit "${rawUnit}" in "${text}"`, hintFor(kind));
      return { value: scaled(num, exp), text };
    }
    case "ratio": {
      if (unit === "%") return { value: scaled(num, -2), text };
      if (unit !== "") bad(origin, `unknown unit "${rawUnit}" for a ratio in "${text}"`, hintFor(kind));
      return { value: Number(num), text };
    }
    case "rate": {
      if (unit === "%") return { value: scaled(num, -2), ofRequested: true, text };
      const exp = RATE_UNITS[unit];
      if (exp === undefined) bad(origin, `unknown rate unit "${rawUnit}" in "${text}"`, hintFor(kind));
      return { value: scaled(num, exp), text };
    }
    case "count": {
      if (unit !== "") bad(origin, `a count has no unit, got "${text}"`, hintFor(kind));
      if (!Number.isInteger(Number(num))) bad(origin, `"${text}" is not a whole number`, hintFor(kind));
      return { value: Number(num), text };
    }
  }
}

function hintFor(kind: QuantityKind): string {
  switch (kind) {
    case "latency":
      return "write a latency with a unit: 800ns, 12us, 0.5ms, 1s";
    case "ratio":
      return "write a ratio as a percentage (0.1%) or a fraction (0.001)";
    case "rate":
      return "write a rate in packets per second (500000, 500k, 0.5Mpps) or as a share of the requested rate (99%)";
    case "count":
      return "write a count as a whole number without a unit (0, 12)";
  }
}

/** Latency as a budget writes it (the verdicts quote budgets back). */
export const formatNs = formatLatencyCompact;

export function formatRatio(r: number): string {
  const pct = r * 100;
  if (pct === 0) return "0%";
  return `${Number(pct.toPrecision(3))}%`;
}

export function formatRate(pps: number): string {
  return `${Math.round(pps)} pps`;
}

export function formatQuantity(v: number, kind: QuantityKind, ofRequested = false): string {
  if (kind === "latency") return formatNs(v);
  if (kind === "count") return String(v);
  if (kind === "ratio" || ofRequested) return formatRatio(v);
  return formatRate(v);
}
