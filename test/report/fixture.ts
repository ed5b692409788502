/**
 * Evaluated runs in the evaluator's file formats (spec/evaluation.md), made
 * from a seeded random latency sample: the report tests and the report
 * benchmark read these exactly as they would read `hynet evaluate` output.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import * as path from "node:path";

export interface FixtureRun {
  rate: number;
  node: string;
  link: string;
  burst?: number;
  /** Matched packets sampled (also the rows of latency-flows.csv). */
  packets?: number;
  seconds?: number;
  baseNs?: number;
  flows?: number;
  cpus?: number;
  numWorst?: number;
  status?: "ok" | "failed";
  seed?: number;
  /** Leave out these eval files (keys of EvalNames). */
  omit?: string[];
}

export function runName(r: FixtureRun): string {
  return `rate${r.rate}-link${r.link}-node${r.node}-burst${r.burst ?? 1}`;
}

/** The percentile list: 1/(1-p) spaced evenly in log, as percentiles.txt is, up to 1e9. */
export function percentileList(): number[] {
  const out = [0];
  for (let i = 1; i <= 270; i++) out.push(1 - 1 / 10 ** (i / 30));
  return out;
}

function rng(seed: number) {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 4294967296;
  };
}

const T0 = 1_732_000_000_000_000_000n;

