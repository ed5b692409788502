/**
 * Link impairments (what Mininet's TCLink offers in code, here in YAML):
 * delay with jitter and its distribution, random or Gilbert-Elliott loss,
 * a rate limit and a queue limit, per link and per direction. The file
 * syntax is a strict zod schema (a misspelt key is an error with its line,
 * never a silently ignored wish); the model is plain numbers in base units.
 * No system calls: src/net/impair.ts turns this into tc commands.
 */
import { z } from "zod";

export const JITTER_DISTRIBUTIONS = ["normal", "pareto", "paretonormal", "uniform"] as const;
export type JitterDistribution = (typeof JITTER_DISTRIBUTIONS)[number];

/** Gilbert-Elliott loss (netem's `gemodel`), all in percent. */
export interface GilbertLoss {
  /** Good → bad transition probability. */
  p: number;
  /** Bad → good transition probability. */
  r: number;
  /** Loss probability in the bad state (netem's 1-h); 100 by default. */
  bad: number;
  /** Loss probability in the good state (netem's 1-k); 0 by default. */
  good: number;
}

/** The impairments of one direction of a link (the egress of one end). Absent = not impaired. */
export interface Impairment {
  delayNs?: number;
  jitterNs?: number;
  /** How jitter is distributed; netem's default (uniform) when absent. */
  distribution?: JitterDistribution;
  /** Correlation of successive delays, percent. */
  delayCorrelation?: number;
  /** Random loss in percent, or a Gilbert-Elliott model. */
  loss?: number | GilbertLoss;
  /** Correlation of successive random losses, percent. */
  lossCorrelation?: number;
  /** Rate limit in bits per second. */
  rateBps?: number;
  /** Queue limit in packets. */
  queue?: number;
}

/** Both directions of a link: a→b is shaped on end a's egress, b→a on end b's. */
export interface LinkImpairments {
  aToB?: Impairment;
  bToA?: Impairment;
}

export const IMPAIRMENT_KEYS = ["delay", "jitter", "distribution", "delay_correlation", "loss", "loss_correlation", "rate", "queue"] as const;
export type ImpairmentKey = (typeof IMPAIRMENT_KEYS)[number];

const TIME_NS: Record<string, number> = { ns: 1, us: 1e3, "µs": 1e3, ms: 1e6, s: 1e9 };
const RATE_BPS: Record<string, number> = { bit: 1, kbit: 1e3, mbit: 1e6, gbit: 1e9 };

function quantity(v: string | number, units: Record<string, number>, what: string, example: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([A-Za-zµ]*)\s*$/.exec(String(v));
  const unit = m?.[2].toLowerCase() ?? "";
  if (!m || units[unit] === undefined) throw new Error(`"${v}" is not a ${what} (write e.g. ${example})`);
  return Math.round(Number(m[1]) * units[unit]);
}

/** "10ms" → 10 000 000 ns. */
export function parseTime(v: string | number): number {
  return quantity(v, TIME_NS, "time with a unit", "10ms, 250us, 1s");
}

/** "100mbit" → 1e8 bit/s. */
export function parseRate(v: string | number): number {
  return quantity(v, RATE_BPS, "rate in bit/s", "100mbit, 1gbit, 500kbit");
}

/** "1%" or "0.5%" → percent (0..100). */
export function parsePercent(v: string | number): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*%\s*$/.exec(String(v));
  const n = m ? Number(m[1]) : NaN;
  if (!(n >= 0 && n <= 100)) throw new Error(`"${v}" is not a percentage from 0% to 100% (write e.g. 1%)`);
  return n;
}

/** A zod field that parses with `f`, its error message being the parser's. */
function parsed<T>(f: (v: string | number) => T) {
  return z.union([z.string(), z.number()]).transform((v, ctx): T => {
    try {
      return f(v);
    } catch (e) {
      ctx.addIssue({ code: "custom", message: (e as Error).message });
      return z.NEVER;
    }
  });
}

const pct = parsed(parsePercent);
const gilbert = z
  .strictObject({ p: pct, r: pct, bad: pct.optional(), good: pct.optional() })
  .transform((g): GilbertLoss => ({ p: g.p, r: g.r, bad: g.bad ?? 100, good: g.good ?? 0 }));

