/**
 * A small real series: captures made by `synth`, evaluated by the evaluator,
 * reported. The figures must carry the evaluator's numbers: the per-flow ones
 * its flows-percentiles.csv, flows labelled by its flow key; and the fallback
 * split from ids must agree with the evaluator's own per-flow counts.
 */
import { describe, it, expect, beforeAll, afterAll } from "vitest";
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { synthesize } from "../../src/traffic/synth.js";
import { evaluatePair, DEFAULT_PARAMS } from "../../src/evaluate/index.js";
import { writeReport } from "../../src/report/index.js";
import { readFlowLatencies } from "../../src/report/run-data.js";
import { createSys } from "../../src/sys/index.js";

const sys = createSys();
let tmp: string;
const runs = [
  { rate: 20000, node: "namespace", link: "veth", latency: 8000 },
  { rate: 20000, node: "vm", link: "veth", latency: 60000 },
];
const nameOf = (r: (typeof runs)[number]) => `rate${r.rate}-link${r.link}-node${r.node}-burst1`;

beforeAll(async () => {
  tmp = mkdtempSync(path.join(os.tmpdir(), "hynet-report-real-"));
  for (const r of runs) {
    const name = nameOf(r);
    const dir = path.join(tmp, "results", name);
    mkdirSync(dir, { recursive: true });
    const s = await synthesize(
      { outDir: dir, name, rate: r.rate, burst: 1, flows: 4, size: 84, packets: 3000, latency: { baseNs: r.latency, jitterNs: 2000, tailProb: 0.01, tailNs: r.latency * 5 },
        loss: 0.002, duplicates: 0, reorder: 0, noise: 0, resolution: "ns", format: "pcap", compression: "zstd", seed: 7 },
      sys,
    );
    await evaluatePair(s.pre, s.post, path.join(dir, "eval"), { ...DEFAULT_PARAMS, formats: ["csv"] }, sys);
    writeFileSync(path.join(dir, "run.json"), JSON.stringify({ name, variables: { rate: r.rate, link: r.link, node: r.node, burst: 1 }, status: "ok", params: { flows: 4 } }));
  }
});
afterAll(() => {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe("report of a synthesized, evaluated series", () => {
  it("draws every figure from the evaluator's files", async () => {
    const out = path.join(tmp, "report");
    const r = await writeReport(path.join(tmp, "results"), out, sys, { jobs: 1 });
    // 7 per run (no IRQ samples without the runner) + 1 overlay
    expect(r.figures).toBe(2 * 7 + 1);
    const name = nameOf(runs[0]);
    const evalDir = path.join(tmp, "results", name, "eval");
    const B = `latencies-pre-${name}.pcap.zst`;
    const pct = readFileSync(path.join(evalDir, `${B}.trim_ms0.percentiles.csv`), "utf8").trim().split("\n").slice(1).map((l) => l.split(",").map(Number));
    const fig = readFileSync(path.join(out, "runs", name, `hdr-histogram-${name}.csv`), "utf8").trim().split("\n").slice(1).map((l) => l.split(",").map(Number));
    expect(fig).toEqual(pct);
    const worst = readFileSync(path.join(evalDir, `${B}.trim_ms0.num_worst5000.worst.csv`), "utf8").trim().split("\n");
    const wfig = readFileSync(path.join(out, "runs", name, `worstof-timeseries-${name}.csv`), "utf8").trim().split("\n");
    expect(wfig.slice(1).map((l) => l.split(",").slice(0, 6).join(","))).toEqual(worst.slice(1, 1001));
    // The evaluator's 4 flows, labelled by its key (src,dst,dstport), with its percentiles.
    const keys = ["10.0.0.10", "10.0.0.11", "10.0.0.12", "10.0.0.13"].map((src) => `${src}→10.0.2.20:23432`);
    const cdf = readFileSync(path.join(out, "runs", name, `flow-cdf-${name}.csv`), "utf8").trim().split("\n").slice(1).map((l) => l.split(","));
    expect([...new Set(cdf.map((c) => c[0]))].sort()).toEqual(keys);
    const fp = readFileSync(path.join(evalDir, `${B}.trim_ms0.flows-percentiles.csv`), "utf8").trim().split("\n");
    expect(fp[0]).toBe("src,dst,dstport,percentile,latency");
    const fhdr = readFileSync(path.join(out, "runs", name, `flow-hdr-${name}.csv`), "utf8").trim().split("\n").slice(1).map((l) => l.split(",").slice(0, 3).map(String));
    expect(fhdr).toEqual(fp.slice(1).map((l) => l.split(",")).map(([s, d, port, p, lat]) => [`${s}→${d}:${port}`, String(Number(p)), lat]));
    expect(readFileSync(path.join(out, "runs", name, "index.html"), "utf8")).toContain("flows by the evaluator&#39;s key src,dst,dstport");
    // The fallback for older eval folders: flows told from ids, their sizes the evaluator's per-flow matches.
    const summary = JSON.parse(readFileSync(path.join(evalDir, `${B}.summary.json`), "utf8")) as { matched: number; flows: { key: Record<string, string | number>; matched: number }[] };
    expect(summary.matched).toBeGreaterThan(2900);
    const mine = await readFlowLatencies(path.join(evalDir, `${B}.latency-flows.csv`), 4);
    const theirs = Object.fromEntries(summary.flows.map((f) => [String(f.key.src), f.matched]));
    expect(Object.fromEntries([...mine.flows].map(([k, v]) => [k, v.length]))).toEqual(theirs);
    const html = readFileSync(path.join(out, "index.html"), "utf8");
    expect(html).toContain("Namespace and Veth");
    expect(html).toContain("VM and Veth");
    expect(readdirSync(path.join(out, "series"))).toContain("hdr-overlay-rate20000.svg");
  });
});
