/**
 * The packet I/O addon (native/, built by node-gyp during `npm install`):
 * a paced AF_PACKET sender and TPACKET_V3 capture taps, each on its own
 * thread. This wrapper loads it, gives it types, and turns its errors into
 * HynetErrors. Native code is system access, so it lives in src/sys.
 */
import { createRequire } from "node:module";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { HynetError, PrivilegeError, SystemError, UsageError } from "../errors.js";
import { sysctlPath } from "./proc.js";

export interface SendParams {
  /** Network namespace name (/run/netns/NAME) or path; undefined = hynet's own. */
  netns?: string;
  iface: string;
  /** The frame template (src/traffic/packet.ts makeTemplate); patched per packet in C the same way as fillPacket. */
  frame: Uint8Array;
  flows: number;
  /** Source IP of flow 0 as an unsigned 32-bit integer. */
  srcIpBase: number;
  /** Frames to send; 0 or undefined = until durationNs or cancel. */
  count?: number;
  durationNs?: number;
  /** Frames per second (mean). */
  rate: number;
  burst: number;
  /** Id of the first frame. */
  startId?: number;
  /** Run the sender thread SCHED_FIFO (lowest real-time priority) so that ordinary tasks cannot preempt it (it rests often enough never to be RT-throttled). */
  realtime?: boolean;
}

export interface GapStats {
  n: number;
  mean: number;
  std: number;
  min: number;
  max: number;
  p1: number;
  p50: number;
  p99: number;
}

export interface SendStats {
  sent: number;
  /** Monotonic clock (ns) just before the first and the last frame's send(). */
  firstNs: bigint;
  lastNs: bigint;
  /** Departure of the first frame of the last burst, and that burst's size: the achieved rate is measured burst start to burst start. */
  lastBurstNs: bigint;
  lastBurstFrames: number;
  /** Bursts that started more than one burst period after their deadline. */
  lateBursts: number;
  cancelled: boolean;
  /** The thread did run SCHED_FIFO. */
  realtime: boolean;
  /** Inter-departure gaps in ns (from the monotonic clock read before each send()). */
  gap: GapStats;
}

export interface SendJob {
  done: Promise<SendStats>;
  cancel(): void;
}

export interface CaptureParams {
  netns?: string;
  iface: string;
  /** Final pcap path; the capture writes a temporary file beside it and renames it when it ends cleanly. */
  path: string;
  snaplen: number;
  /** Stop by itself after this long (0/undefined: only when stopped). */
  durationNs?: number;
  /** Run the capture thread SCHED_FIFO so that a busy machine cannot starve the ring into drops. */
  realtime?: boolean;
}

export interface TapSample {
  /** Wall clock (epoch ns) of the sample. */
  tsNs: bigint;
  /** Cumulative counts since the tap started. */
  frames: number;
  bytes: number;
  drops: number;
}

export interface TapStats {
  frames: number;
  /** Bytes on the wire (original lengths). */
  bytes: number;
  /** Frames the kernel dropped because the ring was full (PACKET_STATISTICS). */
  drops: number;
  freezes: number;
  /** Frames that carried a hardware timestamp. */
  hwFrames: number;
  /** Frames stamped after the stop instant, left out so that both taps cover the same window. */
  afterStop: number;
  /** The NIC accepted SIOCSHWTSTAMP (rx all). */
  hwEnabled: boolean;
  /** The capture thread did run SCHED_FIFO. */
  realtime: boolean;
  samples: TapSample[];
}

export interface CaptureJob {
  done: Promise<TapStats>;
  hwEnabled: boolean;
  /** Stop; frames stamped after `cutoffNs` (CLOCK_REALTIME ns, default now) are not written. */
  stop(cutoffNs?: bigint): void;
}

interface RawJob<T> {
  done: Promise<T>;
  handle: unknown;
  hwEnabled?: number;
}
interface Addon {
  send(o: object): RawJob<Omit<SendStats, "cancelled" | "realtime"> & { cancelled: number; realtime: number }>;
  startCapture(o: object): RawJob<Omit<TapStats, "hwEnabled" | "realtime"> & { hwEnabled: number; realtime: number }>;
  cancel(handle: unknown, cutoffNs?: bigint): void;
  realNs(): bigint;
  adviseHugePages(a: ArrayBufferView): number;
  setSysctls(netns: string, entries: string[]): void;
}

const ADDON_PATH = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../native/build/Release/packetio.node");
let addon: Addon | undefined;

function load(): Addon {
  if (addon) return addon;
  try {
    addon = createRequire(import.meta.url)(ADDON_PATH) as Addon;
  } catch (e) {
    throw new SystemError("NATIVE_MISSING", `the packet I/O addon is not built (${ADDON_PATH})`, {
      hint: "run `npm run build:native` (needs g++, make, python3: `bash scripts/setup.sh`)",
      cause: e,
    });
  }
  return addon;
}

