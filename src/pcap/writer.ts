/**
 * Capture file writers: classic pcap (µs or ns, either byte order) and
 * pcapng (one section, one interface, if_tsresol 9 or 6), optionally
 * compressed with zstd or gzip. Records are assembled in a 4 MiB buffer
 * and written under a temporary name; `close()` renames the file into place,
 * so an interrupted write never leaves a capture that looks complete.
 *
 * Written by hand rather than through a library: the formats are a few fixed
 * headers, and the writer must produce millions of frames per second, which
 * the pcap packages on npm (one object per packet) do not.
 */
import { createRequire } from "node:module";
import { promises as fsp, constants as fsc } from "node:fs";
import * as path from "node:path";
import { fileError } from "../errors.js";
import { createGzip, type Gzip } from "node:zlib";
import { atomicWriter, type AtomicWriter } from "../sys/files.js";

export interface CaptureWriterOptions {
  format: "pcap" | "pcapng";
  resolution: "us" | "ns";
  byteOrder?: "le" | "be";
  /** Frames longer than this are cut (caplen < wirelen); default 262144. */
  snaplen?: number;
  compression?: "none" | "zstd" | "gzip";
  /** Default 1 (Ethernet). */
  linktype?: number;
  /** pcapng only: stored as the section's opt_comment. */
  comment?: string;
  /** zstd level (default 3, as the `zstd` program) or gzip level (default 6). */
  level?: number;
}

export interface CaptureWriter {
  /**
   * The frame is in the file's order when this returns. A promise is returned when the caller should wait
   * before writing more (a chunk is still being written); awaiting it bounds the memory used.
   */
  writeFrame(frame: Uint8Array, tsNs: bigint, wirelen?: number): Promise<void> | void;
  /**
   * The allocation-free form for hot loops: `len` bytes of `buf` from `off`,
   * timestamp as integer seconds and nanoseconds.
   */
  writeFrameAt(buf: Uint8Array, off: number, len: number, sec: number, nsec: number, wirelen?: number): Promise<void> | void;
  /** Frames written so far. */
  readonly frames: number;
  /** Flush, finish the compressed stream, rename into place. */
  close(): Promise<void>;
  /** Remove the temporary file; nothing is left at the target path. */
  abort(): Promise<void>;
}

const CHUNK = 4 << 20;
const require = createRequire(import.meta.url);

interface ZstdCCtx {
  setParameter(p: number, v: number): void;
  compressStream2(dst: Uint8Array, src: Uint8Array, end: number): [number, number, number];
}
interface ZstdBinding {
  CCtx: new () => ZstdCCtx;
  CParameter: { compressionLevel: number };
  EndDirective: { continue: number; end: number };
  cStreamOutSize(): number;
}

/** Where finished bytes go: the atomic file, possibly through a compressor. Each call owns `chunk` afterwards. */
interface Sink {
  write(chunk: Buffer): Promise<void>;
  end(): Promise<void>;
}

function zstdSink(out: AtomicWriter, level: number): Sink {
  const z = require("zstd-napi/binding") as ZstdBinding;
  const cctx = new z.CCtx();
  cctx.setParameter(z.CParameter.compressionLevel, level);
  const outSize = Math.max(z.cStreamOutSize(), 1 << 20);
  async function pump(src: Buffer, directive: number): Promise<void> {
    let s = src;
    for (;;) {
      const dst = Buffer.allocUnsafe(outSize);
      const [left, produced, consumed] = cctx.compressStream2(dst, s, directive);
      s = s.subarray(consumed);
      if (produced > 0) await out.write(dst.subarray(0, produced));
      if (directive === z.EndDirective.end ? left === 0 : s.length === 0) return;
    }
  }
  return {
    write: (chunk) => pump(chunk, z.EndDirective.continue),
    end: () => pump(Buffer.alloc(0), z.EndDirective.end),
  };
}

function gzipSink(out: AtomicWriter, level: number): Sink {
  const gz: Gzip = createGzip({ level, chunkSize: 1 << 20 });
  const produced: Buffer[] = [];
  let failed: Error | undefined;
  gz.on("data", (b: Buffer) => produced.push(b));
  gz.on("error", (e) => (failed = e));
  async function drain(): Promise<void> {
    if (failed) throw failed;
    while (produced.length) await out.write(produced.shift()!);
  }
  return {
    async write(chunk) {
      await new Promise<void>((resolve, reject) => gz.write(chunk, (e) => (e ? reject(e) : resolve())));
      await drain();
    },
    async end() {
      await new Promise<void>((resolve, reject) => {
        gz.once("end", resolve);
        gz.once("error", reject);
        gz.end();
      });
      await drain();
    },
  };
}

