/** `hynet calibrate`: the timestamper's own latency floor across one bare veth pair. */
import type { CommandSpec } from "./spec.js";
import { num } from "./options.js";
import { formatLatency as ns } from "../units/format.js";


export const calibrateCommand: CommandSpec = {
  name: "calibrate",
  summary: "measure the timestamper's own latency floor (pre and post taps on one bare veth pair)",
  description:
    "Creates two namespaces joined by one veth pair (removed afterwards), sends test frames from one end with the built-in generator, " +
    "captures them on both ends with the built-in timestamper and evaluates the pair. What it reports is the latency the measurement itself adds. " +
    "DIR/summary.json is the evaluator's summary plus a `calibration` block; give it to `hynet evaluate --calibration DIR/summary.json`. Needs root.",
  args: [],
  options: [
    { name: "out", type: "string", value: "DIR", default: "calibration", description: "folder for the captures, the evaluation and summary.json" },
    { name: "rate", type: "number", value: "PPS", default: 10000, description: "frames per second" },
    { name: "packets", type: "number", value: "N", default: 20000, description: "frames to send" },
    { name: "size", type: "number", value: "BYTES", default: 84, description: "frame size as MoonGen's -x" },
    { name: "burst", type: "number", value: "N", default: 1, description: "frames back to back per burst" },
    { name: "snaplen", type: "number", value: "N", default: 84, description: "bytes kept per frame" },
  ],
  examples: ["hynet calibrate --out calibration && hynet evaluate results/run1/latencies-pre-run1.pcap.zst --calibration calibration/summary.json"],
  async run(_args, opts, ctx) {
    const sys = ctx.sys;
    const [{ calibrate }, { startBarePair }, { builtinTimestamper }, { builtinLoadGenerator }, { evaluatePair, DEFAULT_PARAMS }] = await Promise.all([
      import("../capture/calibration.js"),
      import("../net/bare-pair.js"),
      import("../capture/builtin.js"),
      import("../traffic/builtin.js"),
      import("../evaluate/index.js"),
    ]);
    const r = await calibrate(
      {
        outDir: String(opts.out ?? "calibration"),
        rate: num(opts, "rate")!,
        packets: num(opts, "packets")!,
        size: num(opts, "size")!,
        burst: num(opts, "burst")!,
        snaplen: num(opts, "snaplen")!,
        signal: ctx.signal,
      },
      sys,
      {
        loadgen: builtinLoadGenerator,
        timestamper: builtinTimestamper,
        network: startBarePair,
        evaluate: (pre, post, out) => evaluatePair(pre, post, out, { ...DEFAULT_PARAMS, formats: ["csv"] }, sys, ctx.signal),
      },
    );
    const l = r.latency_ns;
    const line =
      `floor over ${r.matched} of ${r.loadgen.sent} frames (${r.capture.timestamping} timestamps): ` +
      `min ${ns(l.min)} p50 ${ns(l.p50)} p99 ${ns(l.p99)} p99.9 ${ns(l.p999)} max ${ns(l.max)} → ${r.summary}`;
    sys.emit({ type: "result", scope: "calibrate", kind: "calibrate.result", line, data: r });
    return r.loadgen.aborted ? 130 : 0;
  },
};
