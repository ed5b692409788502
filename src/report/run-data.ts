/**
 * One run's evaluated results, read from its files: eval/ (names per
 * spec/evaluation.md, B = basename of the pre capture) and irq/. Every file
 * is optional — a figure whose file is missing is left out and the run page
 * says so — but a file that is present and malformed is an error naming it.
 *
 * Timestamps stay the strings they were in the file (epoch nanoseconds do not
 * fit a double); figures get seconds relative to the start of measurement,
 * computed exactly with BigInt.
 */
import { promises as fsp } from "node:fs";
import * as path from "node:path";
import { InputError, fileError } from "../errors.js";
import { exists, readText } from "../sys/files.js";
import { readCsv, type Table } from "./csv.js";
import type { RunRef } from "./discover.js";
import { outputPatterns, type OutputKind } from "../evaluate/files.js";
import { readFlowPercentiles, type FlowPercentiles } from "./flow-percentiles.js";

export interface EvalFiles {
  base: string;
  summary?: string;
  percentiles?: string;
  hist?: string;
  worst?: string;
  packetratepre?: string;
  packetratepost?: string;
  jitterpre?: string;
  jitterpost?: string;
  latencyFlows?: string;
  flowsPercentiles?: string;
}

/** B.summary.json as the evaluator writes it (snake_case); only the fields the report shows. */
export interface SummaryJson {
  pre_records?: number;
  post_records?: number;
  matched?: number;
  lost?: number;
  duplicated?: number;
  reordered?: number;
  misses?: number;
  latency_ns?: Partial<Record<"min" | "mean" | "stddev" | "p50" | "p99" | "p999" | "p9999" | "max", number | null>>;
  pdv_ns?: { mean?: number | null; max?: number | null };
  rfc3550_jitter_ns?: number | null;
  transfer_rate?: number | null;
  pre_pps?: number | null;
  post_pps?: number | null;
  departure_gaps?: Partial<Record<"p1_ns" | "p50_ns" | "p99_ns" | "max_ns" | "period_ns" | "late_gaps", number | null>>;
  flows?: unknown[];
}

/**
 * Per-flow latencies, gathered from B.latency-flows.csv: only for eval folders
 * written before the evaluator wrote flows-percentiles.csv, so the flows are
 * inferred from the packet ids (see readFlowLatencies).
 */
export interface FlowLatencies {
  file: string;
  /** Flow label → latencies in ns, ascending. */
  flows: Map<string, Float64Array>;
}

export interface RunData {
  ref: RunRef;
  files?: EvalFiles;
  summary?: SummaryJson;
  percentiles?: Table;
  hist?: Table;
  worst?: Table;
  ratePre?: Table;
  ratePost?: Table;
  jitterPre?: Table;
  jitterPost?: Table;
  /** Per-flow percentiles under the evaluator's flow key (B.trim_ms{t}.flows-percentiles.csv). */
  flowPercentiles?: FlowPercentiles;
  /** The fallback when that file is missing: flows inferred from the per-packet table. */
  flowLatencies?: FlowLatencies;
  interrupts?: Table;
  softirqs?: Table;
  /** Start of measurement (epoch ns, as text): the first pre packet-rate bucket, else the first IRQ sample. */
  t0?: string;
  /** Why some figures are missing, for the run page. */
  notes: string[];
}

export interface LoadOptions {
  /**
   * Folders without flows-percentiles.csv: B.latency-flows.csv holds every match; above this
   * size the per-flow figures are left out (bytes).
   */
  flowFileLimit: number;
}

/** Smallest trim (then bucket size) first when the evaluator was run with several. */
function pick(names: string[], re: RegExp): string | undefined {
  const hits = names.filter((n) => re.test(n));
  hits.sort((a, b) => a.localeCompare(b, "en", { numeric: true }));
  return hits[0];
}

