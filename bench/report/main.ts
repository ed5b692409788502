/**
 * bench report: the paper's full series — 144 evaluated runs (6 rates × 3
 * node kinds × 2 link kinds × 4 bursts) — reported by `hynet report`
 * (the built CLI, all cores), timed end to end.
 *
 * Anchor: the seed drew its figures with matplotlib/pgfplots and LaTeX,
 * which are not available here. The anchor is the floor of any vega-based
 * report: the same figures (same specs, same rows) rendered to SVG only by
 * vega alone, one after another in one thread, without PNG, PDF, CSV, HTML
 * or file reading. ratio = hynet / anchor (below 1: the full report on all
 * cores costs less wall time than vega's SVG output alone in one thread).
 *
 * Data sizes per run, as the evaluator writes them for a 90 s run:
 * 275 percentiles, ~1 000 histogram buckets, 5 000 worst (1 000 plotted),
 * 90 packet-rate buckets per side, jitter histograms, 20 000 matches in
 * latency-flows.csv (a real 90 s run at 1 Mpps has 90 M and is above the
 * per-flow size limit), 1 Hz IRQ counters for 4 CPUs.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { PAPER_LINKS, PAPER_NODES, PAPER_RATES, writeRun } from "../../test/report/fixture.js";
import { findRuns } from "../../src/report/discover.js";
import { loadRun } from "../../src/report/run-data.js";
import { runFigures } from "../../src/report/figures/index.js";
import { FigureRenderer } from "../../src/report/render/index.js";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const dir = mkdtempSync(path.join(os.tmpdir(), "hynet-bench-report-"));
try {
  const bursts = [1, 50, 100, 200];
  let t = performance.now();
  for (const burst of bursts)
    for (const node of PAPER_NODES)
      for (const link of PAPER_LINKS)
        for (const rate of PAPER_RATES)
          writeRun(dir, { rate, node, link, burst, packets: 20_000, seconds: 90, cpus: 4, baseNs: node === "namespace" ? 15_000 : 60_000, seed: rate + burst });
  const runs = PAPER_RATES.length * PAPER_NODES.length * PAPER_LINKS.length * bursts.length;
  console.log(`fixture: ${runs} runs in ${((performance.now() - t) / 1000).toFixed(1)} s (${dir})`);

  t = performance.now();
  execFileSync(process.execPath, [path.join(root, "bin/hynet.js"), "report", dir, "--quiet"], { stdio: "inherit" });
  const hynetS = (performance.now() - t) / 1000;
  console.log(`hynet report: ${hynetS.toFixed(2)} s on ${os.availableParallelism()} cores`);

  const refs = await findRuns(dir);
  const r = new FigureRenderer();
  let svgMs = 0;
  let figs = 0;
  for (const ref of refs) {
    const d = await loadRun(ref, { flowFileLimit: 256 * 2 ** 20 });
    for (const k of runFigures) {
      const f = k.build(d, { worst: 1000 });
      if (!f) continue;
      // Time only vega's SVG: the data is already read and shaped.
      const t1 = performance.now();
      await r.render(f.spec, f.rows, { svg: true, png: false, pdf: false }, f.signals);
      svgMs += performance.now() - t1;
      figs++;
    }
  }
  const anchorS = svgMs / 1000;
  console.log(`anchor: ${figs} figures, SVG only, vega alone, one thread: ${anchorS.toFixed(2)} s`);
  console.log(`report: ${hynetS.toFixed(2)} s; anchor ${anchorS.toFixed(2)} s; ratio ${(hynetS / anchorS).toFixed(2)}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
