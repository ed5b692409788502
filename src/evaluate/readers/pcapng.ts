/**
 * pcapng (draft-ietf-opsawg-pcapng): a sequence of blocks (type, total
 * length, body, total length again). Handled: Section Header Blocks in
 * either byte order (a file may hold several sections, each with its own
 * byte order and interfaces), Interface Description Blocks with `if_tsresol`
 * (powers of 10 and of 2) and `if_tsoffset`, Enhanced Packet Blocks, Simple
 * Packet Blocks and the obsolete Packet Block. Every other block type (name
 * resolution, statistics, secrets, custom) is skipped.
 *
 * A Simple Packet Block has no timestamp and no interface id: it belongs to
 * the section's first interface and is reported with sec = 0, nsec = 0. Its
 * captured length is min(original length, that interface's snap length).
 */
import { MAX_CAPLEN, corrupt, truncated, type CaptureInfo, type FrameVisitor, type RecordParser } from "./types.js";

export const PCAPNG_SHB = 0x0a0d0d0a;
const BOM = 0x1a2b3c4d;
const IDB = 1;
const OPB = 2;
const SPB = 3;
const EPB = 6;
/** Larger blocks are taken as corruption rather than allocated. */
const MAX_BLOCK = 64 << 20;

/** How one interface's timestamps turn into (sec, nsec). */
interface Iface {
  linktype: number;
  snaplen: number;
  /** Units per second when the resolution is 10^-k with k ≤ 9 (exact fast path), else 0. */
  unitsPerSec: number;
  /** Nanoseconds per unit for the fast path. */
  nsPerUnit: number;
  /** Slow path (BigInt): 10^-k with k > 9, or 2^-k. */
  pow2: number;
  pow10: number;
  offsetSec: number;
  resolution: string;
}

function resolutionOf(tsresol: number): { name: string; pow2: number; pow10: number } {
  if (tsresol & 0x80) {
    const k = tsresol & 0x7f;
    return { name: `2^-${k}s`, pow2: k, pow10: -1 };
  }
  const name = tsresol === 9 ? "ns" : tsresol === 6 ? "us" : tsresol === 3 ? "ms" : tsresol === 0 ? "s" : `1e-${tsresol}s`;
  return { name, pow2: -1, pow10: tsresol };
}

