/**
 * Real namespaces and veth links for the traffic tests (unique prefixes,
 * removed afterwards), and a reader that pairs pre and post captures by
 * packet id straight from the frames.
 */
import { randomBytes } from "node:crypto";
import { createSys, type Sys } from "../../src/sys/index.js";
import { readFrames } from "../../src/evaluate/readers/index.js";
import { TEST_DST_PORT, TEST_MARKER } from "../../src/traffic/packet.js";

export const sys: Sys = createSys();

export function requireRoot(): void {
  if (!sys.isRoot()) throw new Error("these tests create namespaces and send traffic: run them as root");
}

/** A short unique prefix: interface names are limited to 15 bytes. */
export function uniquePrefix(tag: string): string {
  return `hy${tag}${randomBytes(3).toString("hex")}`;
}

async function ip(...args: string[]): Promise<void> {
  await sys.run(["ip", ...args]);
}

export interface VethPair {
  a: { netns: string; iface: string };
  b: { netns: string; iface: string };
  destroy(): Promise<void>;
}

/** Two namespaces joined by one veth pair, both ends up. */
export async function vethPair(tag: string): Promise<VethPair> {
  const p = uniquePrefix(tag);
  const a = { netns: `${p}a`, iface: `${p}a` };
  const b = { netns: `${p}b`, iface: `${p}b` };
  const destroy = async () => {
    for (const ns of [a.netns, b.netns]) await sys.run(["ip", "netns", "del", ns], { check: false });
  };
  try {
    for (const ns of [a.netns, b.netns]) {
      await ip("netns", "add", ns);
      // No IPv6 neighbour discovery chatter: the captures then hold exactly what the tests send.
      await sys.run(["ip", "netns", "exec", ns, "sysctl", "-q", "-w", "net.ipv6.conf.all.disable_ipv6=1", "net.ipv6.conf.default.disable_ipv6=1"]);
    }
    await ip("link", "add", a.iface, "netns", a.netns, "type", "veth", "peer", "name", b.iface, "netns", b.netns);
    await ip("-n", a.netns, "link", "set", a.iface, "up");
    await ip("-n", b.netns, "link", "set", b.iface, "up");
  } catch (e) {
    await destroy();
    throw e;
  }
  return { a, b, destroy };
}

export interface TestFrame {
  id: number;
  ts: bigint;
  src: string;
  dstPort: number;
}

/** Test frames (UDP, marker 0x55) of a capture, in capture order; dstPort filters (default 23432). */
export async function testFrames(file: string, dstPort = TEST_DST_PORT): Promise<{ frames: TestFrame[]; all: number; resolution: string }> {
  const frames: TestFrame[] = [];
  let all = 0;
  const info = await readFrames(file, (b, off, caplen, _w, sec, nsec) => {
    all++;
    if (caplen < 47 || b[off + 12] !== 0x08 || b[off + 13] !== 0x00 || b[off + 23] !== 17) return;
    const port = (b[off + 36] << 8) | b[off + 37];
    if (port !== dstPort || b[off + 46] !== TEST_MARKER) return;
    frames.push({
      id: b.readUInt32LE(off + 42),
      ts: BigInt(sec) * 1_000_000_000n + BigInt(nsec),
      src: `${b[off + 26]}.${b[off + 27]}.${b[off + 28]}.${b[off + 29]}`,
      dstPort: port,
    });
  });
  return { frames, all, resolution: info.resolution };
}

export interface Matched {
  pre: TestFrame[];
  post: TestFrame[];
  matched: number;
  /** Latencies in ns, in pre order. */
  latencies: number[];
}

export async function matchCaptures(pre: string, post: string): Promise<Matched> {
  const a = (await testFrames(pre)).frames;
  const b = (await testFrames(post)).frames;
  const at = new Map<number, bigint>();
  for (const f of a) at.set(f.id, f.ts);
  const latencies: number[] = [];
  for (const f of b) {
    const t = at.get(f.id);
    if (t !== undefined) latencies.push(Number(f.ts - t));
  }
  return { pre: a, post: b, matched: latencies.length, latencies };
}

export function gaps(frames: TestFrame[]): number[] {
  const g: number[] = [];
  for (let i = 1; i < frames.length; i++) g.push(Number(frames[i].ts - frames[i - 1].ts));
  return g;
}

export function quantile(xs: number[], q: number): number {
  const s = [...xs].sort((x, y) => x - y);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))];
}

