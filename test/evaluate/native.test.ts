/**
 * The native kernels (native/src/evalkern.c) against their JavaScript twins: the same pair
 * evaluated both ways must give byte-identical outputs, and bad input the same error.
 * HYNET_NATIVE=0 selects the JavaScript loops.
 */
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { evaluatePair, postPathFor, readFrames } from "../../src/evaluate/index.js";
import { sortRows } from "../../src/evaluate/analysis.js";
import { PairEngine } from "../../src/evaluate/engine.js";
import { evalKernels } from "../../src/sys/kernels.js";
import { synthesize, type SynthOptions } from "../../src/traffic/synth.js";
import { makePair, params, testSys, tmp, type Pkt } from "./helpers.js";
import type { EvalParams } from "../../src/evaluate/index.js";

const saved = process.env.HYNET_NATIVE;
afterEach(() => {
  if (saved === undefined) delete process.env.HYNET_NATIVE;
  else process.env.HYNET_NATIVE = saved;
});

/** Every output file of the pair, evaluated with (native) and without (js) the kernels. */
async function bothWays(pre: string, p: EvalParams): Promise<{ native: Map<string, Buffer>; js: Map<string, Buffer> }> {
  const run = async (native: boolean) => {
    if (native) delete process.env.HYNET_NATIVE;
    else process.env.HYNET_NATIVE = "0";
    const out = tmp("hynet-native-");
    await evaluatePair(pre, postPathFor(pre), out, p, testSys().sys);
    const files = new Map<string, Buffer>();
    for (const f of readdirSync(out)) {
      let b = readFileSync(path.join(out, f));
      // The summary names its folder and its run time; everything else in it must agree.
      if (f.endsWith(".summary.json")) {
        const s = JSON.parse(b.toString("utf8")) as Record<string, unknown>;
        delete s.out_dir;
        delete s.elapsed_s;
        b = Buffer.from(JSON.stringify(s));
      }
      files.set(f, b);
    }
    return files;
  };
  return { native: await run(true), js: await run(false) };
}

function expectSame(r: { native: Map<string, Buffer>; js: Map<string, Buffer> }): void {
  expect([...r.native.keys()].sort()).toEqual([...r.js.keys()].sort());
  for (const [f, b] of r.native) {
    if (!b.equals(r.js.get(f)!)) expect.fail(`${f} differs between the native and the JavaScript evaluation`);
  }
}

async function errorOf(p: Promise<unknown>): Promise<{ code?: string; message: string; offset?: number; file?: string }> {
  try {
    await p;
  } catch (e) {
    return e as { code?: string; message: string };
  }
  throw new Error("expected an error");
}

function synthOpts(dir: string, o: Partial<SynthOptions>): SynthOptions {
  return {
    outDir: dir,
    name: "n",
    rate: 1e6,
    burst: 8,
    flows: 10,
    size: 84,
    packets: 60_000,
    latency: { baseNs: 10_000, jitterNs: 3_000, tailProb: 0.01, tailNs: 200_000 },
    loss: 0.002,
    duplicates: 0.001,
    reorder: 0.002,
    noise: 40,
    startId: 4_294_967_296 - 30_000,
    resolution: "ns",
    format: "pcap",
    compression: "none",
    seed: 7,
    ...o,
  };
}

