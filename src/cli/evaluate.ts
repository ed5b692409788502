/** `hynet evaluate PRE… [--out DIR]`: the latency numbers of capture pairs (docs/evaluate.md). */
import { promises as fsp } from "node:fs";
import * as path from "node:path";
import { fileError, UsageError } from "../errors.js";
import { DEFAULT_PARAMS, postPathFor, type EvalParams, type TableFormat } from "../evaluate/params.js";
import type { CommandSpec, Options } from "./spec.js";
import { num, reqNum } from "./options.js";

/**
 * Capture files of a results folder: latencies-pre.pcap and latencies-pre-*.pcap[ng][.zst|.gz], as
 * `hynet synth` and `hynet capture` write them with and without --name (not our own outputs, not temporaries).
 */
export const PRE_CAPTURE = /^latencies-pre([-.].*)?\.(pcap|pcapng|cap)(\.(zst|gz))?$/;

async function expand(args: string[]): Promise<string[]> {
  const out: string[] = [];
  for (const a of args) {
    let st;
    try {
      st = await fsp.stat(a);
    } catch (e) {
      throw fileError(e, a, "read pre capture");
    }
    if (!st.isDirectory()) {
      out.push(a);
      continue;
    }
    const names = (await fsp.readdir(a)).filter((n) => PRE_CAPTURE.test(n)).sort();
    if (names.length === 0) throw new UsageError("no latencies-pre[-NAME].pcap captures in this folder", { file: a, hint: "give capture files or a folder holding latencies-pre[-NAME].pcap[.zst]" });
    out.push(...names.map((n) => path.join(a, n)));
  }
  return out;
}

export function evalParamsFrom(opts: Options): EvalParams {
  return {
    bucketSize: reqNum(opts, "bucketSize"),
    trimMs: reqNum(opts, "trimMs"),
    numWorst: reqNum(opts, "numWorst"),
    strictMarker: opts.strictMarker === true,
    formats: (opts.format as TableFormat[] | undefined) ?? DEFAULT_PARAMS.formats,
    flowKey: (opts.flowKey as string[] | undefined) ?? DEFAULT_PARAMS.flowKey,
    calibration: opts.calibration === undefined ? undefined : String(opts.calibration),
    subtractFloor: opts.subtractFloor === true,
  };
}

export const evaluateCommand: CommandSpec = {
  name: "evaluate",
  summary: "evaluate pre/post capture pairs into the paper's latency files, a summary and a per-packet table",
  description:
    "For each pre capture (or each latencies-pre-* capture in a folder) finds the post capture (-pre → -post in the name, or --post), " +
    "matches packets by (id, srcport, dstport) and writes, into --out DIR (default: the pre capture's folder), the reference outputs " +
    "(B.bucket_size{b}.trim_ms{t}.hist.csv, B.trim_ms{t}.num_worst{w}.worst.csv, B.trim_ms{t}.percentiles.csv, B.trim_ms{t}.transferrate.csv, " +
    "B.trim_ms{t}.packetratepre/post.csv, B.latency-flows.csv, B.bucket_size{b}.trim_ms{t}.jitterpre/post.csv; B = the pre file's name) plus " +
    "B.summary.json, B.trim_ms{t}.flows.csv, B.trim_ms{t}.flows-percentiles.csv, B.trim_ms{t}.hdr.csv and B.latency-flows.parquet. Several pairs run in parallel (--jobs). " +
    "All files of a pair appear together, only when all are complete. See docs/evaluate.md.",
  args: [{ name: "pre", description: "pre capture(s), or folder(s) of latencies-pre-* captures", required: true, variadic: true }],
  options: [
    { name: "post", type: "string", value: "FILE", description: "the post capture (only with one pre capture; default: the pre name with -pre → -post)" },
    { name: "out", type: "string", value: "DIR", description: "folder for the outputs (default: each pre capture's folder)" },
    { name: "bucket-size", type: "number", value: "NS", default: DEFAULT_PARAMS.bucketSize, description: "bucket width in ns of the latency histogram and the inter-arrival (jitter) histograms" },
    { name: "trim-ms", type: "number", value: "MS", default: DEFAULT_PARAMS.trimMs, description: "leave out the first MS milliseconds (from the first post record for latencies, from each side's first record for rates)" },
    { name: "num-worst", type: "number", value: "N", default: DEFAULT_PARAMS.numWorst, description: "rows of the worst-of file" },
    { name: "strict-marker", type: "boolean", description: "count only UDP payloads with the 0x55 marker after the id (the reference did not check it)" },
    { name: "format", type: "list", value: "LIST", default: DEFAULT_PARAMS.formats.join(","), description: "formats of the per-packet table B.latency-flows.*: csv, parquet, or csv,parquet" },
    { name: "flow-key", type: "list", value: "FIELDS", default: DEFAULT_PARAMS.flowKey.join(","), description: "fields that make a flow for per-flow statistics: a subset of src,dst,srcport,dstport" },
    { name: "jobs", short: "j", type: "number", value: "N", description: "pairs evaluated in parallel (default: the number of cores)" },
    { name: "calibration", type: "string", value: "FILE", description: "summary.json of `hynet calibrate`: its latency floor is reported beside the results" },
    { name: "subtract-floor", type: "boolean", description: "subtract the calibration's median latency from every reported latency (needs --calibration)" },
  ],
  examples: [
    "hynet evaluate results/latencies-pre-rate50000.pcap.zst",
    "hynet evaluate results/ --out results/eval --jobs 2",
    "hynet evaluate pre.pcap --post post.pcap --trim-ms 1000 --format parquet --reporter json",
  ],
  async run(args, opts, ctx) {
    const p = evalParamsFrom(opts);
    if (args.length === 0) throw new UsageError("evaluate needs at least one pre capture or folder");
    const pres = await expand(args);
    const { evaluateMany, evaluatePair } = await import("../evaluate/index.js");
    const out = opts.out === undefined ? undefined : String(opts.out);
    const jobs = num(opts, "jobs");
    if (jobs !== undefined && (!Number.isInteger(jobs) || jobs < 1)) throw new UsageError(`--jobs must be a positive integer, got ${opts.jobs}`);
    if (opts.post !== undefined) {
      if (pres.length !== 1) throw new UsageError("--post works with exactly one pre capture", { hint: "name the captures latencies-pre-X / latencies-post-X and leave --post out" });
      await evaluatePair(pres[0], String(opts.post), out ?? path.dirname(pres[0]), p, ctx.sys, ctx.signal);
      return 0;
    }
    if (pres.length === 1) {
      await evaluatePair(pres[0], postPathFor(pres[0]), out ?? path.dirname(pres[0]), p, ctx.sys, ctx.signal);
      return 0;
    }
    await evaluateMany(pres, out ?? "", p, ctx.sys, jobs, ctx.signal);
    return 0;
  },
};