const directionShape = {
  delay: parsed(parseTime).optional(),
  jitter: parsed(parseTime).optional(),
  distribution: z.enum(JITTER_DISTRIBUTIONS).optional(),
  delay_correlation: pct.optional(),
  loss: z.union([pct, gilbert]).optional(),
  loss_correlation: pct.optional(),
  rate: parsed(parseRate).optional(),
  queue: z.number().int().positive().optional(),
};

type DirectionIn = z.infer<z.ZodObject<typeof directionShape>>;

function toImpairment(d: DirectionIn): Impairment {
  const out: Impairment = {};
  if (d.delay !== undefined) out.delayNs = d.delay;
  if (d.jitter !== undefined) out.jitterNs = d.jitter;
  if (d.distribution !== undefined) out.distribution = d.distribution;
  if (d.delay_correlation !== undefined) out.delayCorrelation = d.delay_correlation;
  if (d.loss !== undefined) out.loss = d.loss;
  if (d.loss_correlation !== undefined) out.lossCorrelation = d.loss_correlation;
  if (d.rate !== undefined) out.rateBps = d.rate;
  if (d.queue !== undefined) out.queue = d.queue;
  return out;
}

/** Rules across keys, as the message of the first one broken (undefined = fine). */
export function impairmentProblem(i: Impairment): { key: ImpairmentKey; message: string } | undefined {
  if (i.distribution !== undefined && !i.jitterNs) return { key: "distribution", message: "a jitter distribution needs a jitter" };
  if (i.delayCorrelation !== undefined && !i.jitterNs) return { key: "delay_correlation", message: "a delay correlation needs a jitter" };
  if (i.jitterNs && i.delayNs !== undefined && i.jitterNs > i.delayNs && i.distribution !== undefined && i.distribution !== "uniform") {
    return { key: "jitter", message: "a jitter larger than the delay would need negative delays; netem clips them, which skews the distribution" };
  }
  if (i.lossCorrelation !== undefined && typeof i.loss !== "number") return { key: "loss_correlation", message: "a loss correlation applies to a random loss percentage (not a Gilbert-Elliott model)" };
  if (i.rateBps !== undefined && i.rateBps < 8000) return { key: "rate", message: "a rate below 8kbit cannot carry one full-size frame per second" };
  return undefined;
}

function checked(dir: DirectionIn, ctx: z.RefinementCtx, path: string[]): Impairment {
  const imp = toImpairment(dir);
  const p = impairmentProblem(imp);
  if (p) ctx.addIssue({ code: "custom", message: p.message, path: [...path, p.key] });
  return imp;
}

export const directionSchema = z.strictObject(directionShape);

/**
 * A link's `params:` in a topology file: keys at the top apply to both
 * directions; `a_to_b:` and `b_to_a:` add or override keys for one direction.
 */
export const linkParamsSchema = z
  .strictObject({ ...directionShape, a_to_b: directionSchema.optional(), b_to_a: directionSchema.optional() })
  .transform((v, ctx): LinkImpairments => {
    const { a_to_b, b_to_a, ...both } = v;
    const one = (d: DirectionIn | undefined, key: string): Impairment | undefined => {
      const imp = checked({ ...both, ...d }, ctx, d ? [key] : []);
      return Object.keys(imp).length ? imp : undefined;
    };
    const aToB = one(a_to_b, "a_to_b");
    const bToA = one(b_to_a, "b_to_a");
    return { ...(aToB ? { aToB } : {}), ...(bToA ? { bToA } : {}) };
  });

/** True when some direction of the link is impaired. */
export function isImpaired(l: LinkImpairments | undefined): boolean {
  return Boolean(l && (l.aToB || l.bToA));
}

/** The same keys as a `hynet link set` argument or an experiment loop variable: `delay=5ms` → Impairment. */
export function parseImpairmentAssignments(pairs: string[]): Impairment {
  const obj: Record<string, unknown> = {};
  for (const p of pairs) {
    const eq = p.indexOf("=");
    if (eq <= 0) throw new Error(`"${p}" is not KEY=VALUE (keys: ${IMPAIRMENT_KEYS.join(", ")})`);
    const k = p.slice(0, eq);
    const v = p.slice(eq + 1);
    obj[k] = k === "queue" && /^\d+$/.test(v) ? Number(v) : v;
  }
  return impairmentFrom(obj);
}