export function writeRun(resultsDir: string, r: FixtureRun): string {
  const name = runName(r);
  const dir = path.join(resultsDir, name);
  const evalDir = path.join(dir, "eval");
  mkdirSync(evalDir, { recursive: true });
  const flows = r.flows ?? 10;
  const seconds = r.seconds ?? 10;
  const status = r.status ?? "ok";
  writeFileSync(
    path.join(dir, "run.json"),
    JSON.stringify({ name, variables: { rate: r.rate, link: r.link, node: r.node, burst: r.burst ?? 1 }, status, params: { flows }, ...(status === "failed" ? { error: { code: "NET_UP", message: "could not start the network" } } : {}) }),
  );
  if (status === "failed") return dir;
  const rand = rng(r.seed ?? r.rate + r.node.length * 7 + r.link.length * 13);
  const n = r.packets ?? 2000;
  const base = r.baseNs ?? 20_000;
  const gap = Math.round(1e9 / r.rate);
  // packets: id, prets (ns from T0), latency
  const ids = new Int32Array(n);
  const pre = new Float64Array(n);
  const lat = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    ids[i] = i;
    pre[i] = Math.round(((i * seconds * 1e9) / n) + rand() * gap);
    const tail = rand() < 0.01 ? rand() * base * 20 : 0;
    lat[i] = Math.round(base + rand() * base * 0.5 + tail);
  }
  const B = `latencies-pre-${name}.pcap.zst`;
  const omit = new Set(r.omit ?? []);
  const put = (key: string, file: string, text: string) => {
    if (!omit.has(key)) writeFileSync(path.join(evalDir, file), text);
  };
  const abs = (ns: number) => String(T0 + BigInt(ns));
  const sorted = Float64Array.from(lat).sort();
  const pct = (p: number) => (p <= 0 ? sorted[0] : sorted[Math.min(n - 1, Math.max(0, Math.ceil(p * n - 1e-9) - 1))]);
  put("percentiles", `${B}.trim_ms0.percentiles.csv`, "percentile,value,onefraconeminuspercentile\n" + percentileList().map((p) => `${p},${pct(p)},${1 / (1 - p)}`).join("\n") + "\n");
  const hist = new Map<number, number>();
  for (const l of lat) hist.set(Math.floor(l / 100) * 100, (hist.get(Math.floor(l / 100) * 100) ?? 0) + 1);
  put("hist", `${B}.bucket_size100.trim_ms0.hist.csv`, "latency_bucket,count\n" + [...hist].sort((a, b) => a[0] - b[0]).map(([k, v]) => `${k},${v}`).join("\n") + "\n");
  const order = [...ids].sort((a, b) => lat[b] - lat[a] || pre[a] - pre[b]);
  const row = (i: number) => `${lat[i]},${abs(pre[i])},${abs(pre[i] + lat[i])},${i},${Math.ceil(i / 65536)},23432`;
  const numWorst = r.numWorst ?? 5000;
  put("worst", `${B}.trim_ms0.num_worst${numWorst}.worst.csv`, "latency,prets,postts,id,srcport,dstport\n" + order.slice(0, numWorst).map(row).join("\n") + "\n");
  put("latencyFlows", `${B}.latency-flows.csv`, "latency,prets,postts,id,srcport,dstport\n" + order.map(row).join("\n") + "\n");
  const ratePre: string[] = [];
  const ratePost: string[] = [];
  for (let s = 0; s < seconds; s++) {
    const c = Math.round(r.rate * (1 - 0.002 * rand()));
    ratePre.push(`${abs(s * 1e9)},${r.rate}`);
    ratePost.push(`${abs(s * 1e9 + 15_000)},${c}`);
  }
  put("packetratepre", `${B}.trim_ms0.packetratepre.csv`, "ts,count\n" + ratePre.join("\n") + "\n");
  put("packetratepost", `${B}.trim_ms0.packetratepost.csv`, "ts,count\n" + ratePost.join("\n") + "\n");
  const jit = (spread: number) => {
    const m = new Map<number, number>();
    for (let i = 0; i < 200; i++) {
      const b = Math.floor((gap * (1 + (rand() - 0.5) * spread)) / 100) * 100;
      m.set(b, (m.get(b) ?? 0) + 1 + Math.floor(rand() * 50));
    }
    return "bucket,count\n" + [...m].sort((a, b) => a[0] - b[0]).map(([k, v]) => `${k},${v}`).join("\n") + "\n";
  };
  put("jitterpre", `${B}.bucket_size100.trim_ms0.jitterpre.csv`, jit(0.05));
  put("jitterpost", `${B}.bucket_size100.trim_ms0.jitterpost.csv`, jit(0.4));
  const lost = Math.round(n * 0.001 * (r.rate / 1e5));
  put(
    "summary",
    `${B}.summary.json`,
    JSON.stringify({
      pre: B, post: B.replace("-pre-", "-post-"), pre_records: n + lost, post_records: n, matched: n, lost, duplicated: 0, reordered: 0, misses: 0, skipped: {},
      latency_ns: { min: sorted[0], mean: lat.reduce((a, b) => a + b, 0) / n, stddev: 0, p50: pct(0.5), p99: pct(0.99), p999: pct(0.999), p9999: pct(0.9999), max: sorted[n - 1] },
      pdv_ns: { mean: 100, max: 1000 }, rfc3550_jitter_ns: 50, transfer_rate: n / (n + lost), pre_pps: r.rate, post_pps: r.rate,
      departure_gaps: { count: n + lost - 1, period_ns: gap, p1_ns: gap - 100, p50_ns: gap, p99_ns: gap + 500, max_ns: 1_250_000, late_gaps: 2 },
      flows: Array.from({ length: flows }, (_, k) => ({ key: `10.0.0.${10 + k},10.0.2.20,23432` })),
    }),
  );
  const cpus = r.cpus ?? 2;
  if (!omit.has("irq")) {
    mkdirSync(path.join(dir, "irq"), { recursive: true });
    const ir = ["ts_ns,cpu,irq,count,name"];
    const sr = ["ts_ns,cpu,softirq,count"];
    const cnt = new Map<string, number>();
    for (let s = -1; s <= seconds; s++) {
      for (let c = 0; c < cpus; c++) {
        for (const irq of ["24", "25", "LOC"]) {
          const k = `i${c}${irq}`;
          cnt.set(k, (cnt.get(k) ?? 1000) + Math.round((irq === "LOC" ? 250 : r.rate / 100 / (c + 1)) * (0.9 + 0.2 * rand())));
          ir.push(`${abs(s * 1e9 + 500_000)},${c},${irq},${cnt.get(k)},${irq === "LOC" ? "Local timer interrupts" : "eth0"}`);
        }
        for (const si of ["TIMER", "NET_TX", "NET_RX"]) {
          const k = `s${c}${si}`;
          cnt.set(k, (cnt.get(k) ?? 0) + Math.round((si === "NET_RX" ? r.rate / 50 : si === "NET_TX" ? r.rate / 500 : 250) * (0.9 + 0.2 * rand())));
          sr.push(`${abs(s * 1e9 + 500_000)},${c},${si},${cnt.get(k)}`);
        }
      }
    }
    writeFileSync(path.join(dir, "irq", "interrupts.csv"), ir.join("\n") + "\n");
    writeFileSync(path.join(dir, "irq", "softirqs.csv"), sr.join("\n") + "\n");
  }
  return dir;
}

export const PAPER_RATES = [50_000, 300_000, 500_000, 700_000, 900_000, 1_000_000];
export const PAPER_NODES = ["namespace", "vm", "vm_opt"];
export const PAPER_LINKS = ["veth", "hwpair"];
