/** `hynet synth`: hand-computed pacing and latency, ground-truth counts checked against the files. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as path from "node:path";
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { execFileSync } from "node:child_process";
import { synthesize, mulberry32, type SynthOptions, type SynthResult } from "../../src/traffic/synth.js";
import { createSys } from "../../src/sys/index.js";
import type { HynetEvent } from "../../src/events.js";
import { collect, errorOf, tmp, tool } from "../readers/util.js";

let dir: string;
let cleanup: () => void;
beforeAll(() => ({ dir, cleanup } = tmp("synth")));
afterAll(() => cleanup());

const S = 1_700_000_000;

function opts(name: string, o: Partial<SynthOptions> = {}): SynthOptions {
  return {
    outDir: dir,
    name,
    rate: 1_000_000,
    burst: 1,
    flows: 1,
    size: 84,
    packets: 5,
    latency: { baseNs: 5000, jitterNs: 0, tailProb: 0, tailNs: 100_000 },
    loss: 0,
    duplicates: 0,
    reorder: 0,
    noise: 0,
    resolution: "ns",
    format: "pcap",
    compression: "none",
    seed: 1,
    ...o,
  };
}

interface Pkt {
  t: number; // ns after S
  id: number;
  srcPort: number;
  ipId: number;
  srcIp: string;
  ethType: number;
  test: boolean;
}

/** Decode the test-packet fields of every frame (tags skipped). */
async function packets(file: string): Promise<Pkt[]> {
  const { frames } = await collect(file);
  return frames.map((f) => {
    const b = Buffer.from(f.hex, "hex");
    let l3 = 12;
    while (b.readUInt16BE(l3) === 0x8100 || b.readUInt16BE(l3) === 0x88a8) l3 += 4;
    const ethType = b.readUInt16BE(l3);
    const ip = l3 + 2;
    // The noise includes a UDP datagram to the test port with a 2-byte payload: not a test packet.
    const test = ethType === 0x0800 && b[ip + 9] === 17 && b.readUInt16BE(ip + 22) === 23432 && b.readUInt16BE(ip + 24) >= 8 + 5;
    return {
      t: (f.sec - S) * 1e9 + f.nsec,
      id: test ? b.readUInt32LE(ip + 28) : -1,
      srcPort: test ? b.readUInt16BE(ip + 20) : -1,
      ipId: ethType === 0x0800 ? b.readUInt16BE(ip + 4) : -1,
      srcIp: ethType === 0x0800 ? [...b.subarray(ip + 12, ip + 16)].join(".") : "",
      ethType,
      test,
    };
  });
}

async function run(o: SynthOptions): Promise<{ r: SynthResult; pre: Pkt[]; post: Pkt[]; events: HynetEvent[] }> {
  const events: HynetEvent[] = [];
  const r = await synthesize(o, createSys({ emit: (e) => events.push(e) }));
  return { r, pre: await packets(r.pre), post: await packets(r.post), events };
}

