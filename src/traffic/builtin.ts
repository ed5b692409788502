/**
 * The built-in load generator: MoonGen's timer-loadgen semantics on any
 * Linux interface, through the packet I/O addon (an AF_PACKET socket paced
 * on its own thread; see docs/traffic.md for why not the event loop and not
 * trafgen).
 */
import { UsageError } from "../errors.js";
import { logger } from "../events.js";
import type { Sys } from "../sys/index.js";
import { startSend, type SendStats } from "../sys/packetio.js";
import type { LoadGenerator, LoadGenOptions, LoadGenResult } from "./loadgen.js";
import { MIN_FRAME_SIZE, TEST_DST_PORT, macToBytes, makeTemplate } from "./packet.js";

/** Warm-up frames go to this port, so that they can never count as measured packets. */
export const WARMUP_DST_PORT = TEST_DST_PORT + 1;
const MAX_FRAME_SIZE = 9000;

/** Check options the way a user wrote them; one UsageError naming the flag. */
export function validateLoadGenOptions(o: LoadGenOptions): void {
  const positiveInt = (v: number, flag: string) => {
    if (!Number.isInteger(v) || v < 1) throw new UsageError(`--${flag} must be a whole number ≥ 1, got ${v}`);
  };
  if (!Number.isFinite(o.rate) || o.rate <= 0) throw new UsageError(`--rate must be a positive number of frames per second, got ${o.rate}`);
  positiveInt(o.burst, "burst");
  positiveInt(o.flows, "flows");
  if (!Number.isInteger(o.size) || o.size < MIN_FRAME_SIZE || o.size > MAX_FRAME_SIZE)
    throw new UsageError(`--size ${o.size} is outside ${MIN_FRAME_SIZE}…${MAX_FRAME_SIZE} bytes`, {
      hint: `a test frame needs ${MIN_FRAME_SIZE} bytes: Ethernet 14 + IPv4 20 + UDP 8 + id 4 + marker 1`,
    });
  if (o.packets !== undefined && (!Number.isInteger(o.packets) || o.packets < 1 || o.packets > 2 ** 32))
    throw new UsageError(`--packets must be a whole number from 1 to 2^32, got ${o.packets}`);
  if (o.durationS !== undefined && (!Number.isFinite(o.durationS) || o.durationS <= 0)) throw new UsageError(`--duration must be a positive number of seconds, got ${o.durationS}`);
  if (!Number.isFinite(o.warmUpS) || o.warmUpS < 0) throw new UsageError(`--warm-up must be ≥ 0 seconds, got ${o.warmUpS}`);
  for (const [flag, mac] of [["dst-mac", o.dstMac], ["src-mac", o.srcMac]] as const) {
    if (mac === undefined) continue;
    try {
      macToBytes(mac);
    } catch {
      throw new UsageError(`--${flag} "${mac}" is not a MAC address (like 3e:e5:a8:40:0d:00)`);
    }
  }
}

/** Frames per second over a train, measured from the first burst's start to the last burst's start. */
export function achievedRate(s: Pick<SendStats, "sent" | "firstNs" | "lastBurstNs" | "lastBurstFrames">): number {
  const span = Number(s.lastBurstNs - s.firstNs);
  if (s.sent === 0 || span <= 0) return 0;
  return ((s.sent - s.lastBurstFrames) * 1e9) / span;
}

/** Send one train; cancels the native thread when `signal` fires. */
async function train(o: LoadGenOptions, p: { count?: number; durationNs?: number; dstPort: number; rate: number }): Promise<SendStats> {
  const t = makeTemplate({ size: o.size, flows: o.flows, dstMac: o.dstMac, srcMac: o.srcMac, dstPort: p.dstPort });
  const job = startSend({ netns: o.netns, iface: o.iface, frame: t.frame, flows: o.flows, srcIpBase: t.srcIpBase, count: p.count, durationNs: p.durationNs, rate: p.rate, burst: o.burst, startId: 0, realtime: o.realtime });
  const onAbort = () => job.cancel();
  o.signal?.addEventListener("abort", onAbort, { once: true });
  try {
    return await job.done;
  } finally {
    o.signal?.removeEventListener("abort", onAbort);
  }
}

export const builtinLoadGenerator: LoadGenerator = {
  name: "builtin",
  async run(o: LoadGenOptions, sys: Sys): Promise<LoadGenResult> {
    validateLoadGenOptions(o);
    const log = logger(sys.emit, "loadgen");
    const where = o.netns ? `${o.netns}:${o.iface}` : o.iface;
    const empty: LoadGenResult = { sent: 0, warmup_sent: 0, duration_ns: 0, achieved_pps: 0, gap_ns: { mean: 0, std: 0, p1: 0, p50: 0, p99: 0 }, requested_pps: o.rate, burst: o.burst, late_bursts: 0, aborted: false, realtime: false };
    if (sys.dryRun) {
      log.info(`would send ${o.packets ?? (o.durationS !== undefined ? `${o.durationS} s of` : "unbounded")} frames at ${o.rate} pps (burst ${o.burst}, ${o.flows} flows, ${o.size} B) on ${where}`);
      return empty;
    }
    let warmupSent = 0;
    if (o.warmUpS > 0) {
      o.onPhase?.("warmup");
      const count = Math.max(1, Math.min(1000, Math.floor(o.rate * 0.1)));
      const w = await train(o, { count, dstPort: WARMUP_DST_PORT, rate: o.rate });
      warmupSent = w.sent;
      if (o.warmUpOnly) return { ...empty, warmup_sent: warmupSent, aborted: w.cancelled };
      log.debug(`warm-up: ${w.sent} frames to port ${WARMUP_DST_PORT}; pausing ${o.warmUpS} s`);
      const ready = o.onPhase?.("pause");
      // A failure of what the pause waits for is the caller's to report; the pause only waits.
      await Promise.all([sys.sleep(o.warmUpS * 1000, o.signal), ready?.catch(() => undefined)]);
    }
    if (o.signal?.aborted) {
      o.onPhase?.("done");
      return { ...empty, warmup_sent: warmupSent, aborted: true };
    }
    o.onPhase?.("measure");
    const s = await train(o, { count: o.packets, durationNs: o.durationS !== undefined ? Math.round(o.durationS * 1e9) : undefined, dstPort: TEST_DST_PORT, rate: o.rate });
    o.onPhase?.("done");
    if (o.realtime && !s.realtime) log.warn("could not run the sender at real-time priority (SCHED_FIFO); departures may be delayed by other tasks");
    const g = s.gap;
    return {
      sent: s.sent,
      warmup_sent: warmupSent,
      duration_ns: s.sent > 0 ? Number(s.lastNs - s.firstNs) : 0,
      achieved_pps: achievedRate(s),
      gap_ns: { mean: g.mean, std: g.std, p1: g.p1, p50: g.p50, p99: g.p99 },
      requested_pps: o.rate,
      burst: o.burst,
      late_bursts: s.lateBursts,
      aborted: s.cancelled || (o.signal?.aborted ?? false),
      realtime: s.realtime,
    };
  },
};
