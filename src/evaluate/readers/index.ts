/**
 * Streaming capture reader: `readFrames(file, visit)` calls `visit` once per
 * frame of a pcap or pcapng file, plain or zstd/gzip-compressed, and returns
 * what it learned about the file. The file is read in 4 MiB chunks into two
 * reused buffers, the next chunk being read (by libuv's thread pool, so on
 * the other core) while the current one is parsed; a record cut by a chunk
 * boundary is copied in front of the next chunk. Memory stays at two chunks
 * (plus the largest record) whatever the file size.
 */
import { AbortedError, InputError } from "../../errors.js";
import type { RecordSink } from "./batch.js";
import { createPcapParser, isPcapMagic } from "./pcap.js";
import { createPcapngParser, PCAPNG_SHB } from "./pcapng.js";
import { openSource } from "./source.js";
import type { CaptureInfo, FrameVisitor, RecordParser } from "./types.js";

export type { CaptureInfo, FrameVisitor } from "./types.js";
export { RecordBatch, type RecordSink } from "./batch.js";
export { detectCompression, sniffCompression, type Compression } from "./source.js";

export interface ReadOptions {
  signal?: AbortSignal;
  /** Called after each chunk with the bytes read from the file so far (compressed bytes for .zst/.gz). */
  onProgress?: (bytesRead: number) => void;
  /** Chunk size in bytes (default 4 MiB); tests use small chunks to cross record boundaries. */
  chunkSize?: number;
  /** Take Ethernet records of pcap files in parsed batches from the native scanner (`visit` still gets pcapng and other link types). */
  sink?: RecordSink;
}

const CHUNK = 4 << 20;
/** Room in front of each chunk for a record cut by the previous chunk's end (grown when a record is larger). */
const HEAD = 256 << 10;

export async function readFrames(file: string, visit: FrameVisitor, opts: ReadOptions = {}): Promise<CaptureInfo> {
  const { signal, onProgress } = opts;
  if (signal?.aborted) throw new AbortedError();
  const src = await openSource(file);
  try {
    const chunk = Math.max(64, opts.chunkSize ?? CHUNK);
    // Two buffers, each [head | body]: the next chunk is read into one body while the other is parsed, and
    // the unparsed tail of a chunk (a record cut by the boundary) is copied into the head in front of the next body.
    let head = Math.min(HEAD, chunk);
    let cur: Buffer = Buffer.allocUnsafe(head + chunk);
    let next: Buffer = Buffer.allocUnsafe(head + chunk);
    let n = await src.read(cur, head, chunk);
    let eof = n < chunk;
    onProgress?.(src.fileBytes());
    if (n === 0) {
      throw new InputError("CAPTURE_EMPTY", src.compression === "none" ? "capture is empty (0 bytes)" : `capture is empty (${src.compression} data decompresses to 0 bytes)`, {
        file,
        hint: "the capture was never written to; check that the capture ran",
      });
    }
    const parser = pickParser(file, cur.subarray(head, head + n), n, visit, src.compression, opts.sink);
    let start = head;
    let end = head + n;
    let offset = 0; // stream offset of cur[start]
    for (;;) {
      const pending = eof ? undefined : src.read(next, head, chunk);
      // A rejected prefetch is awaited below; until then it must not count as unhandled.
      pending?.catch(() => {});
      let p: number;
      try {
        p = parser.parse(cur, start, end, offset - start);
      } catch (e) {
        if (pending) await pending.catch(() => {});
        throw e;
      }
      const rest = end - p;
      offset += p - start;
      if (eof) {
        parser.finish(rest, offset);
        break;
      }
      n = await pending!;
      eof = n < chunk;
      onProgress?.(src.fileBytes());
      if (signal?.aborted) throw new AbortedError();
      if (rest > head || parser.need() > head + chunk) {
        // A record larger than the head (jumbo pcapng block, tiny test chunks): grow both buffers, keep the bytes.
        const newHead = Math.max(rest, parser.need(), head * 2);
        const bigger = Buffer.allocUnsafe(newHead + chunk);
        next.copy(bigger, newHead, head, head + n);
        cur.copy(bigger, newHead - rest, p, end);
        cur = bigger;
        next = Buffer.allocUnsafe(newHead + chunk);
        head = newHead;
      } else {
        cur.copy(next, head - rest, p, end);
        const t = cur;
        cur = next;
        next = t;
      }
      start = head - rest;
      end = head + n;
    }
    return { file, compression: src.compression, ...parser.info() };
  } finally {
    await src.close().catch(() => {});
  }
}

function pickParser(file: string, buf: Buffer, have: number, visit: FrameVisitor, compression: string, sink?: RecordSink): RecordParser {
  const m = have >= 4 ? buf.readUInt32BE(0) : -1;
  if (isPcapMagic(m)) return createPcapParser(file, visit, sink);
  if (m === PCAPNG_SHB) return createPcapngParser(file, visit);
  const shown = buf.subarray(0, Math.min(4, have)).toString("hex");
  const inside = compression === "none" ? "" : ` (after ${compression} decompression)`;
  throw new InputError("CAPTURE_NOT_A_CAPTURE", `not a pcap or pcapng capture: it starts with bytes ${shown}${inside}`, {
    file,
    offset: 0,
    hint: "hynet reads pcap (µs or ns) and pcapng, plain or compressed with zstd or gzip",
  });
}