export async function findEvalFiles(evalDir: string): Promise<EvalFiles | undefined> {
  let names: string[];
  try {
    names = await fsp.readdir(evalDir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw fileError(e, evalDir, "read the eval folder");
  }
  const bases = new Set<string>();
  const any = outputPatterns();
  for (const n of names) {
    const m = any.summary.exec(n) ?? any.percentiles.exec(n);
    if (m) bases.add(m[1]);
  }
  if (bases.size === 0) return undefined;
  const base = [...bases].sort((a, b) => Number(!a.startsWith("latencies-pre")) - Number(!b.startsWith("latencies-pre")) || a.localeCompare(b))[0];
  const re = outputPatterns(base);
  const at = (kind: OutputKind) => {
    const n = pick(names, re[kind]);
    return n ? path.join(evalDir, n) : undefined;
  };
  return {
    base,
    summary: at("summary"),
    percentiles: at("percentiles"),
    hist: at("hist"),
    worst: at("worst"),
    packetratepre: at("packetratepre"),
    packetratepost: at("packetratepost"),
    jitterpre: at("jitterpre"),
    jitterpost: at("jitterpost"),
    latencyFlows: at("latencyFlowsCsv"),
    flowsPercentiles: at("flowsPercentiles"),
  };
}

async function optCsv(file: string | undefined, numeric: string[]): Promise<Table | undefined> {
  return file ? readCsv(file, numeric) : undefined;
}

/** A growing list of doubles: a flow's latencies without boxing each one. */
class Doubles {
  a = new Float64Array(1024);
  n = 0;
  push(v: number) {
    if (this.n === this.a.length) {
      const b = new Float64Array(this.a.length * 2);
      b.set(this.a);
      this.a = b;
    }
    this.a[this.n++] = v;
  }
}

const COMMA = 44, LF = 10, CR = 13;

/**
 * A field of `buf` as Number() reads it (so "" is 0 and "x" is NaN); plain
 * digit strings, which is what the evaluator writes, without making a string.
 */
function numberAt(buf: Buffer, s: number, e: number): number {
  if (e > s && e - s <= 15) {
    let v = 0;
    let i = s;
    for (; i < e; i++) {
      const c = buf[i] - 48;
      if (c < 0 || c > 9) break;
      v = v * 10 + c;
    }
    if (i === e) return v;
  }
  return Number(buf.toString("utf8", s, e));
}

/**
 * Flows as the load generator made them: packet n (id n − 1) comes from
 * 10.0.0.10 + (n mod flows) (spec/evaluation.md). B.latency-flows.csv has no
 * IP addresses, so with a known flow count the flow is told from the id;
 * without one, from the UDP destination port (the evaluator's default key
 * minus the addresses).
 *
 * The file has a row per match (tens of MiB for a long run), so it is read in
 * chunks into one reused buffer and parsed as bytes: no string per line or
 * field, which would cost more in allocation and garbage collection than the
 * parsing itself.
 */
export async function readFlowLatencies(file: string, flows: number | undefined): Promise<FlowLatencies> {
  const byId = new Map<number, Doubles>();
  const byPort = new Map<string, Doubles>();
  let fh: fsp.FileHandle | undefined;
  try {
    fh = await fsp.open(file, "r");
    let buf = Buffer.allocUnsafe(1 << 20);
    let have = 0;
    let eof = false;
    let iLat = -1, iId = -1, iDst = -1;
    let header = false;
    let line = 0;
    // Field bounds of the current line, reused.
    const starts: number[] = [];
    const ends: number[] = [];
    while (!eof || have > 0) {
      if (!eof) {
        if (have === buf.length) {
          const b = Buffer.allocUnsafe(buf.length * 2);
          buf.copy(b, 0, 0, have);
          buf = b;
        }
        const { bytesRead } = await fh.read(buf, have, buf.length - have, null);
        if (bytesRead === 0) eof = true;
        have += bytesRead;
      }
      let pos = 0;
      for (;;) {
        let lf = buf.indexOf(LF, pos);
        if (lf < 0 || lf >= have) {
          if (!eof || pos >= have) break;
          lf = have;
        }
        // Fields up to the line's end; readline also ends a line at a lone CR (the evaluator writes LF).
        const s = pos;
        let end = lf;
        let next = lf + 1;
        let nf = 0;
        let fstart = s;
        for (let i = s; i <= lf; i++) {
          const c = i === lf ? LF : buf[i];
          if (c === CR) {
            end = i;
            next = i + 1 < have && buf[i + 1] === LF ? i + 2 : i + 1;
          }
          if (c === COMMA || c === CR || c === LF) {
            starts[nf] = fstart;
            ends[nf] = i;
            nf++;
            fstart = i + 1;
            if (c !== COMMA) break;
          }
        }
        pos = next;
        line++;
        if (!header) {
          const text = buf.toString("utf8", s, end);
          const h = text.split(",").map((x) => x.trim());
          iLat = h.indexOf("latency");
          iId = h.indexOf("id");
          iDst = h.indexOf("dstport");
          if (iLat < 0 || iId < 0 || iDst < 0) {
            throw new InputError("REPORT_BAD_CSV", `missing column latency, id or dstport (header is "${text}")`, { file, line: 1 });
          }
          header = true;
          continue;
        }
        if (end === s) continue;
        const lat = iLat < nf ? numberAt(buf, starts[iLat], ends[iLat]) : NaN;
        const id = iId < nf ? numberAt(buf, starts[iId], ends[iId]) : NaN;
        if (!Number.isFinite(lat) || !Number.isFinite(id)) throw new InputError("REPORT_BAD_CSV", "latency or id is not a number", { file, line });
        let l: Doubles | undefined;
        if (flows) {
          const k = (id + 1) % flows;
          l = byId.get(k);
          if (!l) byId.set(k, (l = new Doubles()));
        } else {
          const port = `dstport ${iDst < nf ? buf.toString("utf8", starts[iDst], ends[iDst]) : undefined}`;
          l = byPort.get(port);
          if (!l) byPort.set(port, (l = new Doubles()));
        }
        l.push(lat);
      }
      if (pos > 0) {
        buf.copy(buf, 0, pos, have);
        have -= pos;
      }
      if (eof && have > 0 && pos === 0) break;
    }
  } catch (e) {
    throw e instanceof InputError ? e : fileError(e, file, "read");
  } finally {
    await fh?.close();
  }
  const lists = new Map<string, Doubles>(byPort);
  for (const [k, l] of byId) lists.set(`10.0.0.${10 + k}`, l);
  const out = new Map<string, Float64Array>();
  for (const k of [...lists.keys()].sort((a, b) => a.localeCompare(b, "en", { numeric: true }))) {
    const l = lists.get(k)!;
    out.set(k, l.a.slice(0, l.n).sort());
  }
  return { file, flows: out };
}

export async function loadRun(ref: RunRef, o: LoadOptions): Promise<RunData> {
  const d: RunData = { ref, notes: [] };
  const files = await findEvalFiles(path.join(ref.dir, "eval"));
  if (!files) {
    d.notes.push(ref.status === "ok" ? "no evaluator output in eval/" : `run ${ref.status}${ref.error ? `: ${ref.error}` : ""}`);
  } else {
    d.files = files;
    if (files.summary) {
      try {
        d.summary = JSON.parse(await readText(files.summary)) as SummaryJson;
      } catch (e) {
        if (e instanceof SyntaxError) throw new InputError("REPORT_BAD_SUMMARY", `not valid JSON: ${e.message}`, { file: files.summary });
        throw e;
      }
    }
    d.percentiles = await optCsv(files.percentiles, ["percentile", "value", "onefraconeminuspercentile"]);
    d.hist = await optCsv(files.hist, ["latency_bucket", "count"]);
    d.worst = await optCsv(files.worst, ["latency", "id", "srcport", "dstport"]);
    d.ratePre = await optCsv(files.packetratepre, ["count"]);
    d.ratePost = await optCsv(files.packetratepost, ["count"]);
    d.jitterPre = await optCsv(files.jitterpre, ["bucket", "count"]);
    d.jitterPost = await optCsv(files.jitterpost, ["bucket", "count"]);
    for (const [t, f] of [[d.ratePre, files.packetratepre], [d.ratePost, files.packetratepost]] as const) {
      if (t && !t.columns.includes("ts")) throw new InputError("REPORT_BAD_CSV", 'missing column "ts"', { file: f, line: 1 });
    }
    if (d.worst && !(d.worst.columns.includes("prets") && d.worst.columns.includes("postts"))) {
      throw new InputError("REPORT_BAD_CSV", 'missing column "prets" or "postts"', { file: files.worst, line: 1 });
    }
    if (files.flowsPercentiles) {
      d.flowPercentiles = await readFlowPercentiles(files.flowsPercentiles);
    } else if (files.latencyFlows) {
      const size = (await fsp.stat(files.latencyFlows)).size;
      if (size <= o.flowFileLimit) {
        const flows = ref.flows ?? (Array.isArray(d.summary?.flows) && d.summary.flows.length > 0 ? d.summary.flows.length : undefined);
        d.flowLatencies = await readFlowLatencies(files.latencyFlows, flows);
        d.notes.push(`per-flow figures: flows inferred from packet ids (no flows-percentiles.csv in eval/; evaluate again for the evaluator's flow keys)`);
      } else {
        d.notes.push(`per-flow figures left out: ${path.basename(files.latencyFlows)} is ${(size / 2 ** 20).toFixed(0)} MiB (limit ${(o.flowFileLimit / 2 ** 20).toFixed(0)} MiB, --flow-file-limit)`);
      }
    }
  }
  const irqDir = path.join(ref.dir, "irq");
  if (await exists(irqDir)) {
    const fi = path.join(irqDir, "interrupts.csv");
    const fs = path.join(irqDir, "softirqs.csv");
    if (await exists(fi)) d.interrupts = await readCsv(fi, ["cpu", "count"]);
    if (await exists(fs)) d.softirqs = await readCsv(fs, ["cpu", "count"]);
    for (const [t, f, c] of [[d.interrupts, fi, "irq"], [d.softirqs, fs, "softirq"]] as const) {
      if (t && !(t.columns.includes("ts_ns") && t.columns.includes(c))) {
        throw new InputError("REPORT_BAD_CSV", `missing column "ts_ns" or "${c}"`, { file: f, line: 1 });
      }
    }
  }
  d.t0 = (d.ratePre?.rows[0]?.ts as string | undefined) ?? (d.interrupts?.rows[0]?.ts_ns as string | undefined) ?? (d.softirqs?.rows[0]?.ts_ns as string | undefined);
  return d;
}

/** Seconds from `t0` to `ts` (both epoch ns as decimal text), exact to the nanosecond before the final division. */
export function relSeconds(ts: string, t0: string): number {
  if (/^-?\d+$/.test(ts) && /^-?\d+$/.test(t0)) return Number(BigInt(ts) - BigInt(t0)) / 1e9;
  return (Number(ts) - Number(t0)) / 1e9;
}