describe("native evaluator kernels", () => {
  it("are built (the addon is part of every install)", () => {
    delete process.env.HYNET_NATIVE;
    expect(evalKernels()).toBeDefined();
    expect(evalKernels({ HYNET_NATIVE: "0" })).toBeUndefined();
  });

  it("give the same outputs as JavaScript: 100 flows (batches of more than 64 flow keys), loss, duplicates, reordering, noise, id wrap, Parquet", async () => {
    const dir = tmp();
    const r = await synthesize(synthOpts(dir, { flows: 100, packets: 120_000 }), testSys().sys);
    const both = await bothWays(r.pre, params({ formats: ["csv", "parquet"], flowKey: ["src", "dst", "srcport", "dstport"] }));
    expectSame(both);
    // Among the files compared: the per-flow percentiles, a ladder for every flow.
    const fp = [...both.js].find(([f]) => f.endsWith(".flows-percentiles.csv"))?.[1].toString("utf8") ?? "";
    expect(new Set(fp.trim().split("\n").slice(1).map((l) => l.split(",").slice(0, 4).join(","))).size).toBeGreaterThanOrEqual(100);
  });

  it("give the same outputs for big-endian µs captures with VLAN and QinQ tags, a snap length, strict markers and a trim", async () => {
    const dir = tmp();
    const r = await synthesize(synthOpts(dir, { resolution: "us", byteOrder: "be", vlan: 7, qinq: 3, snaplen: 60, seed: 9 }), testSys().sys);
    expectSame(await bothWays(r.pre, params({ strictMarker: true, trimMs: 5, bucketSize: 1000 })));
  });

  it("give the same outputs for a latency tail wider than the counting sort (radix fallback)", async () => {
    const dir = tmp();
    const r = await synthesize(synthOpts(dir, { latency: { baseNs: 10_000, jitterNs: 3_000, tailProb: 0.05, tailNs: 4_000_000 }, seed: 11 }), testSys().sys);
    expectSame(await bothWays(r.pre, params()));
  });

  it("give the same outputs for frames of every kind: IPv6 with extension headers, IP options, tags, fragments, TCP, short UDP, bad markers", async () => {
    const kinds: Omit<Pkt, "t" | "id">[] = [
      {},
      { ipv6: true, ext: [0, 60] },
      { ipv6: true, src: "fd00::1", dst: "fd00::2" },
      { ipOptions: 8 },
      { tags: [0x88a8, 0x8100] },
      { tags: [0x9100] },
      { fragment: true },
      { proto: 6 },
      { proto: 1 },
      { payload: 3 },
      { marker: 0x12 },
      { src: "10.0.0.11", dstport: 9000 },
    ];
    const pre: Pkt[] = [];
    const post: Pkt[] = [];
    for (let i = 0; i < 600; i++) {
      const k = kinds[i % kinds.length];
      pre.push({ ...k, id: i, t: i * 1000 });
      if (i % 17 !== 0) post.push({ ...k, id: i, t: i * 1000 + 5000 + (i % 7) * 100 });
      if (i % 50 === 0) post.push({ ...k, id: i, t: i * 1000 + 9000 });
    }
    const { pre: preFile } = await makePair(pre, post, "kinds");
    for (const strictMarker of [false, true]) expectSame(await bothWays(preFile, params({ strictMarker, formats: ["csv", "parquet"] })));
  });

  it("read records cut by chunk boundaries the same way (4 KiB and odd-sized chunks)", async () => {
    const dir = tmp();
    const r = await synthesize(synthOpts(dir, { packets: 5_000, flows: 70 }), testSys().sys);
    const kernels = evalKernels({})!;
    const columns = async (chunkSize: number, native: boolean) => {
      const e = new PairEngine({ strictMarker: false, flowKey: ["src", "dst", "dstport"], kernels: native ? kernels : undefined });
      const info = await readFrames(r.pre, (b, off, cap, _w, sec, nsec, lt) => e.addPre(b, off, cap, sec, nsec, lt), { chunkSize, sink: e.sink("pre") });
      return { info, n: e.preN, ts: [...e.preTs.subarray(0, e.preN)], id: [...e.preId.subarray(0, e.preN)], flow: [...e.preFlow.subarray(0, e.preN)], skipped: e.preSkipped, flows: e.flows.size };
    };
    const want = await columns(4 << 20, false);
    expect(want.n).toBeGreaterThan(4_000);
    for (const chunk of [4096, 1001, 97]) expect(await columns(chunk, true)).toEqual(want);
  });

  it("report a corrupt record, a truncated file and a far timestamp with the same error as JavaScript", async () => {
    const dir = tmp();
    const r = await synthesize(synthOpts(dir, { packets: 2_000 }), testSys().sys);
    const good = readFileSync(r.pre);
    // Offset of record k's header (little-endian pcap: 24-byte file header, 16-byte record headers).
    const rec = (k: number) => {
      let p = 24;
      for (let i = 0; i < k; i++) p += 16 + good.readUInt32LE(p + 8);
      return p;
    };
    const variants: [string, Buffer][] = [];
    const corrupt = Buffer.from(good);
    corrupt.writeUInt32LE(300_000, rec(2) + 8);
    variants.push(["corrupt", corrupt]);
    variants.push(["truncated", good.subarray(0, good.length - 30)]);
    const far = Buffer.from(good);
    far.writeUInt32LE(far.readUInt32LE(rec(4)) + 10_000_000, rec(4));
    variants.push(["far", far]);
    for (const [name, bytes] of variants) {
      const pre = path.join(dir, `latencies-pre-${name}.pcap`);
      writeFileSync(pre, bytes);
      writeFileSync(postPathFor(pre), readFileSync(postPathFor(r.pre)));
      const errs = [];
      for (const native of [true, false]) {
        if (native) delete process.env.HYNET_NATIVE;
        else process.env.HYNET_NATIVE = "0";
        const out = tmp("hynet-native-err-");
        const e = await errorOf(evaluatePair(pre, postPathFor(pre), out, params(), testSys().sys));
        expect(readdirSync(out)).toEqual([]);
        errs.push({ code: e.code, message: e.message, offset: e.offset, file: e.file });
      }
      expect(errs[0].code, name).toMatch(/^CAPTURE_/);
      expect(errs[0], name).toEqual(errs[1]);
    }
  });

  it("sort matches like the JavaScript sort: duplicates, a pre order that is not capture order, one latency, and a span that needs three radix passes", () => {
    const kernels = evalKernels({})!;
    let seed = 5;
    const rnd = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
    for (const span of [0, 1, 3000, 2 ** 21 - 1, 2 ** 25]) {
      const n = 3000;
      const e = new PairEngine({ strictMarker: false, flowKey: ["dstport"] });
      e.reserve(n, n * 2);
      // With span 3000 the pre records are in (ts, dst port) order, so the rank is their position.
      const inOrder = span === 3000;
      for (let i = 0; i < n; i++) {
        // Every tenth pre record shares the previous one's time (tie broken by dst port, then position).
        e.preTs[i] = i % 10 === 0 && i > 0 ? e.preTs[i - 1] : i * 1000 + Math.floor(rnd() * 900);
        e.preId[i] = i;
        e.prePorts[i] = (1 << 16) | (inOrder ? 0 : Math.floor(rnd() * 4));
        e.preFlow[i] = e.prePorts[i] & 3;
      }
      e.preN = n;
      for (let m = 0; m < n * 1.5; m++) {
        e.matchPre[m] = Math.floor(rnd() * n);
        e.matchLat[m] = 1000 + Math.floor(rnd() * (span + 1));
      }
      e.matchLat[0] = 1000;
      e.matchLat[1] = 1000 + span;
      e.matchN = n * 1.5;
      const js = sortRows(e);
      // The native sort covers spans the JavaScript counting sort leaves to its radix sort.
      let hi = -Infinity;
      let lo = Infinity;
      for (let m = 0; m < e.matchN; m++) {
        hi = Math.max(hi, e.matchLat[m]);
        lo = Math.min(lo, e.matchLat[m]);
      }
      const out = { lat: new Float64Array(e.matchN), ts: new Float64Array(e.matchN), id: new Uint32Array(e.matchN), ports: new Uint32Array(e.matchN), flow: new Uint32Array(e.matchN) };
      const rank = inOrder ? null : rankOf(e);
      kernels.sortByLatency(hi, hi - lo, e.matchLat.subarray(0, e.matchN), e.matchPre.subarray(0, e.matchN), rank, n, e.preTs, e.preId, e.prePorts, e.preFlow, out.lat, out.ts, out.id, out.ports, out.flow);
      expect([...out.lat], `span ${span}`).toEqual([...js.lat]);
      expect([...out.ts]).toEqual([...js.ts]);
      expect([...out.id]).toEqual([...js.id]);
      expect([...out.ports]).toEqual([...js.ports]);
      expect([...out.flow]).toEqual([...js.flow]);
    }
  });

  it("refuse arguments that would read outside the arrays", () => {
    const k = evalKernels({})!;
    const f = new Float64Array(4);
    const u = new Uint32Array(4);
    expect(() => k.sortByLatency(10, 5, f, Uint32Array.of(0, 1, 2, 9), null, 4, f, u, u, u, f, f, u, u, u)).toThrow(/out of range/);
    expect(() => k.formatRows(new Uint8Array(4096), Float64Array.of(0, 0), 9, null, f, f, u, u, 0, 0)).toThrow(/past the rows/);
    expect(() => k.scanPcap(new Uint8Array(10), 0, 20, new Int32Array(5), new Float64Array(10), new Float64Array(11), f, u, u, new Uint8Array(4), new Float64Array(64), new Uint8Array(64 * 40), new Uint8Array(64))).toThrow(/outside the buffer/);
  });
});

/** Rank of each pre record by (ts, dst port, position), as analysis.ts preRank computes it. */
function rankOf(e: PairEngine): Uint32Array {
  const order = [...Array(e.preN).keys()].sort((a, b) => e.preTs[a] - e.preTs[b] || (e.prePorts[a] & 0xffff) - (e.prePorts[b] & 0xffff) || a - b);
  const rank = new Uint32Array(e.preN);
  order.forEach((i, r) => (rank[i] = r));
  return rank;
}
