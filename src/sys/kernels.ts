/**
 * The evaluator's native kernels (native/src/evalkern.c, in the same addon as
 * the packet I/O): the per-record loops of `hynet evaluate` in C. They are an
 * accelerator only: every kernel has a JavaScript twin that gives the same
 * bytes (test/evaluate/native.test.ts), used when the addon is not built or
 * when HYNET_NATIVE=0.
 */
import { addonIfBuilt } from "./packetio.js";

export interface EvalKernels {
  /** Parse pcap records in buf[start, end) into a batch (see evalkern.c for the layout). */
  scanPcap(
    buf: Uint8Array,
    start: number,
    end: number,
    cfg: Int32Array,
    st: Float64Array,
    skip: Float64Array,
    ts: Float64Array,
    id: Uint32Array,
    ports: Uint32Array,
    flow: Uint8Array,
    flowCount: Float64Array,
    keys: Uint8Array,
    keyLen: Uint8Array,
  ): void;
  /** The counting-sort branch of analysis.ts sortMatches, writing the sorted rows. */
  sortByLatency(
    hi: number,
    span: number,
    lat: Float64Array,
    mpre: Uint32Array,
    preRank: Uint32Array | null,
    preN: number,
    preTs: Float64Array,
    preId: Uint32Array,
    prePorts: Uint32Array,
    preFlow: Uint32Array,
    outLat: Float64Array,
    outTs: Float64Array,
    outId: Uint32Array,
    outPorts: Uint32Array,
    outFlow: Uint32Array,
  ): void;
  /** Per-packet table rows from st = [pos, next] up to `to` or until buf is nearly full. */
  formatRows(
    buf: Uint8Array,
    st: Float64Array,
    to: number,
    positions: Uint32Array | null,
    lat: Float64Array,
    ts: Float64Array,
    id: Uint32Array,
    ports: Uint32Array,
    shift: number,
    baseSec: number,
  ): void;
}

/** The kernels, or undefined when the addon is not built (or is older than them) or HYNET_NATIVE=0. */
export function evalKernels(env: NodeJS.ProcessEnv = process.env): EvalKernels | undefined {
  if (env.HYNET_NATIVE === "0") return undefined;
  const a = addonIfBuilt() as Partial<EvalKernels> | undefined;
  return a?.scanPcap && a.sortByLatency && a.formatRows ? (a as EvalKernels) : undefined;
}