function plainSink(out: AtomicWriter): Sink {
  return { write: (chunk) => out.write(chunk), end: async () => {} };
}

/**
 * 64-bit timestamp in units of 1/`unitsPerSec` as two 32-bit halves, without
 * BigInt: sec·u is split at 2^16 so every partial product stays exact.
 */
function ts64(sec: number, frac: number, unitsPerSec: number, out: Float64Array): void {
  const sH = Math.floor(sec / 65536);
  const sL = sec - sH * 65536;
  const b = sH * unitsPerSec; // < 2^16 · 10^9 < 2^46
  const b1 = Math.floor(b / 65536);
  const b0 = b - b1 * 65536;
  const low = b0 * 65536 + sL * unitsPerSec + frac; // < 2^32 + 2^46
  const carry = Math.floor(low / 4294967296);
  out[0] = b1 + carry;
  out[1] = low - carry * 4294967296;
}

function pad4(n: number): number {
  return (n + 3) & ~3;
}

function pcapngOption(code: number, value: Buffer, le: boolean): Buffer {
  const b = Buffer.alloc(4 + pad4(value.length));
  if (le) {
    b.writeUInt16LE(code, 0);
    b.writeUInt16LE(value.length, 2);
  } else {
    b.writeUInt16BE(code, 0);
    b.writeUInt16BE(value.length, 2);
  }
  value.copy(b, 4);
  return b;
}

function pcapngBlock(type: number, body: Buffer, le: boolean): Buffer {
  const len = 12 + body.length;
  const b = Buffer.alloc(len);
  const w = (v: number, at: number) => (le ? b.writeUInt32LE(v, at) : b.writeUInt32BE(v, at));
  w(type, 0);
  w(len, 4);
  body.copy(b, 8);
  w(len, len - 4);
  return b;
}

function fileHeader(o: Required<Pick<CaptureWriterOptions, "format" | "resolution" | "byteOrder" | "snaplen" | "linktype">> & { comment?: string }): Buffer {
  const le = o.byteOrder === "le";
  if (o.format === "pcap") {
    const h = Buffer.alloc(24);
    const w32 = (v: number, at: number) => (le ? h.writeUInt32LE(v, at) : h.writeUInt32BE(v, at));
    const w16 = (v: number, at: number) => (le ? h.writeUInt16LE(v, at) : h.writeUInt16BE(v, at));
    w32(o.resolution === "ns" ? 0xa1b23c4d : 0xa1b2c3d4, 0);
    w16(2, 4);
    w16(4, 6);
    w32(o.snaplen, 16);
    w32(o.linktype, 20);
    return h;
  }
  const endOpt = Buffer.alloc(4);
  const shbFixed = Buffer.alloc(16);
  if (le) {
    shbFixed.writeUInt32LE(0x1a2b3c4d, 0);
    shbFixed.writeUInt16LE(1, 4);
  } else {
    shbFixed.writeUInt32BE(0x1a2b3c4d, 0);
    shbFixed.writeUInt16BE(1, 4);
  }
  shbFixed.writeInt32LE(-1, 8); // section length unknown (-1 reads the same in both orders)
  shbFixed.writeInt32LE(-1, 12);
  const shbOpts = [pcapngOption(4, Buffer.from("hynet"), le)]; // shb_userappl
  if (o.comment) shbOpts.unshift(pcapngOption(1, Buffer.from(o.comment, "utf8"), le));
  const shb = pcapngBlock(0x0a0d0d0a, Buffer.concat([shbFixed, ...shbOpts, endOpt]), le);
  const idbFixed = Buffer.alloc(8);
  if (le) {
    idbFixed.writeUInt16LE(o.linktype, 0);
    idbFixed.writeUInt32LE(o.snaplen, 4);
  } else {
    idbFixed.writeUInt16BE(o.linktype, 0);
    idbFixed.writeUInt32BE(o.snaplen, 4);
  }
  const tsresol = pcapngOption(9, Buffer.from([o.resolution === "ns" ? 9 : 6]), le);
  const idb = pcapngBlock(1, Buffer.concat([idbFixed, tsresol, endOpt]), le);
  return Buffer.concat([shb, idb]);
}

