/**
 * DuT load monitoring, as the seed's IRQ files: /proc/interrupts and
 * /proc/softirqs sampled per CPU at 1 Hz during a measurement, written as
 * long CSVs of cumulative counters (the report takes differences).
 * Parsing is by hand: these are two small fixed kernel formats with no
 * library worth a dependency.
 */
import * as path from "node:path";
import { atomicWriter, ensureDir, type AtomicWriter } from "../sys/files.js";
import { KERNEL_FILES, readKernelText } from "../sys/proc.js";
import type { Sys } from "../sys/context.js";

export interface IrqCounter {
  cpu: number;
  /** Row label: "24", "NMI", "LOC", … for interrupts; "NET_RX", … for softirqs. */
  irq: string;
  count: number;
  /** Description after the counters (interrupts only): chip, type, device, e.g. "PCI-MSIX-0000:00:03.0 1-edge virtio0-input.0". */
  name: string;
}

function cpuHeader(line: string): number[] {
  return line
    .trim()
    .split(/\s+/)
    .filter((t) => /^CPU\d+$/.test(t))
    .map((t) => Number(t.slice(3)));
}

/**
 * Both files have a header of CPU columns and rows `LABEL: n0 n1 … [description]`.
 * Rows with fewer counters than CPUs (ERR, MIS: machine-wide totals) are left out,
 * since the files are per CPU.
 */
function parseTable(text: string, withNames: boolean): IrqCounter[] {
  const lines = text.split("\n");
  const cpus = cpuHeader(lines[0] ?? "");
  const out: IrqCounter[] = [];
  for (const line of lines.slice(1)) {
    const m = /^\s*([^:\s]+):(.*)$/.exec(line);
    if (!m) continue;
    const tokens = m[2].trim().split(/\s+/).filter(Boolean);
    if (tokens.length < cpus.length) continue;
    const counts = tokens.slice(0, cpus.length);
    if (!counts.every((t) => /^\d+$/.test(t))) continue;
    const name = withNames ? tokens.slice(cpus.length).join(" ") : "";
    counts.forEach((c, i) => out.push({ cpu: cpus[i], irq: m[1], count: Number(c), name }));
  }
  return out;
}

export function parseInterrupts(text: string): IrqCounter[] {
  return parseTable(text, true);
}

export function parseSoftirqs(text: string): IrqCounter[] {
  return parseTable(text, false);
}

/** Fields never need quoting: the few descriptions with a comma get ';' instead, so plain split(",") readers work. */
function csvField(s: string): string {
  return s.replace(/,/g, ";").replace(/["\n]/g, "");
}

export const INTERRUPTS_HEADER = "ts_ns,cpu,irq,count,name\n";
export const SOFTIRQS_HEADER = "ts_ns,cpu,softirq,count\n";

export function interruptRows(ts: bigint, counters: IrqCounter[]): string {
  return counters.map((c) => `${ts},${c.cpu},${csvField(c.irq)},${c.count},${csvField(c.name)}\n`).join("");
}

export function softirqRows(ts: bigint, counters: IrqCounter[]): string {
  return counters.map((c) => `${ts},${c.cpu},${csvField(c.irq)},${c.count}\n`).join("");
}

export interface IrqSampler {
  /** Take a last sample, write both CSVs into place. Returns the number of samples taken. */
  stop(): Promise<number>;
  /** Drop the partial files (the run failed before the files mean anything). */
  abort(): Promise<void>;
}

export interface IrqSamplerOptions {
  /** Folder to write interrupts.csv and softirqs.csv into (`<run>/irq`). */
  dir: string;
  intervalMs?: number;
  /** Where the counters come from; /proc by default. */
  interruptsFile?: string;
  softirqsFile?: string;
}

/** Start sampling now (one sample at once, then every interval) until stop(). */
export async function startIrqSampler(o: IrqSamplerOptions, sys: Sys): Promise<IrqSampler> {
  await ensureDir(o.dir);
  const intFile = o.interruptsFile ?? KERNEL_FILES.interrupts;
  const softFile = o.softirqsFile ?? KERNEL_FILES.softirqs;
  const wi: AtomicWriter = atomicWriter(path.join(o.dir, "interrupts.csv"));
  const ws: AtomicWriter = atomicWriter(path.join(o.dir, "softirqs.csv"));
  await wi.write(INTERRUPTS_HEADER);
  await ws.write(SOFTIRQS_HEADER);
  let samples = 0;
  let failure: unknown;
  // Samples are chained so that two never interleave in the files.
  let chain: Promise<void> = Promise.resolve();
  const sample = () => {
    chain = chain.then(async () => {
      try {
        const ts = sys.nowNs();
        const [a, b] = await Promise.all([readKernelText(intFile), readKernelText(softFile)]);
        await wi.write(interruptRows(ts, parseInterrupts(a)));
        await ws.write(softirqRows(ts, parseSoftirqs(b)));
        samples++;
      } catch (e) {
        failure ??= e;
      }
    });
  };
  sample();
  const timer = setInterval(sample, o.intervalMs ?? 1000);
  let stopped = false;
  return {
    async stop() {
      if (stopped) return samples;
      stopped = true;
      clearInterval(timer);
      sample();
      await chain;
      if (failure) {
        await wi.abort();
        await ws.abort();
        throw failure;
      }
      await wi.commit();
      await ws.commit();
      return samples;
    },
    async abort() {
      if (stopped) return;
      stopped = true;
      clearInterval(timer);
      await chain;
      await wi.abort();
      await ws.abort();
    },
  };
}