/** Validate one direction given as a plain object of file keys (experiment variables, CLI). Throws an Error naming the key. */
export function impairmentFrom(obj: Record<string, unknown>): Impairment {
  const r = directionSchema.safeParse(obj);
  if (!r.success) {
    const issue = r.error.issues[0];
    if (issue.code === "unrecognized_keys") throw new Error(`unknown impairment "${issue.keys[0]}" (known: ${IMPAIRMENT_KEYS.join(", ")})`);
    // `loss` is a percentage or a Gilbert-Elliott model: the percentage's complaint is the useful one.
    const msg = issue.code === "invalid_union" ? (issue.errors[0]?.[0]?.message ?? issue.message) : issue.message;
    throw new Error(`${issue.path.join(".")}: ${msg.replace(/^Invalid input: /, "")}`);
  }
  const imp = toImpairment(r.data);
  const p = impairmentProblem(imp);
  if (p) throw new Error(`${p.key}: ${p.message}`);
  return imp;
}

/** Short human text, e.g. "delay 10ms ±1ms normal, loss 1%, rate 100mbit". */
export function describeImpairment(i: Impairment): string {
  const t = (ns: number) => (ns % 1e6 === 0 ? `${ns / 1e6}ms` : ns % 1e3 === 0 ? `${ns / 1e3}us` : `${ns}ns`);
  const parts: string[] = [];
  if (i.delayNs !== undefined || i.jitterNs) parts.push(`delay ${t(i.delayNs ?? 0)}${i.jitterNs ? ` ±${t(i.jitterNs)}${i.distribution ? " " + i.distribution : ""}` : ""}`);
  if (typeof i.loss === "number") parts.push(`loss ${i.loss}%${i.lossCorrelation !== undefined ? ` (corr ${i.lossCorrelation}%)` : ""}`);
  else if (i.loss) parts.push(`loss gilbert p=${i.loss.p}% r=${i.loss.r}%`);
  if (i.rateBps !== undefined) parts.push(`rate ${i.rateBps % 1e6 === 0 ? `${i.rateBps / 1e6}mbit` : `${i.rateBps / 1e3}kbit`}`);
  if (i.queue !== undefined) parts.push(`queue ${i.queue}`);
  return parts.join(", ") || "none";
}

/** Experiment loop variables that set impairments: `link_delay`, `link_loss`, … (the link params' keys after `link_`). */
export const LOOP_VARIABLE_PREFIX = "link_";
const PERCENT_KEYS = new Set<string>(["loss", "loss_correlation", "delay_correlation"]);

/**
 * The impairment a run's variables ask for (undefined = none). Percentages
 * are plain numbers there (`link_loss: [0, 0.5]`): a `%` cannot be part of a
 * run folder's name. Throws an Error naming the variable.
 */
export function impairmentOfVariables(vars: Record<string, string | number | boolean>): Impairment | undefined {
  const obj: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(vars)) {
    if (!k.startsWith(LOOP_VARIABLE_PREFIX)) continue;
    const key = k.slice(LOOP_VARIABLE_PREFIX.length);
    if (!(IMPAIRMENT_KEYS as readonly string[]).includes(key)) throw new Error(`loop variable \`${k}\`: no impairment "${key}" (link_ variables: ${IMPAIRMENT_KEYS.map((x) => LOOP_VARIABLE_PREFIX + x).join(", ")})`);
    obj[key] = PERCENT_KEYS.has(key) && typeof v === "number" ? `${v}%` : v;
  }
  if (Object.keys(obj).length === 0) return undefined;
  try {
    return impairmentFrom(obj);
  } catch (e) {
    const m = /^([a-z_]+): (.*)$/.exec((e as Error).message);
    throw new Error(m ? `loop variable \`${LOOP_VARIABLE_PREFIX}${m[1]}\`: ${m[2]}` : (e as Error).message);
  }
}