/** The addon if it is built, else undefined (for optional uses such as memory advice). */
export function addonIfBuilt(): Pick<Addon, "adviseHugePages"> | undefined {
  try {
    return load();
  } catch {
    return undefined;
  }
}

/**
 * Set sysctls inside network namespace `netns` (a name under /run/netns or a
 * path). Keys are sysctl(8)'s (dots, or slashes when an interface name has
 * dots); a `*` component matches every entry. The addon enters the namespace
 * once on the calling thread, because /proc/sys/net belongs to the namespace
 * of whoever opens it.
 */
export function setNetnsSysctls(netns: string, sysctls: Record<string, string | number>): void {
  const entries = Object.entries(sysctls).flatMap(([k, v]) => [k, sysctlPath(k), String(v)]);
  try {
    load().setSysctls(netns, entries);
  } catch (e) {
    const err = e as { code?: string; message?: string };
    if (err.code === "NEED_ROOT") throw new PrivilegeError(`cannot set sysctls in ${netns}: ${err.message}`);
    if (e instanceof HynetError) throw e;
    throw new SystemError("SYSCTL_FAILED", `cannot set sysctl: ${err.message ?? String(e)}`, { hint: "check the sysctl name in the topology (`sysctl -a` lists them)", cause: e });
  }
}

/** Map the addon's error codes to hynet's errors, naming the endpoint. */
function mapError(e: unknown, where: string): HynetError {
  if (e instanceof HynetError) return e;
  const err = e as { code?: string; message?: string };
  const msg = `${where}: ${err.message ?? String(e)}`;
  switch (err.code) {
    case "BAD_OPTION":
      // The addon keeps no defaults: an option it refuses is named in the message.
      return new UsageError(msg, { hint: "rate must be above 0, burst and flows whole numbers ≥ 1, count and durationNs whole numbers ≥ 0", cause: e });
    case "NEED_ROOT":
      return new PrivilegeError(msg);
    case "UNKNOWN_NETNS":
      return new SystemError("NETNS_UNKNOWN", msg, { hint: "list namespaces with `ip netns list`, or give a running hynet host's name" });
    case "UNKNOWN_IFACE":
      return new SystemError("IFACE_UNKNOWN", msg, { hint: "list interfaces with `ip link` (inside the namespace: `ip -n NETNS link`)" });
    case "IFACE_DOWN":
      return new SystemError("IFACE_DOWN", msg, { hint: "bring it up with `ip link set IFACE up`" });
    default:
      return new SystemError("PACKET_IO", msg, { cause: e });
  }
}

function endpointName(netns: string | undefined, iface: string): string {
  return netns ? `${netns}:${iface}` : iface;
}

/** Start a paced send on its own thread. Throws at once for a bad endpoint or missing privileges. */
export function startSend(p: SendParams): SendJob {
  const where = endpointName(p.netns, p.iface);
  let raw: ReturnType<Addon["send"]>;
  try {
    // Every number is given: the addon has no defaults and refuses a missing one.
    raw = load().send({ ...p, count: p.count ?? 0, durationNs: p.durationNs ?? 0, startId: p.startId ?? 0, realtime: p.realtime ? 1 : 0, frame: Buffer.from(p.frame.buffer, p.frame.byteOffset, p.frame.byteLength) });
  } catch (e) {
    throw mapError(e, where);
  }
  const a = addon!;
  return {
    done: raw.done.then(
      (r) => ({ ...r, cancelled: r.cancelled !== 0, realtime: r.realtime !== 0 }),
      (e: unknown) => Promise.reject(mapError(e, where)),
    ),
    cancel: () => a.cancel(raw.handle),
  };
}

/** Start one capture tap on its own thread. Throws at once for a bad endpoint or missing privileges. */
export function startCapture(p: CaptureParams): CaptureJob {
  const where = endpointName(p.netns, p.iface);
  const tmpPath = path.join(path.dirname(p.path), `.${path.basename(p.path)}.partial-${process.pid}-${Math.random().toString(36).slice(2, 8)}`);
  let raw: ReturnType<Addon["startCapture"]>;
  try {
    raw = load().startCapture({ ...p, realtime: p.realtime ? 1 : 0, tmpPath });
  } catch (e) {
    throw mapError(e, where);
  }
  const a = addon!;
  return {
    done: raw.done.then(
      (r) => ({ ...r, hwEnabled: r.hwEnabled !== 0, realtime: r.realtime !== 0 }),
      (e: unknown) => Promise.reject(mapError(e, `${where} → ${p.path}`)),
    ),
    hwEnabled: raw.hwEnabled === 1,
    stop: (cutoffNs?: bigint) => a.cancel(raw.handle, cutoffNs),
  };
}

/** CLOCK_REALTIME in ns, the clock capture timestamps are on (for a common stop instant of several taps). */
export function captureClockNs(): bigint {
  return load().realNs();
}
