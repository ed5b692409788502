/**
 * The series view of a results folder: runs grouped into configurations
 * (node kind × link kind, in the seed's order: Namespace and Veth, Namespace
 * and SR-IOV, VM and Veth, VM and SR-IOV, Optimized VM and Veth, Optimized VM
 * and SR-IOV), columns by rate, and the overlay HDR figures that compare the
 * configurations at each rate.
 */
import type { Row } from "./csv.js";
import type { Figure } from "./figures/types.js";
import { config, hdrSpec, HDR_END, hdrEnd } from "./figures/theme.js";
import type { RunMeta } from "./meta.js";

const NODE_ORDER = ["namespace", "vm", "vm_opt"];
const LINK_ORDER = ["veth", "hwpair"];
const NODE_LABEL: Record<string, string> = { namespace: "Namespace", vm: "VM", vm_opt: "Optimized VM" };
const LINK_LABEL: Record<string, string> = { veth: "Veth", hwpair: "SR-IOV" };

export const nodeLabel = (n: string) => NODE_LABEL[n] ?? n;
export const linkLabel = (l: string) => LINK_LABEL[l] ?? l;

export interface Config {
  node: string;
  link: string;
  /** "Namespace and Veth" */
  label: string;
  /** "namespace-veth", for anchors and file names. */
  id: string;
}

function rank(order: string[], v: string): number {
  const i = order.indexOf(v);
  return i < 0 ? order.length : i;
}

/** What grouping a run needs of it: its loop variables (known from the run folder before it is drawn). */
type Vars = Pick<RunMeta, "variables">;

export function configOf(m: Vars): Config {
  const node = String(m.variables.node ?? "—");
  const link = String(m.variables.link ?? "—");
  return { node, link, label: `${nodeLabel(node)} and ${linkLabel(link)}`, id: `${node}-${link}`.replace(/[^\w.-]/g, "_") };
}

export function compareConfigs(a: Config, b: Config): number {
  return (
    rank(NODE_ORDER, a.node) - rank(NODE_ORDER, b.node) ||
    a.node.localeCompare(b.node) ||
    rank(LINK_ORDER, a.link) - rank(LINK_ORDER, b.link) ||
    a.link.localeCompare(b.link)
  );
}

/** The configurations present, in the seed's order (unknown kinds after, alphabetically). */
export function configs(runs: Vars[]): Config[] {
  const seen = new Map<string, Config>();
  for (const r of runs) {
    const c = configOf(r);
    if (!seen.has(c.id)) seen.set(c.id, c);
  }
  return [...seen.values()].sort(compareConfigs);
}

const num = (v: unknown) => (typeof v === "number" ? v : Number(v));

/** A column of the matrix: one rate (and burst, when the series has several). */
export interface Column {
  rate: number;
  burst?: number;
  label: string;
  id: string;
}

export function formatRate(pps: number): string {
  if (!Number.isFinite(pps)) return "?";
  if (pps >= 1e6 && pps % 1e5 === 0) return `${pps / 1e6} Mpps`;
  if (pps >= 1e3 && pps % 100 === 0) return `${pps / 1e3} kpps`;
  return `${pps} pps`;
}

export function columns(runs: Vars[]): Column[] {
  const bursts = new Set(runs.map((r) => String(r.variables.burst ?? "")));
  const multi = bursts.size > 1;
  const seen = new Map<string, Column>();
  for (const r of runs) {
    const rate = num(r.variables.rate);
    const burst = r.variables.burst === undefined ? undefined : num(r.variables.burst);
    const id = `rate${r.variables.rate ?? "unknown"}${multi ? `-burst${burst}` : ""}`.replace(/[^\w.-]/g, "_");
    if (!seen.has(id)) seen.set(id, { rate, burst, id, label: `${formatRate(rate)}${multi ? `, burst ${burst}` : ""}` });
  }
  return [...seen.values()].sort((a, b) => (a.burst ?? 0) - (b.burst ?? 0) || a.rate - b.rate);
}

export function columnOf(m: Vars, cols: Column[]): Column | undefined {
  const rate = num(m.variables.rate);
  const burst = m.variables.burst === undefined ? undefined : num(m.variables.burst);
  return cols.find((c) => (Number.isNaN(c.rate) ? Number.isNaN(rate) : c.rate === rate) && (cols.every((x) => x.burst === cols[0].burst) || c.burst === burst));
}

/** One overlay HDR figure per column: every configuration's percentiles at that rate (first repeat of each). */
export function overlayFigures(runs: RunMeta[]): Figure[] {
  const cols = columns(runs);
  const cfgs = configs(runs);
  const out: Figure[] = [];
  for (const col of cols) {
    const f = overlayFigure(col, cfgs, runs.filter((r) => columnOf(r, cols) === col));
    if (f) out.push(f);
  }
  return out;
}

/**
 * The overlay HDR figure of column `col` from the runs in it (in the series'
 * order), or null when none has percentiles. `cfgs` are the series'
 * configurations; it needs no other runs, so it can be drawn as soon as the
 * runs of its column are.
 */
export function overlayFigure(col: Column, cfgs: Config[], runs: RunMeta[]): Figure | null {
  const rows: Row[] = [];
  const present: string[] = [];
  for (const cfg of cfgs) {
    const run = runs.find((r) => configOf(r).id === cfg.id && r.percentiles?.length);
    if (!run) continue;
    present.push(cfg.label);
    for (const p of run.percentiles!) rows.push({ configuration: cfg.label, run: run.name, ...p });
  }
  if (rows.length === 0) return null;
  const maxX = Math.max(...cfgs.map((cfg) => rows.filter((r) => r.configuration === cfg.label)).filter((x) => x.length).map((x) => hdrEnd(x as { value: unknown; onefraconeminuspercentile: unknown }[])));
  return {
    file: `hdr-overlay-${col.id}`,
    title: `HDR histogram by configuration at ${col.label}`,
    caption: `Latency percentiles of each node × link configuration at ${col.label}; from each run's percentiles CSV.`,
    columns: ["configuration", "run", "percentile", "value", "onefraconeminuspercentile"],
    rows,
    signals: { [HDR_END]: Math.max(1e6, maxX) },
    spec: hdrSpec({
      strokeWidth: 1.2,
      yScale: { type: "log" },
      config: { ...config, legend: { ...config.legend, columns: 2 } },
      color: { field: "configuration", type: "nominal", title: null, scale: { domain: present } },
    }),
  };
}
