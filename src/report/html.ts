/**
 * The report's HTML: index.html (the series: matrix of runs, overlay HDR
 * plots, the Figure-4 page) and one page per run. Static, no scripts, styles
 * inline, every link relative: the folder can be opened from the file system,
 * zipped, or attached to a CI job as it is.
 */
import { formatLatency } from "../units/format.js";
import type { SummaryJson } from "./run-data.js";
import type { Formats } from "./render/index.js";
import type { FigureMeta, RunMeta } from "./meta.js";
import { columnOf, columns, configOf, configs, type Column, type Config } from "./series.js";

export function esc(s: unknown): string {
  return String(s).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);
}

const CSS = `
:root{--fg:#1d1d1f;--muted:#5f6368;--line:#d9d9d9;--bg:#fff;--accent:#1a5fb4}
*{box-sizing:border-box}
body{margin:0;font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;color:var(--fg);background:var(--bg)}
main{max-width:1280px;margin:0 auto;padding:16px}
h1{font-size:1.5em;margin:.2em 0}h2{font-size:1.25em;margin:1.6em 0 .4em;border-bottom:1px solid var(--line)}h3{font-size:1.05em;margin:1.2em 0 .3em}
a{color:var(--accent)}
nav{display:flex;flex-wrap:wrap;gap:.3em 1em;font-size:.95em}
.muted{color:var(--muted)}
.grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(300px,1fr));gap:14px}
figure{margin:0;padding:8px;border:1px solid var(--line);border-radius:6px;background:#fff}
figure img{display:block;width:100%;height:auto}
figcaption{font-size:.85em;color:var(--muted);margin-top:4px}
figcaption b{color:var(--fg);font-weight:600}
.dl{font-size:.8em}
.scroll{overflow-x:auto}
table{border-collapse:collapse;font-size:.9em}
th,td{border:1px solid var(--line);padding:4px 8px;text-align:left;vertical-align:top}
th{background:#f4f4f4;font-weight:600}
td.cell{min-width:7.5em}
td.cell a{text-decoration:none;color:inherit;display:block}
td.cell .p{font-weight:600}
td.failed{background:#eee;color:#777}
td.lossy .l{color:#b00020;font-weight:600}
.num{text-align:right;font-variant-numeric:tabular-nums}
@media (max-width:600px){main{padding:8px}.grid{grid-template-columns:1fr}body{font-size:14px}}
`;

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="hynet report">
<title>${esc(title)}</title>
<style>${CSS}</style>
</head>
<body>
<main>
${body}
</main>
</body>
</html>
`;
}


export function formatLoss(x: number | undefined): string {
  if (x === undefined || !Number.isFinite(x)) return "—";
  if (x === 0) return "0 %";
  const pct = x * 100;
  return `${pct >= 10 ? pct.toFixed(1) : pct >= 0.01 ? pct.toFixed(2) : pct.toExponential(1)} %`;
}

function downloads(file: string, f: Formats): string {
  const kinds = [f.svg && "svg", f.png && "png", f.pdf && "pdf", "csv"].filter(Boolean) as string[];
  return kinds.map((k) => `<a href="${esc(file)}.${k}">${k.toUpperCase()}</a>`).join(" · ");
}

/** The image a page shows: SVG when written (sharp at any zoom), else PNG. */
function imgFile(fig: FigureMeta, prefix: string, f: Formats): string {
  return `${prefix}${fig.file}.${f.svg ? "svg" : "png"}`;
}

function figureBlock(fig: FigureMeta, prefix: string, f: Formats, link?: string): string {
  const img = `<img src="${esc(imgFile(fig, prefix, f))}" alt="${esc(fig.title)}" width="${fig.width}" height="${fig.height}">`;
  return `<figure>${link ? `<a href="${esc(link)}">${img}</a>` : img}<figcaption><b>${esc(fig.title)}.</b> ${esc(fig.caption)}<br><span class="dl">${downloads(prefix + fig.file, f)}</span></figcaption></figure>`;
}

function summaryTable(s: SummaryJson | undefined): string {
  if (!s) return "";
  const l = s.latency_ns ?? {};
  const rows: [string, string][] = [
    ["pre / post records", `${s.pre_records ?? "—"} / ${s.post_records ?? "—"}`],
    ["matched", String(s.matched ?? "—")],
    ["lost", `${s.lost ?? "—"}${typeof s.lost === "number" && s.pre_records ? ` (${formatLoss(s.lost / s.pre_records)})` : ""}`],
    ["duplicated / reordered", `${s.duplicated ?? "—"} / ${s.reordered ?? "—"}`],
    ["latency min / mean / max", `${formatLatency(l.min)} / ${formatLatency(l.mean)} / ${formatLatency(l.max)}`],
    ["p50 / p99 / p99.9 / p99.99", `${formatLatency(l.p50)} / ${formatLatency(l.p99)} / ${formatLatency(l.p999)} / ${formatLatency(l.p9999)}`],
    ["PDV mean / max", `${formatLatency(s.pdv_ns?.mean)} / ${formatLatency(s.pdv_ns?.max)}`],
    ["RFC 3550 jitter", formatLatency(s.rfc3550_jitter_ns)],
    ["packet rate pre / post", `${s.pre_pps ?? "—"} / ${s.post_pps ?? "—"} packets/s`],
  ];
  const g = s.departure_gaps;
  if (g) {
    rows.push(
      ["departure gaps p1 / p50 / p99 / max", `${formatLatency(g.p1_ns)} / ${formatLatency(g.p50_ns)} / ${formatLatency(g.p99_ns)} / ${formatLatency(g.max_ns)}`],
      ["late gaps (over 10 mean periods)", `${g.late_gaps ?? "—"}${typeof g.period_ns === "number" ? ` (period ${formatLatency(g.period_ns)})` : ""}`],
    );
  }
  return `<div class="scroll"><table>${rows.map(([k, v]) => `<tr><th>${esc(k)}</th><td>${esc(v)}</td></tr>`).join("")}</table></div>`;
}

export function runPage(m: RunMeta, s: SummaryJson | undefined, f: Formats): string {
  const vars = Object.entries(m.variables).map(([k, v]) => `${esc(k)} = <b>${esc(v)}</b>`).join(", ");
  const body = `<nav><a href="../../index.html">← series</a></nav>
