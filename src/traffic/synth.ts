/**
 * `hynet synth`: a pre/post capture pair of MoonSniff test traffic with known
 * ground truth, for tests, docs and benchmarks of the evaluator.
 *
 * Pre: packet k (0-based) carries id startId + k (mod 2^32) and is stamped by
 * the pacing model: bursts of `burst` frames back to back at line-rate
 * spacing (10 Gbit/s: (size + tags + 24) · 0.8 ns per frame, the 24 being
 * FCS, preamble and inter-frame gap), burst b starting at
 * floor(b · burst · 10^9 / rate) ns, so the mean rate is `rate`.
 *
 * Post: each packet not lost arrives at pre ts + latency, latency =
 * base + U{0..jitter} ns, or with probability tailProb tailLatency +
 * U{0..jitter} ns. Duplicates arrive one frame time after their original.
 * Reordering swaps the contents of two adjacent test arrivals (their
 * timestamps stay, so the file stays in arrival order) when the later packet
 * was sent before the earlier one arrived (otherwise it would arrive before
 * it was sent, and the swap is not made: at low rates with short latency
 * fewer swaps happen than asked for; the result counts the swaps made). Noise frames (ARP, TCP SYN, ICMP echo,
 * UDP with a 2-byte payload) are spread evenly through both files.
 *
 * Post frames are produced in arrival order through a min-heap that holds
 * only the frames in flight (those whose arrival is not yet certain to come
 * before every later one), so memory does not grow with the packet count.
 */
import * as path from "node:path";
import { UsageError, AbortedError } from "../errors.js";
import type { Sys } from "../sys/index.js";
import { ensureDir } from "../sys/files.js";
import { createCaptureWriter, type CaptureWriter } from "../pcap/writer.js";
import { fillPacket, makeTemplate, MIN_FRAME_SIZE } from "./packet.js";
import { DEFAULT_START_NS } from "./synth-defaults.js";

export interface LatencyModel {
  /** Base latency in ns. */
  baseNs: number;
  /** Uniform extra latency 0..jitterNs (integer ns) added to every packet. */
  jitterNs: number;
  /** Probability that a packet takes the tail latency instead of the base. */
  tailProb: number;
  /** Tail latency in ns (jitter is added to it too). */
  tailNs: number;
}

export interface SynthOptions {
  outDir: string;
  /** Files are latencies-pre-NAME.pcap…; no suffix without a name. */
  name?: string;
  /** Mean packets per second. */
  rate: number;
  /** Frames per burst (sent back to back at line rate). */
  burst: number;
  flows: number;
  /** Frame size in bytes as MoonGen's -x (without FCS, without VLAN tags). */
  size: number;
  packets: number;
  /** Timestamp of the first pre frame, epoch ns (default 1700000000 s). */
  startNs?: bigint;
  latency: LatencyModel;
  /** Probabilities per packet. */
  loss: number;
  duplicates: number;
  reorder: number;
  /** Non-test frames in each file. */
  noise: number;
  /** Id of the first packet (default 0); ids wrap at 2^32. */
  startId?: number;
  resolution: "us" | "ns";
  format: "pcap" | "pcapng";
  compression: "none" | "zstd" | "gzip";
  seed: number;
  /** 802.1Q VLAN id (the C-tag with qinq). */
  vlan?: number;
  /** 802.1ad S-tag VLAN id, outside the 802.1Q tag (needs vlan). */
  qinq?: number;
  snaplen?: number;
  byteOrder?: "le" | "be";
  /** Line rate for the spacing inside a burst (default 10 Gbit/s). */
  lineRateBps?: number;
  signal?: AbortSignal;
}

export interface SynthResult {
  pre: string;
  post: string;
  /** Test packets in the pre file. */
  sent: number;
  /** Test packets that reached the post file at least once. */
  delivered: number;
  lost: number;
  /** Extra copies in the post file. */
  duplicated: number;
  /** Adjacent post arrivals swapped. */
  reordered: number;
  /** Noise frames in each file. */
  noise: number;
  /** Packets that took the tail latency. */
  tail: number;
  preFrames: number;
  postFrames: number;
}

export { DEFAULT_START_NS };

