/** `hynet report`: the paper's figures and one HTML page for a results folder. */
import * as path from "node:path";
import type { CommandSpec } from "./spec.js";
import { UsageError } from "../errors.js";

export const reportCommand: CommandSpec = {
  name: "report",
  summary: "draw the figures of a results folder and write an HTML page (DIR/index.html)",
  description:
    "Per run: HDR histogram, packet rate pre vs post (the paper's Figure 4 panels), worst-of timeseries, latency histogram, " +
    "inter-arrival histograms, per-flow HDR and CDF, IRQ and softirq rates per CPU. Per series: a matrix of runs (loss and p99.99), " +
    "HDR plots comparing the node × link configurations at each rate, and the Figure-4 page. Every figure is written as SVG, PNG and PDF " +
    "with the CSV it was drawn from. The page is static and works offline from the file system. See docs/report.md.",
  args: [{ name: "results", description: "results folder (written by `hynet run`, or run folders each holding eval/)", required: true }],
  options: [
    { name: "out", short: "o", type: "string", value: "DIR", description: "where to write the report (default: <results>/report)" },
    { name: "open", type: "boolean", description: "open index.html in a browser (xdg-open) when there is a display; otherwise print its path" },
    { name: "jobs", short: "j", type: "number", value: "N", description: "threads drawing figures (default: the number of cores)" },
    { name: "worst", type: "number", value: "N", description: "points in the worst-of timeseries (default 1000; the evaluator keeps num_worst)", default: 1000 },
    { name: "flow-file-limit", type: "number", value: "MIB", description: "eval folders without flows-percentiles.csv: read B.latency-flows.csv for the per-flow figures only up to this size", default: 256 },
  ],
  examples: ["hynet report results/paper", "hynet report results/paper --out /tmp/paper-report --open"],
  async run(args, opts, { sys, signal }) {
    const results = args[0];
    const out = typeof opts.out === "string" ? opts.out : path.join(results, "report");
    for (const k of ["jobs", "worst", "flowFileLimit"] as const) {
      const v = opts[k];
      if (v !== undefined && (typeof v !== "number" || !Number.isInteger(v) || v < (k === "jobs" ? 1 : 0))) {
        throw new UsageError(`--${k === "flowFileLimit" ? "flow-file-limit" : k} must be a whole number${k === "jobs" ? " ≥ 1" : " ≥ 0"}, got ${String(v)}`);
      }
    }
    // Loaded here, not at start-up: the plotting libraries take about a second to load.
    const { writeReport } = await import("../report/index.js");
    const r = await writeReport(results, out, sys, {
      jobs: typeof opts.jobs === "number" ? opts.jobs : undefined,
      worst: typeof opts.worst === "number" ? opts.worst : undefined,
      flowFileLimit: typeof opts.flowFileLimit === "number" ? opts.flowFileLimit * 2 ** 20 : undefined,
      signal,
    });
    sys.emit({ type: "result", scope: "report", kind: "report.written", line: `report: ${r.figures} figures → ${r.index}`, data: r });
    if (opts.open === true) {
      if (process.env.DISPLAY || process.env.WAYLAND_DISPLAY) {
        const p = sys.spawn(["xdg-open", r.index], { stdio: ["ignore", "ignore", "ignore"], detached: true });
        p.child.unref();
      } else {
        sys.emit({ type: "result", scope: "report", kind: "report.open", line: `no display: open ${path.resolve(r.index)} in a browser`, data: { path: path.resolve(r.index) } });
      }
    }
    return 0;
  },
};