<h1>${esc(m.name)}</h1>
<p>${vars || "<span class=muted>no loop variables</span>"} · status <b>${esc(m.status)}</b>${m.error ? ` — ${esc(m.error)}` : ""}</p>
${m.fidelity ? `<p class="fidelity">Fidelity: ${esc(m.fidelity)}</p>` : ""}
${summaryTable(s)}
${m.notes.length ? `<ul>${m.notes.map((n) => `<li class="muted">${esc(n)}</li>`).join("")}</ul>` : ""}
${m.figures.length ? `<div class="grid">${m.figures.map((fig) => figureBlock(fig, "", f)).join("\n")}</div>` : `<p class="muted">No figures: no evaluated results in this run folder.</p>`}
`;
  return page(`${m.name} — hynet report`, body);
}

/** Colour of a matrix cell: p99.99 on a log scale from the series' best (green) to its worst (red). */
function cellColor(v: number | undefined, lo: number, hi: number): string {
  if (v === undefined || !(v > 0) || !(hi > lo)) return "#f3f8f3";
  const x = (Math.log(v) - Math.log(lo)) / (Math.log(hi) - Math.log(lo));
  const hue = 120 * (1 - Math.min(1, Math.max(0, x)));
  return `hsl(${hue.toFixed(0)} 70% 88%)`;
}

/** The departure gaps of a matrix cell: the sender's pacing, beside the latency it caused. */
function gapLine(r: RunMeta): string {
  if (r.gap_max_ns === undefined) return "";
  return `<br><span class="g">max gap ${esc(formatLatency(r.gap_max_ns))}${r.late_gaps ? ` · ${r.late_gaps} late` : ""}</span>`;
}

function matrix(runs: RunMeta[], cfgs: Config[], cols: Column[]): string {
  const ps = runs.map((r) => r.p9999_ns).filter((v): v is number => typeof v === "number" && v > 0);
  const lo = Math.min(...ps);
  const hi = Math.max(...ps);
  const head = `<tr><th>node × link</th>${cols.map((c) => `<th class="num">${esc(c.label)}</th>`).join("")}</tr>`;
  const body = cfgs
    .map((cfg) => {
      const cells = cols.map((col) => {
        const here = runs.filter((r) => configOf(r).id === cfg.id && columnOf(r, cols) === col);
        if (here.length === 0) return `<td class="cell muted">—</td>`;
        const parts = here.map((r) => {
          const tip = `${r.name}${r.error ? `: ${r.error}` : ""}`;
          if (r.status !== "ok" && r.figures.length === 0) return `<a href="${esc(r.href)}/index.html" title="${esc(tip)}">${esc(r.status)}</a>`;
          return `<a href="${esc(r.href)}/index.html" title="${esc(tip)}"><span class="l">loss ${esc(formatLoss(r.loss))}</span><br><span class="p">p99.99 ${esc(formatLatency(r.p9999_ns))}</span>${gapLine(r)}</a>`;
        });
        const failed = here.every((r) => r.status !== "ok" && r.figures.length === 0);
        const lossy = here.some((r) => (r.loss ?? 0) > 0);
        const bg = failed ? "" : ` style="background:${cellColor(here[0].p9999_ns, lo, hi)}"`;
        return `<td class="cell${failed ? " failed" : ""}${lossy ? " lossy" : ""}"${bg}>${parts.join("<hr>")}</td>`;
      });
      return `<tr><th><a href="#fig4-${esc(cfg.id)}">${esc(cfg.label)}</a></th>${cells.join("")}</tr>`;
    })
    .join("\n");
  return `<div class="scroll"><table>${head}${body}</table></div>
