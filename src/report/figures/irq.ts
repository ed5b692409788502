/**
 * Interrupt and softirq rates per CPU over time (the seed's irqprocessor.py),
 * from the cumulative counters the runner samples at 1 Hz
 * (irq/interrupts.csv: ts_ns,cpu,irq,count; irq/softirqs.csv: ts_ns,cpu,softirq,count).
 */
import * as path from "node:path";
import type { Row, Table } from "../csv.js";
import { relSeconds } from "../run-data.js";
import { config, HEIGHT, WIDTH, panel, data } from "./theme.js";
import type { FigureKind } from "./types.js";

/** CPUs shown at most: the busiest ones; a 64-core host would otherwise draw 64 lines. */
export const MAX_CPUS = 8;
/** The softirqs a network path raises. */
export const NET_SOFTIRQS = ["NET_RX", "NET_TX"];

/**
 * Rates between consecutive samples of each (cpu, name) counter, summed over
 * the names per (group, cpu, sample time). A counter that goes down (a wrap
 * or a reset) gives no rate for that interval.
 */
export function counterRates(t: Table, nameCol: string, group: (name: string) => string | undefined, t0: string): Row[] {
  const series = new Map<string, { ts: string; count: number }[]>();
  for (const r of t.rows) {
    const g = group(String(r[nameCol]));
    if (g === undefined) continue;
    const k = `${g}\u0000${r.cpu}\u0000${r[nameCol]}`;
    let s = series.get(k);
    if (!s) series.set(k, (s = []));
    s.push({ ts: String(r.ts_ns), count: Number(r.count) });
  }
  const sums = new Map<string, Row>();
  for (const [k, s] of series) {
    const [g, cpu] = k.split("\u0000");
    s.sort((a, b) => (BigInt(a.ts) < BigInt(b.ts) ? -1 : BigInt(a.ts) > BigInt(b.ts) ? 1 : 0));
    for (let i = 1; i < s.length; i++) {
      const dt = relSeconds(s[i].ts, s[i - 1].ts);
      const dc = s[i].count - s[i - 1].count;
      if (dt <= 0 || dc < 0) continue;
      const key = `${g}\u0000${cpu}\u0000${s[i].ts}`;
      let row = sums.get(key);
      if (!row) sums.set(key, (row = { group: g, cpu: Number(cpu), ts_ns: s[i].ts, time_s: relSeconds(s[i].ts, t0), rate: 0 }));
      row.rate = (row.rate as number) + dc / dt;
    }
  }
  return [...sums.values()];
}

/** Keep the MAX_CPUS CPUs with the most events and drop CPUs that saw none. */
function busiest(rows: Row[]): { rows: Row[]; shown: number; total: number } {
  const tot = new Map<number, number>();
  for (const r of rows) tot.set(r.cpu as number, (tot.get(r.cpu as number) ?? 0) + (r.rate as number));
  const cpus = [...tot].filter(([, v]) => v > 0).sort((a, b) => b[1] - a[1]).slice(0, MAX_CPUS).map(([c]) => c);
  const keep = new Set(cpus);
  const out = rows.filter((r) => keep.has(r.cpu as number));
  out.sort((a, b) => (a.group as string).localeCompare(b.group as string) || (a.cpu as number) - (b.cpu as number) || (a.time_s as number) - (b.time_s as number));
  return { rows: out, shown: keep.size, total: tot.size };
}

function cpuNote(shown: number, total: number): string {
  return shown < total ? ` The ${shown} busiest of ${total} CPUs are shown.` : "";
}

export const interrupts: FigureKind = {
  id: "irq-rates",
  build(run) {
    const t = run.interrupts;
    if (!t || t.rows.length === 0) return null;
    const b = busiest(counterRates(t, "irq", () => "all", run.t0 ?? String(t.rows[0].ts_ns)));
    if (b.rows.length === 0) return null;
    return {
      file: `irq-rates-${run.ref.name}`,
      title: "Interrupts per CPU",
      caption: `Hardware interrupts per second on each CPU, all IRQ lines summed; from ${path.basename(t.file)}.${cpuNote(b.shown, b.total)}`,
      columns: ["group", "cpu", "ts_ns", "time_s", "rate"],
      rows: b.rows,
      spec: {
        ...panel,
        mark: { type: "line", strokeWidth: 1 },
        encoding: {
          x: { field: "time_s", type: "quantitative", title: "Measurement time [s]" },
          y: { field: "rate", type: "quantitative", title: "Interrupts [1/s]", axis: { format: "~s" } },
          color: { field: "cpu", type: "nominal", title: "CPU" },
        },
      },
    };
  },
};

export const softirqs: FigureKind = {
  id: "softirq-rates",
  build(run) {
    const t = run.softirqs;
    if (!t || t.rows.length === 0) return null;
    const b = busiest(counterRates(t, "softirq", (n) => (NET_SOFTIRQS.includes(n) ? n : undefined), run.t0 ?? String(t.rows[0].ts_ns)));
    if (b.rows.length === 0) return null;
    const groups = NET_SOFTIRQS.filter((g) => b.rows.some((r) => r.group === g));
    return {
      file: `softirq-rates-${run.ref.name}`,
      title: "Network softirqs per CPU",
      caption: `NET_RX and NET_TX softirqs per second on each CPU; from ${path.basename(t.file)}.${cpuNote(b.shown, b.total)}`,
      columns: ["group", "cpu", "ts_ns", "time_s", "rate"],
      rows: b.rows,
      spec: {
        config, data,
        facet: { row: { field: "group", type: "nominal", title: null, sort: groups } },
        spec: {
          width: WIDTH, height: Math.round(HEIGHT * 0.55),
          mark: { type: "line", strokeWidth: 1 },
          encoding: {
            x: { field: "time_s", type: "quantitative", title: "Measurement time [s]" },
            y: { field: "rate", type: "quantitative", title: "Softirqs [1/s]", axis: { format: "~s" } },
            color: { field: "cpu", type: "nominal", title: "CPU" },
          },
        },
      },
    };
  },
};