export function createPcapngParser(file: string, visit: FrameVisitor): RecordParser {
  let le = true;
  let ifaces: Iface[] = [];
  let frames = 0;
  let needNext = 12;
  let sections = 0;
  let firstOrder: "le" | "be" = "le";
  let firstIface: Iface | undefined;
  const linktypes: number[] = [];
  // Reused by the slow timestamp path so that it returns two numbers without allocating.
  let outSec = 0;
  let outNsec = 0;

  // The parse loop reads through a DataView (several times faster than Buffer.readUInt32*); the
  // rarely used blocks read through these.
  const u32 = (b: Buffer, p: number) => (le ? b.readUInt32LE(p) : b.readUInt32BE(p));
  const u16 = (b: Buffer, p: number) => (le ? b.readUInt16LE(p) : b.readUInt16BE(p));

  /** A section's byte order is that of its byte-order magic; the block type reads the same either way. */
  function byteOrder(buf: Buffer, p: number, base: number): void {
    if (buf.readUInt32LE(p + 8) === BOM) le = true;
    else if (buf.readUInt32BE(p + 8) === BOM) le = false;
    else throw corrupt(file, base + p + 8, `section header has no byte-order magic (found ${buf.subarray(p + 8, p + 12).toString("hex")})`);
  }

  function sectionHeader(buf: Buffer, p: number, base: number): void {
    if (sections === 0) firstOrder = le ? "le" : "be";
    sections++;
    ifaces = [];
    const major = u16(buf, p + 12);
    if (major !== 1) throw corrupt(file, base + p + 12, `unsupported pcapng major version ${major}`);
  }

  function interfaceBlock(buf: Buffer, p: number, len: number, base: number): void {
    const linktype = u16(buf, p + 8);
    const snaplen = u32(buf, p + 12);
    let tsresol = 6;
    let offsetSec = 0;
    let o = p + 16;
    const end = p + len - 4;
    while (o + 4 <= end) {
      const code = u16(buf, o);
      const olen = u16(buf, o + 2);
      if (code === 0) break;
      if (o + 4 + olen > end) throw corrupt(file, base + o, `interface option ${code} runs past its block`);
      if (code === 9 && olen >= 1) tsresol = buf[o + 4];
      if (code === 14 && olen >= 8) {
        const hi = le ? buf.readInt32LE(o + 8) : buf.readInt32BE(o + 4);
        const lo = le ? buf.readUInt32LE(o + 4) : buf.readUInt32BE(o + 8);
        offsetSec = hi * 4294967296 + lo;
      }
      o += 4 + ((olen + 3) & ~3);
    }
    const r = resolutionOf(tsresol);
    const fast = r.pow10 >= 0 && r.pow10 <= 9;
    const ifc: Iface = {
      linktype,
      snaplen,
      unitsPerSec: fast ? 10 ** r.pow10 : 0,
      nsPerUnit: fast ? 10 ** (9 - r.pow10) : 0,
      pow2: r.pow2,
      pow10: r.pow10,
      offsetSec,
      resolution: r.name,
    };
    ifaces.push(ifc);
    firstIface ??= ifc;
    if (!linktypes.includes(linktype)) linktypes.push(linktype);
  }

  /** 64-bit timestamp in units that are not 10^-k (k ≤ 9): exact with BigInt (rare formats only). */
  function slowTs(ifc: Iface, hi: number, lo: number): void {
    const ts = (BigInt(hi) << 32n) | BigInt(lo);
    if (ifc.pow2 >= 0) {
      const k = BigInt(ifc.pow2);
      outSec = Number(ts >> k);
      outNsec = Number(((ts & ((1n << k) - 1n)) * 1_000_000_000n) >> k);
    } else {
      const u = 10n ** BigInt(ifc.pow10);
      outSec = Number(ts / u);
      outNsec = Number(((ts % u) * 1_000_000_000n) / u);
    }
  }

  function packet(buf: Buffer, p: number, len: number, base: number, ifId: number, hi: number, lo: number, cap: number, wire: number, dataOff: number): void {
    const ifc = ifaces[ifId];
    if (ifc === undefined) throw corrupt(file, base + p, `packet refers to interface ${ifId}, but the section describes ${ifaces.length}`);
    if (cap > MAX_CAPLEN && cap > ifc.snaplen) throw corrupt(file, base + p, `packet claims a captured length of ${cap} bytes`);
    if (dataOff + cap > len - 4) throw corrupt(file, base + p, `packet's captured length ${cap} runs past its ${len}-byte block`);
    let sec: number;
    let nsec: number;
    const u = ifc.unitsPerSec;
    if (u !== 0) {
      // Long division of hi·2^32 + lo by u in 16-bit steps: every intermediate stays below 2^46, so it is exact.
      const q1 = Math.floor(hi / u);
      let r = hi - q1 * u;
      let cur = r * 65536 + (lo >>> 16);
      const q2 = Math.floor(cur / u);
      r = cur - q2 * u;
      cur = r * 65536 + (lo & 0xffff);
      const q3 = Math.floor(cur / u);
      r = cur - q3 * u;
      sec = q1 * 4294967296 + q2 * 65536 + q3 + ifc.offsetSec;
      nsec = r * ifc.nsPerUnit;
    } else {
      slowTs(ifc, hi, lo);
      sec = outSec + ifc.offsetSec;
      nsec = outNsec;
    }
    visit(buf, p + dataOff, cap, wire, sec, nsec, ifc.linktype);
    frames++;
  }

  /** Every block but EPB: kept out of the parse loop so that loop stays small. */
  function other(buf: Buffer, p: number, len: number, base: number, type: number): void {
    switch (type) {
      case SPB: {
        if (len < 16) throw corrupt(file, base + p, `simple packet block of ${len} bytes is too short`);
        const ifc = ifaces[0];
        if (ifc === undefined) throw corrupt(file, base + p, "simple packet block before any interface description");
        const wire = u32(buf, p + 8);
        const cap = ifc.snaplen !== 0 && ifc.snaplen < wire ? ifc.snaplen : wire;
        if (12 + cap > len - 4) throw corrupt(file, base + p, `simple packet's length ${cap} runs past its ${len}-byte block`);
        visit(buf, p + 12, cap, wire, 0, 0, ifc.linktype);
        frames++;
        break;
      }
      case OPB:
        if (len < 32) throw corrupt(file, base + p, `packet block of ${len} bytes is too short`);
        packet(buf, p, len, base, u16(buf, p + 8), u32(buf, p + 12), u32(buf, p + 16), u32(buf, p + 20), u32(buf, p + 24), 28);
        break;
      case PCAPNG_SHB:
        if (len < 28) throw corrupt(file, base + p, `section header block of ${len} bytes is too short`);
        sectionHeader(buf, p, base);
        break;
      case IDB:
        if (len < 20) throw corrupt(file, base + p, `interface description block of ${len} bytes is too short`);
        interfaceBlock(buf, p, len, base);
        break;
      default:
        break; // name resolution, statistics, secrets, custom blocks: not needed for latency
    }
  }

  return {
    parse(buf, p, end, base) {
      const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
      for (;;) {
        if (end - p < 12) {
          needNext = 12;
          return p;
        }
        const type = dv.getUint32(p, le);
        if (type === PCAPNG_SHB) byteOrder(buf, p, base);
        const len = dv.getUint32(p + 4, le);
        if (len < 12 || len % 4 !== 0 || len > MAX_BLOCK) throw corrupt(file, base + p + 4, `block of type ${type} has an impossible length ${len}`);
        if (p + len > end) {
          needNext = len;
          return p;
        }
        const trailer = dv.getUint32(p + len - 4, le);
        if (trailer !== len) throw corrupt(file, base + p + len - 4, `block of type ${type} ends with a length that differs from its start (${trailer} ≠ ${len})`);
        if (type === EPB) {
          if (len < 32) throw corrupt(file, base + p, `enhanced packet block of ${len} bytes is too short`);
          packet(buf, p, len, base, dv.getUint32(p + 8, le), dv.getUint32(p + 12, le), dv.getUint32(p + 16, le), dv.getUint32(p + 20, le), dv.getUint32(p + 24, le), 28);
        } else {
          other(buf, p, len, base, type);
        }
        p += len;
      }
    },
    need: () => needNext,
    finish(rest, at) {
      if (sections === 0) throw truncated(file, 0, `the section header block is cut after ${rest} bytes`);
      if (rest === 0) return;
      if (rest < 12) throw truncated(file, at, `the header of the block after frame ${frames} is cut after ${rest} of 12 bytes`);
      throw truncated(file, at, `the block after frame ${frames} is cut after ${rest} of ${needNext} bytes`);
    },
    info(): Omit<CaptureInfo, "file" | "compression"> {
      return {
        format: "pcapng",
        resolution: firstIface?.resolution ?? "us",
        byteOrder: firstOrder,
        linktypes: [...linktypes],
        frames,
        snaplen: firstIface?.snaplen ?? 0,
      };
    },
  };
}