<p class="muted">Cell colour: p99.99 latency on a log scale, green for the lowest in this series${ps.length ? ` (${esc(formatLatency(lo))})` : ""}, red for the highest${ps.length ? ` (${esc(formatLatency(hi))})` : ""}. Loss above zero is printed in red. Each cell links to the run's figures.</p>`;
}

function figure4(runs: RunMeta[], cfgs: Config[], cols: Column[], f: Formats): string {
  return cfgs
    .map((cfg) => {
      const panels = cols
        .map((col) => {
          const r = runs.find((x) => configOf(x).id === cfg.id && columnOf(x, cols) === col);
          const fig = r?.figures.find((x) => x.file.startsWith("packetrate-"));
          if (!r || !fig) return "";
          const img = `<img src="${esc(`${r.href}/${imgFile(fig, "", f)}`)}" alt="packet rate, ${esc(cfg.label)}, ${esc(col.label)}" width="${fig.width}" height="${fig.height}">`;
          return `<figure><a href="${esc(r.href)}/index.html">${img}</a><figcaption><b>${esc(col.label)}</b> · ${downloads(`${r.href}/${fig.file}`, f)}</figcaption></figure>`;
        })
        .filter(Boolean);
      return `<h3 id="fig4-${esc(cfg.id)}">${esc(cfg.label)}</h3>
${panels.length ? `<div class="grid">${panels.join("\n")}</div>` : `<p class="muted">No run of this configuration has a packet-rate figure.</p>`}`;
    })
    .join("\n");
}

export interface IndexInput {
  title: string;
  resultsDir: string;
  generatedAt: string;
  runs: RunMeta[];
  overlays: FigureMeta[];
  formats: Formats;
}

/** One line per distinct fidelity note of the series' VM runs, with how many runs it applies to. */
function fidelityNotes(runs: RunMeta[]): string {
  const by = new Map<string, number>();
  for (const r of runs) if (r.fidelity) by.set(r.fidelity, (by.get(r.fidelity) ?? 0) + 1);
  if (by.size === 0) return "";
  return `<ul class="fidelity">${[...by].map(([t, n]) => `<li>Fidelity (${n} run${n === 1 ? "" : "s"}): ${esc(t)}</li>`).join("")}</ul>`;
}

export function indexPage(i: IndexInput): string {
  const cfgs = configs(i.runs);
  const cols = columns(i.runs);
  const ok = i.runs.filter((r) => r.status === "ok").length;
  const notOk = i.runs.filter((r) => r.status !== "ok");
  const body = `<h1>${esc(i.title)}</h1>
<p class="muted">${i.runs.length} runs (${ok} ok${notOk.length ? `, ${notOk.length} not` : ""}) from <code>${esc(i.resultsDir)}</code> · written ${esc(i.generatedAt)} by hynet report</p>
${fidelityNotes(i.runs)}
<nav><a href="#matrix">Matrix of runs</a><a href="#overlay">HDR by configuration</a><a href="#figure4">Figure 4: packet rate</a>${cfgs.map((c) => `<a href="#fig4-${esc(c.id)}">${esc(c.label)}</a>`).join("")}</nav>
<h2 id="matrix">Matrix of runs</h2>
${matrix(i.runs, cfgs, cols)}
<h2 id="overlay">HDR histograms by configuration</h2>
${i.overlays.length ? `<div class="grid">${i.overlays.map((o) => figureBlock(o, "series/", i.formats)).join("\n")}</div>` : `<p class="muted">No run has a percentiles file.</p>`}
<h2 id="figure4">Figure 4 — packet rate pre vs post</h2>
<p class="muted">One panel per rate for each node × link configuration; a panel links to its run.</p>
${figure4(i.runs, cfgs, cols, i.formats)}
${notOk.length ? `<h2 id="failed">Runs that did not finish</h2><ul>${notOk.map((r) => `<li><a href="${esc(r.href)}/index.html">${esc(r.name)}</a>: ${esc(r.status)}${r.error ? ` — ${esc(r.error)}` : ""}</li>`).join("")}</ul>` : ""}
`;
  return page(`${i.title} — hynet report`, body);
}
