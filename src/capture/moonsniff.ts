/**
 * The `moonsniff` timestamper: MoonGen's MoonSniff (examples/moonsniff/
 * sniffer.lua) with the seed's command line, `MoonGen sniffer.lua PRE POST
 * --capture --time T --snaplen N`, run in the output folder so that its
 * default output name gives latencies-pre.pcap, latencies-post.pcap and
 * latencies-stats.csv; afterwards renamed as the seed did
 * (latencies-pre-NAME.pcap …).
 *
 * Its pcaps need nothing from hynet's evaluator beyond what it reads
 * anyway: the NIC's hardware timestamp, which the NIC appends as the frame's
 * last 8 bytes, is already in the record header (MoonSniff moves it there;
 * orig_len = frame length − 8), and the 8 bytes left at the end of a short
 * frame's data lie past everything the evaluator reads (headers + 5 payload
 * bytes). Its stats CSV is MoonGen's rate counters
 * (Time,Device,Direction,PacketRate,Mbit,MbitWithFraming,TotalPackets,TotalBytes).
 * The ports are DPDK port ids; $HYNET_MOONGEN and $HYNET_MOONSNIFF name
 * the binary and the script (a testbed file sets them per role).
 */
import { promises as fsp } from "node:fs";
import * as path from "node:path";
import { SystemError, UsageError } from "../errors.js";
import { logger } from "../events.js";
import { writeFileAtomic, type Sys } from "../sys/index.js";
import { spawnLines } from "../sys/lines.js";
import { moongenBinary } from "../traffic/moongen.js";
import { validateTimestamperOptions } from "./builtin.js";
import { captureFileNames, type CaptureResult, type CaptureSession, type Timestamper, type TimestamperOptions } from "./timestamper.js";

/** MoonSniff's own names (its `--output` default, `latencies`). */
export const MOONSNIFF_FILES = { pre: "latencies-pre.pcap", post: "latencies-post.pcap", stats: "latencies-stats.csv" };
/** Capture time when the caller gives none: MoonSniff needs one; stop() ends it earlier. */
const UNBOUNDED_S = 24 * 3600;
const READY_TIMEOUT_MS = 60_000;

export function moonsniffScript(env: NodeJS.ProcessEnv = process.env): string {
  return env.HYNET_MOONSNIFF || "examples/moonsniff/sniffer.lua";
}

function portId(what: string, e: { iface: string; netns?: string }): string {
  if (e.netns || !/^\d+$/.test(e.iface)) throw new UsageError(`the moonsniff timestamper takes DPDK port ids, got ${what} "${e.netns ? `${e.netns}:` : ""}${e.iface}"`, { hint: "e.g. --pre 0 --post 1 (see `dpdk-devbind.py --status`)" });
  return e.iface;
}

export function moonsniffArgv(o: TimestamperOptions, binary = moongenBinary(), script = moonsniffScript()): string[] {
  return [binary, script, portId("pre", o.pre), portId("post", o.post), "--capture", "--time", String(Math.ceil(o.durationS ?? UNBOUNDED_S)), "--snaplen", String(o.snaplen)];
}

export interface MoonsniffStats {
  /** Final TotalPackets per device, in the order the devices first appear (MoonSniff's pre, then post). */
  devices: { device: string; packets: number; bytes: number }[];
}

/** Parse MoonGen's rate-counter CSV; the last row per device holds the totals. */
export function parseMoonsniffStats(text: string, file = MOONSNIFF_FILES.stats): MoonsniffStats {
  const lines = text.split("\n").filter((l) => l.trim());
  const header = (lines.shift() ?? "").split(",").map((s) => s.trim());
  const col = (n: string) => {
    const i = header.indexOf(n);
    if (i < 0) throw new SystemError("MOONSNIFF_STATS", `${path.basename(file)} has no column ${n} (header: ${header.join(",")})`, { file, hint: "expected MoonGen's Time,Device,Direction,PacketRate,Mbit,MbitWithFraming,TotalPackets,TotalBytes" });
    return i;
  };
  const [dev, dir, pk, by] = [col("Device"), col("Direction"), col("TotalPackets"), col("TotalBytes")];
  const order: string[] = [];
  const last = new Map<string, { packets: number; bytes: number }>();
  for (const l of lines) {
    const f = l.split(",").map((s) => s.trim());
    if (f[dir] && !/^rx$/i.test(f[dir])) continue; // MoonSniff only receives; TX rows would be another task's
    if (!last.has(f[dev])) order.push(f[dev]);
    last.set(f[dev], { packets: Number(f[pk]), bytes: Number(f[by]) });
  }
  return { devices: order.map((d) => ({ device: d, ...last.get(d)! })) };
}