/**
 * mulberry32: hand-written because it is five lines, and a test's expected
 * numbers must not change when a PRNG package changes its algorithm.
 */
export function mulberry32(seed: number): () => number {
  // The state lives in a typed array: a captured `let` above 2^30 would be re-boxed on every call.
  const st = new Uint32Array([seed >>> 0]);
  return () => {
    st[0] = st[0] + 0x6d2b79f5;
    let t = st[0] | 0;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function synthFileNames(o: Pick<SynthOptions, "outDir" | "name" | "format" | "compression">): { pre: string; post: string } {
  const suffix = o.name ? `-${o.name}` : "";
  const ext = (o.format === "pcapng" ? ".pcapng" : ".pcap") + (o.compression === "zstd" ? ".zst" : o.compression === "gzip" ? ".gz" : "");
  return { pre: path.join(o.outDir, `latencies-pre${suffix}${ext}`), post: path.join(o.outDir, `latencies-post${suffix}${ext}`) };
}

/** Min-heap of frames in flight to the post capture, ordered by (arrival ts, sequence). */
class InFlight {
  private cap = 1024;
  ts = new Float64Array(this.cap);
  seq = new Float64Array(this.cap);
  pre = new Float64Array(this.cap);
  id = new Float64Array(this.cap);
  n = new Float64Array(this.cap);
  kind = new Uint8Array(this.cap);
  private heap = new Int32Array(this.cap);
  private free: number[] = [];
  private used = 0;
  size = 0;

  private less(a: number, b: number): boolean {
    return this.ts[a] < this.ts[b] || (this.ts[a] === this.ts[b] && this.seq[a] < this.seq[b]);
  }

  private grow(): void {
    const c = this.cap * 2;
    const g = <T extends Float64Array | Uint8Array | Int32Array>(a: T, make: (n: number) => T): T => {
      const b = make(c);
      b.set(a);
      return b;
    };
    this.ts = g(this.ts, (n) => new Float64Array(n));
    this.seq = g(this.seq, (n) => new Float64Array(n));
    this.pre = g(this.pre, (n) => new Float64Array(n));
    this.id = g(this.id, (n) => new Float64Array(n));
    this.n = g(this.n, (n) => new Float64Array(n));
    this.kind = g(this.kind, (n) => new Uint8Array(n));
    this.heap = g(this.heap, (n) => new Int32Array(n));
    this.cap = c;
  }

  push(ts: number, seq: number, pre: number, id: number, n: number, kind: number): void {
    let s: number;
    if (this.free.length) s = this.free.pop()!;
    else {
      if (this.used === this.cap) this.grow();
      s = this.used++;
    }
    this.ts[s] = ts;
    this.seq[s] = seq;
    this.pre[s] = pre;
    this.id[s] = id;
    this.n[s] = n;
    this.kind[s] = kind;
    let i = this.size++;
    const h = this.heap;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.less(s, h[parent])) break;
      h[i] = h[parent];
      i = parent;
    }
    h[i] = s;
  }

  /** Slot of the earliest frame (valid until the next push/pop). */
  top(): number {
    return this.heap[0];
  }

  /** Remove the earliest frame; its slot stays readable until the next push. */
  pop(): number {
    const h = this.heap;
    const top = h[0];
    const last = h[--this.size];
    let i = 0;
    for (;;) {
      let c = 2 * i + 1;
      if (c >= this.size) break;
      if (c + 1 < this.size && this.less(h[c + 1], h[c])) c++;
      if (!this.less(h[c], last)) break;
      h[i] = h[c];
      i = c;
    }
    if (this.size > 0) h[i] = last;
    this.free.push(top);
    return top;
  }
}

function check(cond: boolean, what: string): void {
  if (!cond) throw new UsageError(`synth: ${what}`);
}

