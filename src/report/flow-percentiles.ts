/**
 * B.trim_ms{t}.flows-percentiles.csv (docs/evaluate.md): each flow's latency
 * at the percentile levels, under the evaluator's own flow key (the
 * --flow-key columns come first). The per-flow figures label flows by that
 * key, so they name the flows the evaluator counted, whatever key it used.
 */
import { InputError } from "../errors.js";
import { FLOW_FIELDS, type FlowField } from "../evaluate/flows.js";
import { readCsv } from "./csv.js";

/** One flow's latencies (ns) at rising percentile levels. */
export interface FlowLadder {
  percentile: number[];
  latency: number[];
}

export interface FlowPercentiles {
  file: string;
  /** The evaluator's flow key fields, in its column order. */
  key: FlowField[];
  /** Flow label → its ladder, flows in the file's order (first appearance in the captures). */
  flows: Map<string, FlowLadder>;
}

/** An address with an optional port, IPv6 in brackets when a port follows (RFC 3986). */
function endpoint(addr: string | undefined, port: string | undefined, portName: string): string | undefined {
  if (addr === undefined) return port === undefined ? undefined : `${portName} ${port}`;
  if (port === undefined) return addr;
  return addr.includes(":") ? `[${addr}]:${port}` : `${addr}:${port}`;
}

/** `10.0.0.11→10.0.2.20:23432` for the default key; the fields a narrower key has, else. */
export function flowLabel(key: Partial<Record<FlowField, string>>): string {
  const from = endpoint(key.src, key.srcport, "srcport");
  const to = endpoint(key.dst, key.dstport, "dstport");
  return from !== undefined && to !== undefined ? `${from}→${to}` : (from ?? to ?? "");
}

export async function readFlowPercentiles(file: string): Promise<FlowPercentiles> {
  const t = await readCsv(file, ["percentile", "latency"]);
  const key = t.columns.slice(0, t.columns.indexOf("percentile"));
  const unknown = key.filter((c) => !(FLOW_FIELDS as readonly string[]).includes(c));
  if (key.length === 0 || unknown.length > 0) {
    throw new InputError("REPORT_BAD_CSV", `expected flow key columns (${FLOW_FIELDS.join(",")}) before "percentile" (header is "${t.columns.join(",")}")`, { file, line: 1 });
  }
  const flows = new Map<string, FlowLadder>();
  t.rows.forEach((r, i) => {
    const p = r.percentile as number;
    const l = r.latency as number;
    if (Number.isNaN(p) || Number.isNaN(l)) throw new InputError("REPORT_BAD_CSV", "percentile or latency is empty", { file, line: i + 2 });
    const label = flowLabel(Object.fromEntries(key.map((k) => [k, String(r[k])])));
    let ladder = flows.get(label);
    if (!ladder) flows.set(label, (ladder = { percentile: [], latency: [] }));
    ladder.percentile.push(p);
    ladder.latency.push(l);
  });
  return { file, key: key as FlowField[], flows };
}