/** libmoon says so once every configured port has link. */
const READY_LINE = /\b\d+ devices? (?:is|are) up\b/i;

export const moonsniffTimestamper: Timestamper = {
  name: "moonsniff",
  async start(o: TimestamperOptions, sys: Sys): Promise<CaptureSession> {
    validateTimestamperOptions(o);
    const argv = moonsniffArgv(o);
    const log = logger(sys.emit, "capture");
    const names = captureFileNames(o.name);
    const files = { pre: path.join(o.outDir, names.pre), post: path.join(o.outDir, names.post), stats: path.join(o.outDir, names.stats), meta: path.join(o.outDir, names.meta) };
    const empty: CaptureResult = { ...files, pre_frames: 0, post_frames: 0, pre_dropped: 0, post_dropped: 0, timestamping: "hardware" };
    if (sys.dryRun) {
      await sys.run(argv, { cwd: o.outDir });
      for (const k of ["pre", "post", "stats"] as const) await sys.run(["mv", path.join(o.outDir, MOONSNIFF_FILES[k]), files[k]]);
      return { stop: async () => empty };
    }
    let ready!: () => void;
    const isReady = new Promise<void>((res) => (ready = res));
    const prog = spawnLines(sys, argv, (l) => {
      if (READY_LINE.test(l)) ready();
      log.debug(`MoonSniff: ${l}`);
    }, { cwd: o.outDir });
    const p = prog.proc;
    const lastErr = () => prog.stderr().trim().split("\n").slice(-1)[0] ?? "";
    let timer: NodeJS.Timeout | undefined;
    const outcome = await Promise.race([isReady.then(() => "ready"), p.exited.then(() => "exited"), new Promise((res) => (timer = setTimeout(() => res("timeout"), READY_TIMEOUT_MS)))]);
    clearTimeout(timer);
    if (outcome !== "ready") {
      p.kill("SIGINT");
      throw new SystemError("MOONSNIFF_FAILED", `MoonSniff ${outcome === "timeout" ? `did not bring its ports up in ${READY_TIMEOUT_MS / 1000} s` : "exited before its ports were up"}: ${lastErr()}`, { hint: "check the DPDK ports (dpdk-devbind.py --status), hugepages and the sniffer path ($HYNET_MOONSNIFF)" });
    }
    // The same message the built-in timestamper gives: a remote runner waits for it.
    log.debug(`capturing ${o.pre.iface} (pre) and ${o.post.iface} (post) with MoonSniff, snaplen ${o.snaplen}`);
    let result: Promise<CaptureResult> | undefined;
    async function finish(): Promise<CaptureResult> {
      p.kill("SIGINT");
      const code = await p.exited;
      if (code !== 0 && code !== 130) throw new SystemError("MOONSNIFF_FAILED", `MoonSniff exited ${code}: ${lastErr()}`);
      // The seed's names: latencies-{pre,post,stats}-NAME.
      for (const k of ["pre", "post", "stats"] as const) await fsp.rename(path.join(o.outDir, MOONSNIFF_FILES[k]), files[k]);
      const st = parseMoonsniffStats(await fsp.readFile(files.stats, "utf8"), files.stats);
      const [pre, post] = [st.devices[0]?.packets ?? 0, st.devices[1]?.packets ?? 0];
      await writeFileAtomic(files.meta, JSON.stringify({ timestamping: "hardware", clock: "NIC", resolution: "ns", snaplen: o.snaplen, tool: argv.slice(0, 2), taps: { pre: { endpoint: o.pre.iface, frames: pre }, post: { endpoint: o.post.iface, frames: post } } }, null, 2) + "\n");
      // MoonGen's rate counters carry no drop count (the NIC's misses are in MoonSniff's own output).
      return { ...empty, pre_frames: pre, post_frames: post };
    }
    return { stop: () => (result ??= finish()) };
  },
};
