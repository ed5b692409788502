/**
 * The capture's stats CSV: one row per tap per second (cumulative counts,
 * so a reader can take differences for rates), and a last row per tap with
 * the final counts.
 */
import type { TapStats } from "../sys/packetio.js";

export const STATS_HEADER = "ts_ns,tap,endpoint,frames,bytes,kernel_drops,timestamping";

export function statsCsv(taps: { tap: "pre" | "post"; endpoint: string; stats: TapStats; timestamping: "hardware" | "software" }[]): string {
  const rows = [STATS_HEADER];
  for (const t of taps) {
    for (const s of t.stats.samples) rows.push(`${s.tsNs},${t.tap},${t.endpoint},${s.frames},${s.bytes},${s.drops},${t.timestamping}`);
  }
  return rows.join("\n") + "\n";
}

/** Hardware only when every captured frame carried a hardware stamp. */
export function timestampingOf(s: Pick<TapStats, "frames" | "hwFrames">): "hardware" | "software" {
  return s.frames > 0 && s.hwFrames === s.frames ? "hardware" : "software";
}