/** The noise frames: ARP request, TCP SYN, ICMP echo request, UDP with a 2-byte payload (unpadded, as Linux captures them). */
export function noiseFrames(): Uint8Array[] {
  const eth = (type: number, body: number[]) => Uint8Array.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x52, 0x54, 0, 0, 0, 2, type >> 8, type & 255, ...body]);
  const ipv4 = (proto: number, payload: number[]) => {
    const len = 20 + payload.length;
    const h = [0x45, 0, len >> 8, len & 255, 0, 1, 0x40, 0, 64, proto, 0, 0, 10, 0, 0, 10, 10, 0, 2, 20];
    let sum = 0;
    for (let i = 0; i < 20; i += 2) sum += (h[i] << 8) | h[i + 1];
    while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
    sum = ~sum & 0xffff;
    h[10] = sum >> 8;
    h[11] = sum & 255;
    return [...h, ...payload];
  };
  const arp = eth(0x0806, [0, 1, 8, 0, 6, 4, 0, 1, 0x52, 0x54, 0, 0, 0, 2, 10, 0, 0, 10, 0, 0, 0, 0, 0, 0, 10, 0, 2, 20]);
  const tcp = eth(0x0800, ipv4(6, [0x9c, 0x40, 0x00, 0x50, 0, 0, 0, 1, 0, 0, 0, 0, 0x50, 0x02, 0xff, 0xff, 0, 0, 0, 0]));
  const icmp = eth(0x0800, ipv4(1, [8, 0, 0xf7, 0xfe, 0, 1, 0, 1]));
  const udp = eth(0x0800, ipv4(17, [0x30, 0x39, 0x5b, 0x88, 0, 10, 0, 0, 0xab, 0xcd]));
  return [arp, tcp, icmp, udp];
}

/** Insert 802.1Q (and 802.1ad outside it) tags after the MAC addresses. */
function tagBytes(vlan?: number, qinq?: number): Uint8Array {
  const t: number[] = [];
  if (qinq !== undefined) t.push(0x88, 0xa8, (qinq >> 8) & 0x0f, qinq & 255);
  if (vlan !== undefined) t.push(0x81, 0x00, (vlan >> 8) & 0x0f, vlan & 255);
  return Uint8Array.from(t);
}

export async function synthesize(o: SynthOptions, sys: Sys): Promise<SynthResult> {
  check(Number.isFinite(o.rate) && o.rate > 0, `rate must be > 0 packets/s, got ${o.rate}`);
  check(Number.isInteger(o.burst) && o.burst >= 1, `burst must be an integer ≥ 1, got ${o.burst}`);
  check(Number.isInteger(o.flows) && o.flows >= 1, `flows must be an integer ≥ 1, got ${o.flows}`);
  check(Number.isInteger(o.size) && o.size >= MIN_FRAME_SIZE && o.size <= 9000, `size must be ${MIN_FRAME_SIZE}…9000 bytes, got ${o.size}`);
  check(Number.isInteger(o.packets) && o.packets >= 0, `packets must be an integer ≥ 0, got ${o.packets}`);
  check(Number.isInteger(o.noise) && o.noise >= 0, `noise must be an integer ≥ 0, got ${o.noise}`);
  for (const [k, v] of [["loss", o.loss], ["duplicates", o.duplicates], ["reorder", o.reorder], ["tail probability", o.latency.tailProb]] as const) {
    check(Number.isFinite(v) && v >= 0 && v <= 1, `${k} must be a ratio 0…1, got ${v}`);
  }
  for (const [k, v] of [["latency", o.latency.baseNs], ["jitter", o.latency.jitterNs], ["tail latency", o.latency.tailNs]] as const) {
    check(Number.isInteger(v) && v >= 0, `${k} must be an integer ≥ 0 ns, got ${v}`);
  }
  const startId = o.startId ?? 0;
  check(Number.isInteger(startId) && startId >= 0 && startId <= 0xffffffff, `start id must be 0…4294967295, got ${startId}`);
  if (o.vlan !== undefined) check(Number.isInteger(o.vlan) && o.vlan >= 0 && o.vlan < 4096, `VLAN id must be 0…4095, got ${o.vlan}`);
  if (o.qinq !== undefined) {
    check(o.vlan !== undefined, "an 802.1ad S-tag (qinq) needs the inner 802.1Q VLAN id too (vlan)");
    check(Number.isInteger(o.qinq) && o.qinq >= 0 && o.qinq < 4096, `S-VLAN id must be 0…4095, got ${o.qinq}`);
  }
  const startNs = o.startNs ?? DEFAULT_START_NS;
  check(startNs >= 0n && startNs < 4294967296n * 1_000_000_000n, `start must be 0…2^32 s in ns, got ${startNs}`);

  const tags = tagBytes(o.vlan, o.qinq);
  const wireBytes = o.size + tags.length;
  const lineRate = o.lineRateBps ?? 10e9;
  const spacing = ((wireBytes + 24) * 8 * 1e9) / lineRate; // ns between frames in a burst
  const period = (o.burst * 1e9) / o.rate; // ns between burst starts
  check(o.burst * spacing <= period, `rate ${o.rate} packets/s exceeds the line rate of ${lineRate / 1e9} Gbit/s for ${wireBytes}-byte frames (at most ${Math.floor(1e9 / spacing)} packets/s)`);

  const { pre: preFile, post: postFile } = synthFileNames(o);
  await ensureDir(o.outDir);
  const wopts = { format: o.format, resolution: o.resolution, compression: o.compression, snaplen: o.snaplen, byteOrder: o.byteOrder };
  const preW = await createCaptureWriter(preFile, wopts);
  let postW: CaptureWriter | undefined;
  try {
    postW = await createCaptureWriter(postFile, wopts);
    const r = await generate(o, sys, preW, postW, tags, spacing, startNs, startId);
    await preW.close();
    await postW.close();
    const result: SynthResult = { pre: preFile, post: postFile, ...r };
    sys.emit({
      type: "result",
      scope: "synth",
      kind: "synth.result",
      line: `synth: ${result.sent} sent, ${result.lost} lost, ${result.duplicated} duplicated, ${result.reordered} reordered, ${result.noise} noise → ${preFile}, ${postFile}`,
      data: result,
    });
    return result;
  } catch (e) {
    await preW.abort();
    await postW?.abort();
    throw e;
  }
}