describe("synth", () => {
  it("5 packets at 1 Mpps, latency 5 µs: hand-computed timestamps, ids, ports, file names, result event", async () => {
    const { r, pre, post, events } = await run(opts("basic"));
    expect(path.basename(r.pre)).toBe("latencies-pre-basic.pcap");
    expect(path.basename(r.post)).toBe("latencies-post-basic.pcap");
    expect(pre.map((p) => [p.t, p.id, p.srcPort, p.ipId])).toEqual([
      [0, 0, 0, 0],
      [1000, 1, 1, 1],
      [2000, 2, 1, 2],
      [3000, 3, 1, 3],
      [4000, 4, 1, 4],
    ]);
    expect(post.map((p) => [p.t, p.id])).toEqual([
      [5000, 0],
      [6000, 1],
      [7000, 2],
      [8000, 3],
      [9000, 4],
    ]);
    expect(r).toMatchObject({ sent: 5, delivered: 5, lost: 0, duplicated: 0, reordered: 0, noise: 0, preFrames: 5, postFrames: 5 });
    const res = events.find((e) => e.type === "result");
    expect(res).toMatchObject({ type: "result", scope: "synth", kind: "synth.result", data: r });
  });

  it("tcpdump reads the pair: same timestamps, IPv4 ids and UDP source ports across the 65536 boundary", async () => {
    const { r } = await run(opts("tcpdump", { startId: 65534, packets: 4, latency: { baseNs: 1234, jitterNs: 0, tailProb: 0, tailNs: 0 } }));
    const show = (f: string) => {
      const lines = tool(["tcpdump", "-nn", "-tt", "--nano", "-v", "-r", f]).split("\n");
      const out: string[] = [];
      for (let i = 0; i + 1 < lines.length; i += 2) {
        const ts = lines[i].split(" ")[0];
        const id = /\bid (\d+),/.exec(lines[i])![1];
        const sport = /10\.0\.0\.10\.(\d+) > 10\.0\.2\.20\.23432/.exec(lines[i + 1])![1];
        out.push(`${ts} ${id} ${sport}`);
      }
      return out;
    };
    expect(show(r.pre)).toEqual(["1700000000.000000000 65534 1", "1700000000.000001000 65535 1", "1700000000.000002000 0 1", "1700000000.000003000 1 2"]);
    expect(show(r.post)).toEqual(["1700000000.000001234 65534 1", "1700000000.000002234 65535 1", "1700000000.000003234 0 1", "1700000000.000004234 1 2"]);
  });

  it("bursts: back to back at 10 Gbit/s spacing ((84 + 24) · 0.8 = 86.4 ns), bursts every burst/rate", async () => {
    const { pre } = await run(opts("burst", { packets: 8, burst: 4, rate: 1_000_000 }));
    expect(pre.map((p) => p.t)).toEqual([0, 86, 172, 259, 4000, 4086, 4172, 4259]);
  });

  it("a rate above line rate is a usage error", async () => {
    const e = await errorOf(synthesize(opts("fast", { rate: 20_000_000 }), createSys()));
    expect(e.code).toBe("USAGE");
    expect(e.message).toContain("exceeds the line rate");
  });

  it("flows: source IP 10.0.0.10 + (n mod flows), n from 1", async () => {
    const { pre } = await run(opts("flows", { flows: 3, packets: 4 }));
    expect(pre.map((p) => p.srcIp)).toEqual(["10.0.0.11", "10.0.0.12", "10.0.0.10", "10.0.0.11"]);
  });

  it("ids cross 65536 (source port changes) and wrap at 2^32", async () => {
    const a = await run(opts("wrap16", { startId: 65534, packets: 4 }));
    expect(a.pre.map((p) => [p.id, p.srcPort, p.ipId])).toEqual([
      [65534, 1, 65534],
      [65535, 1, 65535],
      [65536, 1, 0],
      [65537, 2, 1],
    ]);
    const b = await run(opts("wrap32", { startId: 4294967294, packets: 4 }));
    expect(b.pre.map((p) => [p.id, p.srcPort])).toEqual([
      [4294967294, 0],
      [4294967295, 0],
      [0, 0],
      [1, 1],
    ]);
    // 4294967294 / 65536 = 65535.99…, ceil = 65536, which is 0 in 16 bits.
  });

  it("latency model: jitter stays in [base, base + jitter], tail-prob 1 gives the tail, seeds reproduce", async () => {
    const { pre, post } = await run(opts("jit", { packets: 2000, latency: { baseNs: 5000, jitterNs: 500, tailProb: 0, tailNs: 0 } }));
    const preById = new Map(pre.map((p) => [p.id, p.t]));
    const lat = post.map((p) => p.t - preById.get(p.id)!);
    expect(Math.min(...lat)).toBeGreaterThanOrEqual(5000);
    expect(Math.max(...lat)).toBeLessThanOrEqual(5500);
    expect(new Set(lat).size).toBeGreaterThan(100);
    const tail = await run(opts("tail", { packets: 10, latency: { baseNs: 5000, jitterNs: 0, tailProb: 1, tailNs: 100_000 } }));
    expect(tail.r.tail).toBe(10);
    expect(tail.post.map((p) => p.t - tail.pre[p.id].t)).toEqual(Array(10).fill(100_000));
  });

  it("loss, duplicates, reordering, noise: the files match the reported ground truth; post is in arrival order", async () => {
    const { r, pre, post } = await run(
      opts("mess", { packets: 20000, loss: 0.01, duplicates: 0.01, reorder: 0.01, noise: 40, latency: { baseNs: 5000, jitterNs: 300, tailProb: 0.001, tailNs: 50_000 } }),
    );
    expect(r.lost).toBeGreaterThan(100);
    expect(r.duplicated).toBeGreaterThan(100);
    expect(r.reordered).toBeGreaterThan(100);
    expect(r.tail).toBeGreaterThan(5);
    expect(pre.filter((p) => p.test)).toHaveLength(20000);
    expect(pre.filter((p) => !p.test)).toHaveLength(40);
    expect(post.filter((p) => !p.test)).toHaveLength(40);
    expect(new Set(pre.filter((p) => !p.test).map((p) => p.ethType))).toEqual(new Set([0x0806, 0x0800]));
    const counts = new Map<number, number>();
    for (const p of post) if (p.test) counts.set(p.id, (counts.get(p.id) ?? 0) + 1);
    expect(20000 - counts.size).toBe(r.lost);
    expect([...counts.values()].filter((c) => c === 2)).toHaveLength(r.duplicated);
    expect(r.delivered).toBe(counts.size);
    expect(r.postFrames).toBe(post.length);
    for (let i = 1; i < post.length; i++) expect(post[i].t).toBeGreaterThanOrEqual(post[i - 1].t);
    for (let i = 1; i < pre.length; i++) expect(pre[i].t).toBeGreaterThanOrEqual(pre[i - 1].t);
    // Every arrival is after its departure, swapped or not.
    const preById = new Map(pre.filter((p) => p.test).map((p) => [p.id, p.t]));
    for (const p of post) if (p.test) expect(p.t).toBeGreaterThan(preById.get(p.id)!);
    // Reordering shows as ids going backwards in arrival order (duplicates aside).
    let backwards = 0;
    let last = -1;
    for (const p of post) {
      if (!p.test) continue;
      if (p.id < last) backwards++;
      last = Math.max(last, p.id);
    }
    expect(backwards).toBeGreaterThanOrEqual(r.reordered * 0.9);
  });

  it("the same seed gives byte-identical files; another seed does not", async () => {
    const o = { packets: 3000, loss: 0.05, latency: { baseNs: 5000, jitterNs: 1000, tailProb: 0, tailNs: 0 } };
    const a = await run(opts("seedA", o));
    const b = await run(opts("seedB", o));
    const c = await run(opts("seedC", { ...o, seed: 2 }));
    expect(readFileSync(a.r.post).equals(readFileSync(b.r.post))).toBe(true);
    expect(readFileSync(a.r.post).equals(readFileSync(c.r.post))).toBe(false);
    // The generator is Tommy Ettinger's mulberry32: its published first outputs for seeds 1 and 2.
    const g = mulberry32(1);
    expect([g(), g(), g()]).toEqual([0.6270739405881613, 0.002735721180215478, 0.5274470399599522]);
    const h = mulberry32(2);
    expect([h(), h()]).toEqual([0.7342509443406016, 0.32499843230471015]);
  });

  it("µs resolution, pcapng, zstd, VLAN and QinQ tags, snap length; tcpdump reads them", async () => {
    const { r, pre, post } = await run(opts("tagged", { resolution: "us", format: "pcapng", compression: "zstd", vlan: 100, qinq: 200, snaplen: 64, packets: 3, latency: { baseNs: 5499, jitterNs: 0, tailProb: 0, tailNs: 0 } }));
    expect(path.basename(r.pre)).toBe("latencies-pre-tagged.pcapng.zst");
    expect(pre.map((p) => [p.t, p.id])).toEqual([
      [0, 0],
      [1000, 1],
      [2000, 2],
    ]);
    expect(post.map((p) => p.t)).toEqual([5000, 6000, 7000]); // 5499 ns truncated to µs
    const { frames, info } = await collect(r.pre);
    expect(info).toMatchObject({ format: "pcapng", compression: "zstd", resolution: "us" });
    expect(frames[0]).toMatchObject({ caplen: 64, wirelen: 92 });
    expect(frames[0].hex.slice(24, 40)).toBe("88a800c8810000640800".slice(0, 16));
    const plain = path.join(dir, "tagged-pre.pcapng");
    execFileSync("sh", ["-c", `zstd -q -dc '${r.pre}' > '${plain}'`]);
    const text = tool(["tcpdump", "-nn", "-e", "-r", plain]);
    expect(text).toContain("vlan 200");
    expect(text).toContain("vlan 100");
  });

  it("gzip compression and big-endian files", async () => {
    const { r, pre } = await run(opts("gz", { compression: "gzip", byteOrder: "be", packets: 3 }));
    expect(path.basename(r.post)).toBe("latencies-post-gz.pcap.gz");
    expect(pre.map((p) => p.id)).toEqual([0, 1, 2]);
    expect((await collect(r.pre)).info).toMatchObject({ compression: "gzip", byteOrder: "be" });
  });

  it("0 packets with noise gives noise-only files; no temporary files are left", async () => {
    const { r, pre, post } = await run(opts("noise-only", { packets: 0, noise: 4 }));
    expect(r).toMatchObject({ sent: 0, noise: 4, preFrames: 4, postFrames: 4 });
    expect(pre.every((p) => !p.test)).toBe(true);
    expect(post).toHaveLength(4);
    expect(readdirSync(dir).filter((f) => f.includes(".partial-"))).toEqual([]);
  });

  it("hynet synth (CLI, from the built dist) writes the pair and prints the ground truth", () => {
    const bin = path.resolve("bin/hynet.js");
    expect(existsSync(path.resolve("dist/cli/synth.js"))).toBe(true);
    const out = execFileSync(process.execPath, [bin, "synth", "--out", dir, "--name", "cli", "--packets", "100", "--loss", "0.1", "--seed", "7", "--reporter", "json"], { encoding: "utf8" });
    const ev = out
      .split("\n")
      .filter(Boolean)
      .map((l) => JSON.parse(l) as HynetEvent)
      .find((e) => e.type === "result");
    expect(ev).toMatchObject({ kind: "synth.result", data: { sent: 100, pre: path.join(dir, "latencies-pre-cli.pcap") } });
    expect(existsSync(path.join(dir, "latencies-post-cli.pcap"))).toBe(true);
  });
});
