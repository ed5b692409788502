/** Small builders for evaluator tests: hand-made frames written as real capture files. */
import { mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { afterAll } from "vitest";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { createCaptureWriter, type CaptureWriterOptions } from "../../src/pcap/writer.js";
import { createSys } from "../../src/sys/index.js";
import type { HynetEvent } from "../../src/events.js";
import { DEFAULT_PARAMS, type EvalParams } from "../../src/evaluate/index.js";

export const T0 = 1_700_000_000n; // base second of the hand-made captures
export const ns = (rel: number | bigint) => T0 * 1_000_000_000n + BigInt(rel);
export const abs = (rel: number | bigint) => ns(rel).toString();

export interface FrameSpec {
  id: number;
  srcport?: number;
  dstport?: number;
  src?: string;
  dst?: string;
  /** EtherTypes of stacked tags, outermost first (0x88a8, 0x8100, 0x9100). */
  tags?: number[];
  ipv6?: boolean;
  /** IPv6 extension headers before UDP (0 hop-by-hop, 43 routing, 60 destination options). */
  ext?: number[];
  /** IPv4 options bytes (multiple of 4): IHL > 5. */
  ipOptions?: number;
  marker?: number;
  /** UDP payload length (default 5: id + marker, padded up to a 60-byte frame). */
  payload?: number;
  proto?: number;
  fragment?: boolean;
}

function ip4(s: string): number[] {
  return s.split(".").map(Number);
}

function ip6(s: string): number[] {
  // Only the forms the tests use: "fd00::1" style, full expansion by hand.
  const [head, tail] = s.split("::");
  const h = head ? head.split(":") : [];
  const t = tail ? tail.split(":") : [];
  const words = [...h, ...Array(8 - h.length - t.length).fill("0"), ...t].map((w) => parseInt(w, 16));
  return words.flatMap((w) => [w >> 8, w & 255]);
}

/** An Ethernet frame carrying a MoonSniff-style UDP test packet (or a variant of it). */
export function frame(f: FrameSpec): Uint8Array {
  const payloadLen = f.payload ?? 5;
  const payload = new Uint8Array(payloadLen);
  const id = f.id >>> 0;
  for (let i = 0; i < Math.min(4, payloadLen); i++) payload[i] = (id >>> (8 * i)) & 255;
  if (payloadLen > 4) payload[4] = f.marker ?? 0x55;
  const sp = f.srcport ?? Math.ceil(f.id / 65536) & 0xffff;
  const dp = f.dstport ?? 23432;
  const udp = [sp >> 8, sp & 255, dp >> 8, dp & 255, (8 + payloadLen) >> 8, (8 + payloadLen) & 255, 0, 0, ...payload];
  const proto = f.proto ?? 17;
  let l3: number[];
  let etype: number;
  if (f.ipv6) {
    etype = 0x86dd;
    const exts: number[] = [];
    const chain = [...(f.ext ?? []), proto];
    for (let i = 0; i < (f.ext ?? []).length; i++) exts.push(chain[i + 1], 0, 0, 0, 0, 0, 0, 0); // 8-byte header: next, len 0
    const body = [...exts, ...udp];
    l3 = [0x60, 0, 0, 0, body.length >> 8, body.length & 255, chain[0], 64, ...ip6(f.src ?? "fd00::10"), ...ip6(f.dst ?? "fd00::20"), ...body];
  } else {
    etype = 0x0800;
    const opt = f.ipOptions ?? 0;
    const ihl = 5 + opt / 4;
    const total = ihl * 4 + udp.length;
    const frag = f.fragment ? 0x2000 : 0;
    l3 = [0x40 | ihl, 0, total >> 8, total & 255, 0, 0, frag >> 8, frag & 255, 64, proto, 0, 0, ...ip4(f.src ?? "10.0.0.10"), ...ip4(f.dst ?? "10.0.2.20"), ...Array(opt).fill(1), ...udp];
  }
  const tags = (f.tags ?? []).flatMap((t) => [t >> 8, t & 255, 0, 5]); // TPID, TCI (VLAN 5)
  // Tags go between the MACs and the EtherType: [dst 6][src 6][tag TPID TCI]…[etype]
  const eth = [...Array(6).fill(0x02), ...Array(6).fill(0x04)];
  const out = [...eth, ...tags, etype >> 8, etype & 255, ...l3];
  while (out.length < 60) out.push(0);
  return Uint8Array.from(out);
}

export interface Pkt extends FrameSpec {
  /** Nanoseconds after T0. */
  t: number;
}

export async function writeCapture(file: string, pkts: (Pkt | { raw: Uint8Array; t: number; caplen?: number })[], o: Partial<CaptureWriterOptions> = {}): Promise<string> {
  const w = await createCaptureWriter(file, { format: "pcap", resolution: "ns", ...o });
  for (const p of pkts) {
    const f = "raw" in p ? p.raw : frame(p);
    await w.writeFrame(f, ns(p.t));
  }
  await w.close();
  return file;
}

const made: string[] = [];
// Registered in every test file that imports the helpers: its folders go when the file is done.
afterAll(() => {
  for (const d of made.splice(0)) rmSync(d, { recursive: true, force: true });
});

export function tmp(prefix = "hynet-eval-"): string {
  const d = mkdtempSync(path.join(tmpdir(), prefix));
  made.push(d);
  return d;
}

/** Write latencies-pre-NAME.pcap and latencies-post-NAME.pcap into a fresh folder. */
export async function makePair(pre: Pkt[], post: Pkt[], name = "t", o: Partial<CaptureWriterOptions> = {}): Promise<{ dir: string; pre: string; post: string }> {
  const dir = tmp();
  const a = await writeCapture(path.join(dir, `latencies-pre-${name}.pcap`), pre, o);
  const b = await writeCapture(path.join(dir, `latencies-post-${name}.pcap`), post, o);
  return { dir, pre: a, post: b };
}

export function params(p: Partial<EvalParams> = {}): EvalParams {
  return { ...DEFAULT_PARAMS, formats: ["csv"], ...p };
}

export function testSys() {
  const events: HynetEvent[] = [];
  return { sys: createSys({ emit: (e) => events.push(e) }), events };
}

export function read(dir: string, name: string): string {
  return readFileSync(path.join(dir, name), "utf8");
}

export function files(dir: string): string[] {
  return readdirSync(dir).sort();
}