async function generate(
  o: SynthOptions,
  sys: Sys,
  preW: CaptureWriter,
  postW: CaptureWriter,
  tags: Uint8Array,
  spacing: number,
  startNs: bigint,
  startId: number,
): Promise<Omit<SynthResult, "pre" | "post">> {
  const rand = mulberry32(o.seed);
  // A stream of its own, so that turning reordering on does not change which packets are lost or late.
  const randSwap = mulberry32((o.seed ^ 0x9e3779b9) >>> 0);
  const tpl = makeTemplate({ size: o.size, flows: o.flows });
  const noise = noiseFrames().map((f) => withTags(f, tags));
  const untagged = new Uint8Array(o.size);
  const frameA = new Uint8Array(o.size + tags.length);
  const frameB = new Uint8Array(o.size + tags.length);
  frameA.set(tags, 12);
  frameB.set(tags, 12);
  const startSec = Number(startNs / 1_000_000_000n);
  const startNsec = Number(startNs % 1_000_000_000n);
  const { baseNs, jitterNs, tailProb, tailNs } = o.latency;
  const minLatency = tailProb > 0 ? Math.min(baseNs, tailNs) : baseNs;
  const dupGap = Math.max(1, Math.round(spacing));
  const period = (o.burst * 1e9) / o.rate;
  const q = new InFlight();
  let seq = 0;
  let lost = 0;
  let duplicated = 0;
  let reordered = 0;
  let tail = 0;
  let preFrames = 0;
  let postFrames = 0;
  let delivered = 0;

  const tagLen = tags.length;
  const macs = untagged.subarray(0, 12);
  const afterMacs = untagged.subarray(12);
  const build = (out: Uint8Array, id: number, n: number) => {
    if (tagLen === 0) return fillPacket(tpl, id, n, out, 0);
    fillPacket(tpl, id, n, untagged, 0);
    out.set(macs, 0);
    out.set(afterMacs, 12 + tagLen);
  };
  // Writers never need awaiting for correctness, only for backpressure: the last such promise is awaited once per packet.
  let wait: Promise<void> | undefined;
  const write = (w: CaptureWriter, frame: Uint8Array, rel: number) => {
    const tot = startNsec + rel;
    const s = Math.floor(tot / 1e9);
    const r = w.writeFrameAt(frame, 0, frame.length, startSec + s, tot - s * 1e9);
    if (r) wait = r;
  };
  const noiseAt = (j: number) => (o.packets === 0 ? -1 : Math.floor(((j + 1) * o.packets) / (o.noise + 1)) - 1);

  // A frame chosen for reordering waits here for the next test arrival, then the two swap contents.
  let holding = false;
  let heldTs = 0;
  let heldId = 0;
  let heldN = 0;
  const release = () => {
    if (!holding) return;
    build(frameA, heldId, heldN);
    write(postW, frameA, heldTs);
    postFrames++;
    holding = false;
  };

  /** Write post frames that arrive before `horizon` (no later frame can arrive before them). */
  const drain = (horizon: number) => {
    while (q.size > 0 && q.ts[q.top()] < horizon) {
      const x = q.pop();
      const xTs = q.ts[x];
      if (q.kind[x] === 1) {
        release();
        write(postW, noise[q.id[x]], xTs);
        postFrames++;
        continue;
      }
      if (holding) {
        // Swap only with another packet that was sent before the held one arrived (else it would arrive before it left).
        if (q.pre[x] < heldTs && q.id[x] !== heldId) {
          build(frameB, q.id[x], q.n[x]);
          write(postW, frameB, heldTs);
          build(frameA, heldId, heldN);
          write(postW, frameA, xTs);
          postFrames += 2;
          reordered++;
          holding = false;
          continue;
        }
        release();
      }
      if (o.reorder > 0 && randSwap() < o.reorder) {
        holding = true;
        heldTs = xTs;
        heldId = q.id[x];
        heldN = q.n[x];
        continue;
      }
      build(frameA, q.id[x], q.n[x]);
      write(postW, frameA, xTs);
      postFrames++;
    }
  };

  let nextNoise = 0;
  // With no test packets, noise frames are spaced 1 µs apart from the start.
  if (o.packets === 0) {
    for (; nextNoise < o.noise; nextNoise++) {
      const t = nextNoise * 1000;
      write(preW, noise[nextNoise % 4], t);
      preFrames++;
      q.push(t + baseNs, seq++, t, nextNoise % 4, 0, 1);
    }
  }
  for (let k = 0; k < o.packets; k++) {
    const b = Math.floor(k / o.burst);
    const j = k - b * o.burst;
    const t = Math.floor(b * period) + Math.floor(j * spacing);
    drain(t + minLatency);
    const id = (startId + k) % 4294967296;
    const n = k + 1;
    build(frameA, id, n);
    write(preW, frameA, t);
    preFrames++;
    // Every packet draws the same four numbers, so changing one ratio does not reshuffle the others.
    const rLoss = rand();
    const rTail = rand();
    const rJit = rand();
    const rDup = rand();
    if (rLoss < o.loss) lost++;
    else {
      delivered++;
      const isTail = rTail < tailProb;
      if (isTail) tail++;
      const lat = (isTail ? tailNs : baseNs) + Math.floor(rJit * (jitterNs + 1));
      q.push(t + lat, seq++, t, id, n, 0);
      if (rDup < o.duplicates) {
        q.push(t + lat + dupGap, seq++, t, id, n, 0);
        duplicated++;
      }
    }
    while (nextNoise < o.noise && noiseAt(nextNoise) <= k) {
      const tn = t + 1;
      write(preW, noise[nextNoise % 4], tn);
      preFrames++;
      q.push(tn + baseNs, seq++, tn, nextNoise % 4, 0, 1);
      nextNoise++;
    }
    if (wait) {
      await wait;
      wait = undefined;
    }
    if ((k & 0xfffff) === 0xfffff) {
      if (o.signal?.aborted) throw new AbortedError();
      sys.emit({ type: "progress", scope: "synth", task: "write captures", done: k + 1, total: o.packets, unit: "packets" });
    }
  }
  drain(Infinity);
  release();
  if (wait) await wait;
  return { sent: o.packets, delivered, lost, duplicated, reordered, noise: o.noise, tail, preFrames, postFrames };
}

function withTags(f: Uint8Array, tags: Uint8Array): Uint8Array {
  if (tags.length === 0) return f;
  const out = new Uint8Array(f.length + tags.length);
  out.set(f.subarray(0, 12), 0);
  out.set(tags, 12);
  out.set(f.subarray(12), 12 + tags.length);
  return out;
}
