/**
 * The built-in timestamper: one TPACKET_V3 capture thread per tap in the
 * packet I/O addon, nanosecond pcaps written from C. The pre tap sees the
 * generator's outgoing frames on the same interface because the generator
 * does not use PACKET_QDISC_BYPASS.
 */
import { rm } from "node:fs/promises";
import * as path from "node:path";
import { UsageError } from "../errors.js";
import { logger } from "../events.js";
import { checkWritableDir, writeFileAtomic, type Sys } from "../sys/index.js";
import { captureClockNs, startCapture, type CaptureJob, type TapStats } from "../sys/packetio.js";
import { statsCsv, timestampingOf } from "./stats.js";
import { captureFileNames, type CaptureResult, type CaptureSession, type TapEndpoint, type Timestamper, type TimestamperOptions } from "./timestamper.js";

const fmt = (e: TapEndpoint) => (e.netns ? `${e.netns}:${e.iface}` : e.iface);

export function validateTimestamperOptions(o: TimestamperOptions): void {
  if (!Number.isInteger(o.snaplen) || o.snaplen < 14 || o.snaplen > 65535) throw new UsageError(`--snaplen must be a whole number from 14 to 65535, got ${o.snaplen}`);
  if (o.durationS !== undefined && (!Number.isFinite(o.durationS) || o.durationS <= 0)) throw new UsageError(`--duration must be a positive number of seconds, got ${o.durationS}`);
  if (o.name !== undefined && !/^[A-Za-z0-9._+-]+$/.test(o.name)) throw new UsageError(`--name "${o.name}" may hold only letters, digits and . _ + -`);
}

export const builtinTimestamper: Timestamper = {
  name: "builtin",
  async start(o: TimestamperOptions, sys: Sys): Promise<CaptureSession> {
    validateTimestamperOptions(o);
    const log = logger(sys.emit, "capture");
    const names = captureFileNames(o.name);
    const files = { pre: path.join(o.outDir, names.pre), post: path.join(o.outDir, names.post), stats: path.join(o.outDir, names.stats), meta: path.join(o.outDir, names.meta) };
    if (sys.dryRun) {
      log.info(`would capture ${fmt(o.pre)} → ${files.pre} and ${fmt(o.post)} → ${files.post}`);
      const r: CaptureResult = { ...files, pre_frames: 0, post_frames: 0, pre_dropped: 0, post_dropped: 0, timestamping: "software" };
      return { stop: async () => r };
    }
    await checkWritableDir(o.outDir);
    const durationNs = o.durationS !== undefined ? Math.round(o.durationS * 1e9) : undefined;
    const startedAt = sys.nowNs();
    const pre = startCapture({ ...o.pre, path: files.pre, snaplen: o.snaplen, durationNs, realtime: o.realtime });
    let post: CaptureJob;
    try {
      post = startCapture({ ...o.post, path: files.post, snaplen: o.snaplen, durationNs, realtime: o.realtime });
    } catch (e) {
      pre.stop();
      await pre.done.catch(() => {});
      await rm(files.pre, { force: true }); // a lone pre capture is not a result
      throw e;
    }
    log.debug(`capturing ${fmt(o.pre)} (pre) and ${fmt(o.post)} (post), snaplen ${o.snaplen}`);
    let result: Promise<CaptureResult> | undefined;
    async function finish(): Promise<CaptureResult> {
      // One stop instant for both taps: neither keeps frames the other would have cut.
      const cut = captureClockNs();
      pre.stop(cut);
      post.stop(cut);
      const [a, b] = await Promise.allSettled([pre.done, post.done]);
      if (a.status === "rejected") throw a.reason;
      if (b.status === "rejected") throw b.reason;
      const ps: TapStats = a.value;
      const qs: TapStats = b.value;
      const tsPre = timestampingOf(ps);
      const tsPost = timestampingOf(qs);
      const timestamping = tsPre === "hardware" && tsPost === "hardware" ? "hardware" : "software";
      await writeFileAtomic(files.stats, statsCsv([
        { tap: "pre", endpoint: fmt(o.pre), stats: ps, timestamping: tsPre },
        { tap: "post", endpoint: fmt(o.post), stats: qs, timestamping: tsPost },
      ]));
      const meta = {
        timestamping,
        clock: "CLOCK_REALTIME",
        resolution: "ns",
        snaplen: o.snaplen,
        started_at_ns: String(startedAt),
        stopped_at_ns: String(sys.nowNs()),
        taps: {
          pre: { endpoint: fmt(o.pre), file: path.basename(files.pre), frames: ps.frames, bytes: ps.bytes, kernel_drops: ps.drops, hardware_stamped: ps.hwFrames, after_stop: ps.afterStop, timestamping: tsPre },
          post: { endpoint: fmt(o.post), file: path.basename(files.post), frames: qs.frames, bytes: qs.bytes, kernel_drops: qs.drops, hardware_stamped: qs.hwFrames, after_stop: qs.afterStop, timestamping: tsPost },
        },
      };
      await writeFileAtomic(files.meta, JSON.stringify(meta, null, 2) + "\n");
      for (const [tap, s] of [["pre", ps], ["post", qs]] as const) {
        if (s.drops > 0) log.warn(`${tap} tap ${fmt(o[tap])}: the kernel dropped ${s.drops} frames (capture ring full); they are missing from ${path.basename(files[tap])}`);
      }
      return { ...files, pre_frames: ps.frames, post_frames: qs.frames, pre_dropped: ps.drops, post_dropped: qs.drops, timestamping };
    }
    return {
      stop: () => (result ??= finish()),
    };
  },
};