export async function createCaptureWriter(file: string, o: CaptureWriterOptions): Promise<CaptureWriter> {
  const byteOrder = o.byteOrder ?? "le";
  const snaplen = o.snaplen ?? 262144;
  const linktype = o.linktype ?? 1;
  if (!Number.isInteger(snaplen) || snaplen < 1) throw new RangeError(`snap length must be a positive integer, got ${snaplen}`);
  const le = byteOrder === "le";
  const ns = o.resolution === "ns";
  const ng = o.format === "pcapng";
  const unitsPerSec = ns ? 1e9 : 1e6;
  // Fail now, not at the first flush, when the folder cannot take the file.
  try {
    await fsp.access(path.dirname(file), fsc.W_OK);
  } catch (e) {
    throw fileError(e, file, "write capture");
  }
  const out = atomicWriter(file);
  const compression = o.compression ?? "none";
  const sink = compression === "zstd" ? zstdSink(out, o.level ?? 3) : compression === "gzip" ? gzipSink(out, o.level ?? 6) : plainSink(out);

  let buf: Buffer = Buffer.allocUnsafe(CHUNK);
  let dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  let pos = 0;
  let frames = 0;
  let closed = false;
  const hiLo = new Float64Array(2);
  const head = fileHeader({ format: o.format, resolution: o.resolution, byteOrder, snaplen, linktype, comment: o.comment });
  head.copy(buf, 0);
  pos = head.length;

  // Full chunks are handed to the sink in order on one promise chain, so writeFrameAt itself never waits:
  // a frame is always in the file's order, whether or not the caller awaits the returned promise.
  let chain: Promise<void> = Promise.resolve();
  let failure: unknown;
  let queued = 0;
  const spare: Buffer[] = [];

  function flush(): Promise<void> {
    if (pos === 0) return chain;
    const whole = buf;
    const full = buf.subarray(0, pos);
    // Buffers are recycled once the sink has written them: fresh 4 MiB buffers cost a page fault per 4 KiB.
    buf = spare.pop() ?? Buffer.allocUnsafe(CHUNK);
    dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    pos = 0;
    queued++;
    chain = chain.then(async () => {
      if (failure === undefined) {
        try {
          await sink.write(full);
        } catch (e) {
          failure = e;
        }
      }
      queued--;
      // A sink write of a full chunk has consumed it (atomicWriter writes at once from 1 MiB up); a short last chunk may still be held.
      if (full.length >= 1 << 20 && spare.length < 2) spare.push(whole);
    });
    return chain;
  }

  function writeFrameAt(src: Uint8Array, off: number, len: number, sec: number, nsec: number, wirelen = len): Promise<void> | void {
    if (closed) throw new Error("capture writer is closed");
    if (failure !== undefined) throw failure;
    const cap = len < snaplen ? len : snaplen;
    const frac = ns ? nsec : Math.floor(nsec / 1000);
    const recLen = ng ? 32 + pad4(cap) : 16 + cap;
    let wait: Promise<void> | undefined;
    if (recLen > CHUNK - pos) {
      // Ask the caller to wait only when a chunk is still being written: that bounds memory to two chunks.
      const busy = queued > 0;
      const p = flush();
      if (busy) wait = p;
      if (recLen > CHUNK) throw new RangeError(`frame of ${cap} bytes does not fit the writer's buffer`);
    }
    const p = pos;
    const d = p + (ng ? 28 : 16);
    if (ng) {
      ts64(sec, frac, unitsPerSec, hiLo);
      dv.setUint32(p, 6, le);
      dv.setUint32(p + 4, recLen, le);
      dv.setUint32(p + 8, 0, le);
      dv.setUint32(p + 12, hiLo[0], le);
      dv.setUint32(p + 16, hiLo[1], le);
      dv.setUint32(p + 20, cap, le);
      dv.setUint32(p + 24, wirelen, le);
      for (let i = d + cap; i < p + recLen - 4; i++) buf[i] = 0;
      dv.setUint32(p + recLen - 4, recLen, le);
    } else {
      dv.setUint32(p, sec, le);
      dv.setUint32(p + 4, frac, le);
      dv.setUint32(p + 8, cap, le);
      dv.setUint32(p + 12, wirelen, le);
    }
    // set() of a whole array is a memcpy; a JS byte loop was 10× slower, and subarray() allocates a view per frame.
    if (off === 0 && cap === src.length) buf.set(src, d);
    else buf.set(src.subarray(off, off + cap), d);
    pos = p + recLen;
    frames++;
    return wait;
  }

  return {
    get frames() {
      return frames;
    },
    writeFrame(frame, tsNs, wirelen) {
      return writeFrameAt(frame, 0, frame.length, Number(tsNs / 1_000_000_000n), Number(tsNs % 1_000_000_000n), wirelen ?? frame.length);
    },
    writeFrameAt,
    async close() {
      if (closed) return;
      closed = true;
      try {
        await flush();
        if (failure !== undefined) throw failure;
        await sink.end();
        await out.commit();
      } catch (e) {
        await out.abort();
        throw e;
      }
    },
    async abort() {
      closed = true;
      await chain;
      await out.abort();
    },
  };
}
