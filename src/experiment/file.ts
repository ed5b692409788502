/**
 * The experiment file: one YAML file describing a measurement series the
 * way the seed's pos scripts did (global variables + loop variables whose
 * cross product gives the runs), plus hynet's own sections (evaluation,
 * load generator, timestamper, captures, gate). Validated with zod; every
 * problem is reported as one line naming file:line and the field.
 */
import * as path from "node:path";
import { LineCounter, parseDocument, isNode, type Document } from "yaml";
import { z } from "zod";
import { InputError } from "../errors.js";
import { readText } from "../sys/files.js";
import { gateSchema } from "../gate/budgets.js";

/** A loop value: what can appear in a run folder's name. */
export type Scalar = string | number | boolean;

/** Values become part of folder names (`rate50000-linkveth-…`): keep them to characters that cannot break a path or the `-` separator. */
const SAFE_VALUE = /^[A-Za-z0-9_.+]+$/;
const VAR_NAME = /^[a-z][a-z0-9_]*$/;
const KIND_NAME = /^[a-z][a-z0-9_]*$/;

const safeScalar = z.union([z.string(), z.number(), z.boolean()]).refine((v) => (typeof v === "number" ? Number.isFinite(v) && v >= 0 : SAFE_VALUE.test(String(v))), {
  message: "loop values must be non-negative numbers, booleans or words of letters, digits, '_', '.', '+' (they become part of folder names)",
});
const posInt = z.number().int().positive();
const posNum = z.number().positive();
const nonNegNum = z.number().nonnegative();
const kind = z.string().regex(KIND_NAME, "expected a kind name such as namespace, vm, veth");

function list<T extends z.ZodType>(item: T) {
  return z.array(item).min(1, "a loop variable needs at least one value");
}

/** Variables hynet itself understands; anything else in a loop block is passed to the run as a variable. */
export const KNOWN_VARIABLES = ["rate", "burst", "node", "link", "repeat", "flows", "size", "measurement_time", "warm_up_time"] as const;

const loopBlock = z
  .object({
    rate: list(posInt).optional(),
    burst: list(posInt).optional(),
    node: list(kind).optional(),
    link: list(kind).optional(),
    repeat: list(z.number().int().nonnegative()).optional(),
    flows: list(posInt).optional(),
    size: list(z.number().int().min(60).max(9000)).optional(),
    measurement_time: list(posNum).optional(),
    warm_up_time: list(nonNegNum).optional(),
  })
  .catchall(list(safeScalar))
  .superRefine((block, ctx) => {
    for (const k of Object.keys(block)) {
      if (!VAR_NAME.test(k)) ctx.addIssue({ code: "custom", path: [k], message: "loop variable names are lower-case words (letters, digits, '_')" });
    }
    if (Object.keys(block).length === 0) ctx.addIssue({ code: "custom", path: [], message: "a loop block needs at least one variable" });
  });

const globalsSchema = z.strictObject({
  /** Seconds of measured traffic per run (seed: 90). */
  measurement_time: posNum.default(90),
  /** Seconds of pause after the warm-up train, during which the timestamper starts (seed: 30). */
  warm_up_time: nonNegNum.default(30),
  /** Frame size in bytes, without FCS (seed: 84). */
  size: z.number().int().min(60).max(9000).default(84),
  flows: posInt.default(10),
  rate: posInt.optional(),
  burst: posInt.default(1),
  node: kind.default("namespace"),
  link: kind.default("veth"),
  switch: kind.default("bridge"),
  /** Links the `link_*` loop variables impair: indices (both directions) or NODE:IFNAME ends; all links when absent. */
  impair_links: z.array(z.union([z.number().int().nonnegative(), z.string().regex(/^[A-Za-z0-9_.-]+:[A-Za-z0-9_.@-]+$/, "expected a link index or NODE:IFNAME")])).min(1).optional(),
});

const evaluationSchema = z.strictObject({
  bucket_size: posInt.default(100),
  trim_ms: z.number().int().nonnegative().default(0),
  num_worst: z.number().int().nonnegative().default(5000),
  strict_marker: z.boolean().default(false),
  formats: z.array(z.enum(["csv", "parquet"])).default(["csv"]),
  flow_key: z.array(z.string()).min(1).default(["src", "dst", "dstport"]),
  calibration: z.string().optional(),
});

const captureSchema = z.strictObject({
  /** Compression of the kept captures; the seed used zstd -13. */
  compression: z.enum(["zstd", "none"]).default("zstd"),
  level: z.number().int().min(1).max(19).default(3),
  snaplen: posInt.default(84),
  /** How long the capture keeps running after the last measured frame was sent. */
  drain_ms: z.number().int().nonnegative().default(200),
});

/** Where traffic leaves and where the taps are, as `host:interface` of the topology (see docs/experiment.md). */
const endpoint = z.string().regex(/^[A-Za-z0-9_.-]+:[A-Za-z0-9_.@-]+$/, "expected host:interface, e.g. lg:tx");
const trafficSchema = z.strictObject({
  tx: endpoint.optional(),
  pre: endpoint.optional(),
  post: endpoint.optional(),
  dst_mac: z.string().regex(/^([0-9a-fA-F]{2}:){5}[0-9a-fA-F]{2}$/, "expected a MAC address like 3e:e5:a8:40:0d:00").optional(),
  src_mac: z.string().regex(/^([0-9a-fA-F]{2}:){5}[0-9a-fA-F]{2}$/, "expected a MAC address like 3e:e5:a8:40:0d:00").optional(),
  /**
   * Real-time priority for the sender and capture threads. Without it a busy
   * 2-core machine clumps the pacing (see docs/traffic.md for the numbers).
   */
  realtime: z.boolean().default(true),
});

