/**
 * Selectors pick runs by their loop variables:
 * `where: { node: vm_opt, link: [veth, hwpair], rate: ">=500000", run: "*burst1*" }`.
 * A value is an exact match, a list of alternatives, or a comparison
 * (`>=`, `<=`, `>`, `<`, `!=`, `=`) that is numeric when both sides are numbers.
 */
import { UsageError } from "../errors.js";
import type { Origin } from "./units.js";

export type SelectorValue = string | number | boolean;

export interface Condition {
  key: string;
  op: "=" | "!=" | ">=" | "<=" | ">" | "<";
  /** Alternatives: the condition holds when any matches (only with `=` and `!=`, where `!=` means none matches). */
  values: SelectorValue[];
}

/** All conditions must hold. */
export type Selector = Condition[];

const OPS = [">=", "<=", "!=", "==", "=", ">", "<"] as const;

function parseValue(v: string): SelectorValue {
  return v.trim();
}

/** One condition from a map entry: `rate: ">=500000"`, `node: [vm, vm_opt]`. */
export function conditionFrom(key: string, raw: SelectorValue | SelectorValue[], origin: Origin): Condition {
  if (Array.isArray(raw)) {
    if (raw.length === 0) throw new UsageError(`${origin.what}: "${key}" has an empty list`, { hint: "list at least one value", file: origin.file, line: origin.line });
    return { key, op: "=", values: raw };
  }
  if (typeof raw === "string") {
    const s = raw.trim();
    for (const op of OPS) {
      if (s.startsWith(op)) {
        const rest = s.slice(op.length).trim();
        if (rest === "") throw new UsageError(`${origin.what}: "${key}: ${raw}" has no value after ${op}`, { hint: `write e.g. ${key}: ">=500000"`, file: origin.file, line: origin.line });
        const o = op === "==" ? "=" : op;
        if ((o === ">" || o === "<" || o === ">=" || o === "<=") && !Number.isFinite(Number(rest))) {
          throw new UsageError(`${origin.what}: "${key}: ${raw}" compares with "${rest}", which is not a number`, { hint: "<, >, <= and >= need a number", file: origin.file, line: origin.line });
        }
        return { key, op: o, values: rest.split("|").map(parseValue) };
      }
    }
    return { key, op: "=", values: s.split("|").map(parseValue) };
  }
  return { key, op: "=", values: [raw] };
}

/** A selector from the experiment file's `where:` map. */
export function selectorFromMap(map: Record<string, SelectorValue | SelectorValue[]>, origin: Origin): Selector {
  return Object.entries(map).map(([k, v]) => conditionFrom(k, v, origin));
}

/** A selector from CLI `--where` terms: `node=vm_opt`, `rate>=500000`, `link=veth|hwpair`. */
export function selectorFromTerms(terms: string[], origin: Origin): Selector {
  return terms.map((t) => {
    const m = /^\s*([A-Za-z_][\w.-]*)\s*(>=|<=|!=|==|=|>|<)(.*)$/.exec(t);
    if (!m) throw new UsageError(`${origin.what}: "${t}" is not a condition`, { hint: "write KEY=VALUE, KEY>=NUMBER, KEY!=VALUE or KEY=A|B", file: origin.file, line: origin.line });
    const [, key, op, rest] = m;
    return conditionFrom(key, op === "=" || op === "==" ? rest : `${op}${rest}`, origin);
  });
}

function equal(have: unknown, want: SelectorValue): boolean {
  if (have === undefined || have === null) return false;
  if (typeof have === "number" || typeof want === "number") {
    const a = Number(have);
    const b = Number(want);
    if (Number.isFinite(a) && Number.isFinite(b) && String(want).trim() !== "" && String(have).trim() !== "") return a === b;
  }
  return String(have) === String(want);
}

/** `*` in a string value matches any characters (for `run: "*burst1*"`). */
function globEqual(have: unknown, want: SelectorValue): boolean {
  if (typeof want === "string" && want.includes("*") && have !== undefined && have !== null) {
    const re = new RegExp(`^${want.split("*").map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join(".*")}$`);
    return re.test(String(have));
  }
  return equal(have, want);
}

export function conditionHolds(c: Condition, vars: Record<string, unknown>): boolean {
  const have = vars[c.key];
  switch (c.op) {
    case "=":
      return c.values.some((v) => globEqual(have, v));
    case "!=":
      return have !== undefined && !c.values.some((v) => globEqual(have, v));
    default: {
      const a = Number(have);
      const b = Number(c.values[0]);
      if (have === undefined || have === null || !Number.isFinite(a)) return false;
      return c.op === ">=" ? a >= b : c.op === "<=" ? a <= b : c.op === ">" ? a > b : a < b;
    }
  }
}

export function matches(sel: Selector | undefined, vars: Record<string, unknown>): boolean {
  return (sel ?? []).every((c) => conditionHolds(c, vars));
}

export function describeSelector(sel: Selector | undefined): string {
  if (!sel || sel.length === 0) return "all runs";
  return sel.map((c) => `${c.key}${c.op === "=" ? "=" : c.op}${c.values.join("|")}`).join(", ");
}