export const experimentSchema = z.strictObject({
  /** Topology file, relative to the experiment file. */
  topology: z.string().min(1),
  /** More topologies by name, for a loop variable `topology: [name, …]` (files relative to the experiment file). */
  topologies: z.record(z.string().regex(SAFE_VALUE, "topology names are words of letters, digits, '_', '.', '+'"), z.string().min(1)).optional(),
  description: z.string().optional(),
  globals: globalsSchema.default(globalsSchema.parse({})),
  /** One block (a mapping) or several (a list of mappings): each block is a cross product; the plan is their concatenation. */
  loop: z.preprocess((v) => (v !== null && typeof v === "object" && !Array.isArray(v) ? [v] : v), z.array(loopBlock).min(1, "`loop` needs at least one block")),
  evaluation: evaluationSchema.default(evaluationSchema.parse({})),
  loadgen: z.string().default("builtin"),
  timestamper: z.string().default("builtin"),
  capture: captureSchema.default(captureSchema.parse({})),
  traffic: trafficSchema.default({ realtime: true }),
  /** Latency budgets for `hynet run --gate` (validated with the gate's own schema). */
  gate: gateSchema.optional(),
});

export type ExperimentData = z.output<typeof experimentSchema>;
export type LoopBlock = Record<string, Scalar[]>;

export interface Experiment {
  /** Absolute path of the experiment file. */
  file: string;
  /** Absolute path of the topology file. */
  topology: string;
  /** Named topologies (absolute paths) a loop variable `topology` chooses from. */
  topologies: Record<string, string>;
  description?: string;
  globals: ExperimentData["globals"];
  loops: LoopBlock[];
  evaluation: ExperimentData["evaluation"];
  loadgen: string;
  timestamper: string;
  capture: ExperimentData["capture"];
  traffic: ExperimentData["traffic"];
  gate?: unknown;
  /** The line of a field (["loop", 0, "node", 1]; loop blocks are numbered even when `loop:` is one mapping), for checks made after parsing. */
  lineOf?: (field: (string | number)[]) => number | undefined;
}

export function lineOf(doc: Document, lc: LineCounter, p: PropertyKey[]): number | undefined {
  // Walk up the path until a node exists: a missing key is reported at its parent.
  for (let n = p.length; n >= 0; n--) {
    const node = doc.getIn(p.slice(0, n) as (string | number)[], true);
    if (isNode(node) && node.range) return lc.linePos(node.range[0]).line;
    if (n === 0 && doc.contents && isNode(doc.contents) && doc.contents.range) return lc.linePos(doc.contents.range[0]).line;
  }
  return undefined;
}

export function fieldName(p: PropertyKey[]): string {
  let s = "";
  for (const k of p) s += typeof k === "number" ? `[${k}]` : s ? `.${String(k)}` : String(k);
  return s;
}

/** Parse and validate experiment text; `file` is used for messages and to resolve the topology path. */
export function parseExperiment(text: string, file: string): Experiment {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length) {
    const e = doc.errors[0];
    const line = lc.linePos(e.pos[0]).line;
    throw new InputError("EXPERIMENT_YAML", `not valid YAML: ${e.message.split("\n")[0]}`, { file, line });
  }
  const raw: unknown = doc.toJS();
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) {
    throw new InputError("EXPERIMENT_INVALID", "an experiment file is a YAML mapping with at least `topology:` and `loop:`", { file, line: 1, hint: "see docs/experiment.md" });
  }
  const r = experimentSchema.safeParse(raw);
  if (!r.success) {
    const issue = r.error.issues[0];
    // A single loop block was wrapped in a list for validation: drop that index again so the line is found.
    const loopIsMapping = (raw as Record<string, unknown>).loop !== null && typeof (raw as Record<string, unknown>).loop === "object" && !Array.isArray((raw as Record<string, unknown>).loop);
    if (loopIsMapping && issue.path[0] === "loop" && issue.path[1] === 0) issue.path.splice(1, 1);
    const more = r.error.issues.length > 1 ? ` (and ${r.error.issues.length - 1} more problem${r.error.issues.length > 2 ? "s" : ""})` : "";
    const field = fieldName(issue.path);
    let message = issue.message;
    if (issue.code === "unrecognized_keys") message = `unknown field${issue.keys.length > 1 ? "s" : ""} ${issue.keys.map((k) => `\`${k}\``).join(", ")}`;
    if (issue.code === "invalid_type" && /received undefined/.test(issue.message)) message = "is required";
    throw new InputError("EXPERIMENT_INVALID", `${field ? `field \`${field}\`: ` : ""}${message}${more}`, {
      file,
      line: lineOf(doc, lc, issue.code === "unrecognized_keys" ? [...issue.path, issue.keys[0]] : issue.path),
      hint: "see docs/experiment.md",
    });
  }
  const d = r.data;
  const blocks = d.loop as LoopBlock[];
  const dir = path.dirname(path.resolve(file));
  return {
    file: path.resolve(file),
    topology: path.resolve(dir, d.topology),
    topologies: Object.fromEntries(Object.entries(d.topologies ?? {}).map(([k, v]) => [k, path.resolve(dir, v)])),
    description: d.description,
    globals: d.globals,
    loops: blocks,
    evaluation: d.evaluation,
    loadgen: d.loadgen,
    timestamper: d.timestamper,
    capture: d.capture,
    traffic: d.traffic,
    gate: d.gate,
    lineOf: (field) => {
      const loopIsMapping = !Array.isArray((raw as Record<string, unknown>).loop);
      return lineOf(doc, lc, loopIsMapping && field[0] === "loop" ? [field[0], ...field.slice(2)] : field);
    },
  };
}

export async function loadExperiment(file: string): Promise<Experiment> {
  return parseExperiment(await readText(file), file);
}
