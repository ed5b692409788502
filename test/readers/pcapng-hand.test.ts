/**
 * pcapng features our writer does not produce, in files built byte by byte
 * here: several interfaces with different if_tsresol (10^-k and 2^-k),
 * if_tsoffset, several sections of both byte orders, Simple and obsolete
 * Packet Blocks, and block types the reader must skip.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as path from "node:path";
import { writeFileSync } from "node:fs";
import { collect, fmtTs, tcpdumpTimes, tmp } from "./util.js";

let dir: string;
let cleanup: () => void;
beforeAll(() => ({ dir, cleanup } = tmp("readers-pcapng")));
afterAll(() => cleanup());

type Order = "le" | "be";

function u32(v: number, o: Order): Buffer {
  const b = Buffer.alloc(4);
  if (o === "le") b.writeUInt32LE(v >>> 0);
  else b.writeUInt32BE(v >>> 0);
  return b;
}
function u16(v: number, o: Order): Buffer {
  const b = Buffer.alloc(2);
  if (o === "le") b.writeUInt16LE(v);
  else b.writeUInt16BE(v);
  return b;
}
function pad(b: Buffer): Buffer {
  return Buffer.concat([b, Buffer.alloc((4 - (b.length % 4)) % 4)]);
}
function block(type: number, body: Buffer, o: Order): Buffer {
  const len = 12 + pad(body).length;
  return Buffer.concat([u32(type, o), u32(len, o), pad(body), u32(len, o)]);
}
function option(code: number, value: Buffer, o: Order): Buffer {
  return Buffer.concat([u16(code, o), u16(value.length, o), pad(value)]);
}
const endOpt = Buffer.alloc(4);
function shb(o: Order): Buffer {
  return block(0x0a0d0d0a, Buffer.concat([u32(0x1a2b3c4d, o), u16(1, o), u16(0, o), Buffer.alloc(8, 0xff)]), o);
}
function idb(o: Order, linktype: number, snaplen: number, tsresol?: number, tsoffset?: bigint): Buffer {
  const opts: Buffer[] = [];
  if (tsresol !== undefined) opts.push(option(9, Buffer.from([tsresol]), o));
  if (tsoffset !== undefined) {
    const v = Buffer.alloc(8);
    if (o === "le") v.writeBigInt64LE(tsoffset);
    else v.writeBigInt64BE(tsoffset);
    opts.push(option(14, v, o));
  }
  if (opts.length) opts.push(endOpt);
  return block(1, Buffer.concat([u16(linktype, o), u16(0, o), u32(snaplen, o), ...opts]), o);
}
function epb(o: Order, iface: number, ts: bigint, data: Buffer, wirelen = data.length): Buffer {
  return block(6, Buffer.concat([u32(iface, o), u32(Number(ts >> 32n), o), u32(Number(ts & 0xffffffffn), o), u32(data.length, o), u32(wirelen, o), data]), o);
}
function spb(o: Order, wirelen: number, data: Buffer): Buffer {
  return block(3, Buffer.concat([u32(wirelen, o), data]), o);
}
function opb(o: Order, iface: number, ts: bigint, data: Buffer): Buffer {
  return block(2, Buffer.concat([u16(iface, o), u16(0, o), u32(Number(ts >> 32n), o), u32(Number(ts & 0xffffffffn), o), u32(data.length, o), u32(data.length, o), data]), o);
}
const frame = (n: number, len = 60) => {
  const b = Buffer.alloc(len, n);
  b[12] = 0x08;
  b[13] = 0x00;
  return b;
};

describe("hand-built pcapng", () => {
  it("several interfaces with different if_tsresol, if_tsoffset, SPB, OPB, unknown blocks", async () => {
    const o: Order = "le";
    const f = path.join(dir, "multi.pcapng");
    writeFileSync(
      f,
      Buffer.concat([
        shb(o),
        idb(o, 1, 0), // #0: default resolution (µs)
        idb(o, 1, 0, 9), // #1: ns
        idb(o, 101, 0, 0x80 | 20), // #2: 2^-20 s, raw IP link type
        idb(o, 1, 0, 7, 100n), // #3: 10^-7 s, if_tsoffset +100 s
        idb(o, 1, 64, 12), // #4: ps (beyond the exact fast path), snap length 64
        block(4, Buffer.from([0, 0, 0, 0]), o), // name resolution: skipped
        block(0x40000bad, Buffer.alloc(12, 7), o), // custom: skipped
        epb(o, 0, 1_700_000_000_123_456n, frame(1)),
        epb(o, 1, 1_700_000_000_123_456_789n, frame(2)),
        epb(o, 2, (1_700_000_000n << 20n) + 524288n, frame(3)), // + 2^19 / 2^20 s = 0.5 s
        epb(o, 3, 17_000_000_001_234_567n, frame(4)), // 1_700_000_000.1234567 s + 100 s
        epb(o, 4, 1_000_123_456_789_012n, frame(5, 64), 1514), // 1000.123456789012 s: ps truncated to ns
        opb(o, 1, 1_700_000_001_000_000_001n, frame(6)), // obsolete Packet Block
        block(5, Buffer.alloc(16), o), // interface statistics: skipped
        spb(o, 60, frame(7)), // Simple Packet Block: interface 0, no timestamp
      ]),
    );
    const { info, frames } = await collect(f);
    expect(frames.map((x) => [x.sec, x.nsec, x.linktype, x.caplen, x.wirelen, x.hex.slice(0, 2)])).toEqual([
      [1_700_000_000, 123_456_000, 1, 60, 60, "01"],
      [1_700_000_000, 123_456_789, 1, 60, 60, "02"],
      [1_700_000_000, 500_000_000, 101, 60, 60, "03"],
      [1_700_000_100, 123_456_700, 1, 60, 60, "04"],
      [1000, 123_456_789, 1, 64, 1514, "05"],
      [1_700_000_001, 1, 1, 60, 60, "06"],
      [0, 0, 1, 60, 60, "07"], // SPB: no timestamp
    ]);
    expect(info).toMatchObject({ format: "pcapng", resolution: "us", byteOrder: "le", linktypes: [1, 101], frames: 7, snaplen: 0 });
    // Every chunk size gives the same frames.
    for (const c of [64, 96, 200]) expect((await collect(f, c)).frames).toEqual(frames);
  });

  it("SPB captured length is min(original length, interface 0's snap length)", async () => {
    const o: Order = "be";
    const f = path.join(dir, "spb.pcapng");
    writeFileSync(f, Buffer.concat([shb(o), idb(o, 1, 64, 9), spb(o, 1514, frame(9, 64)), spb(o, 50, frame(8, 50))]));
    const { info, frames } = await collect(f);
    expect(frames.map((x) => [x.caplen, x.wirelen, x.sec, x.nsec])).toEqual([
      [64, 1514, 0, 0],
      [50, 50, 0, 0],
    ]);
    expect(info).toMatchObject({ byteOrder: "be", resolution: "ns", snaplen: 64 });
  });

  it("several sections, big-endian then little-endian; each section has its own interfaces", async () => {
    const f = path.join(dir, "sections.pcapng");
    writeFileSync(
      f,
      Buffer.concat([
        shb("be"),
        idb("be", 1, 0, 9),
        epb("be", 0, 1_700_000_000_000_000_001n, frame(1)),
        shb("le"),
        idb("le", 1, 0, 6),
        epb("le", 0, 1_700_000_002_000_002n, frame(2)),
      ]),
    );
    const { info, frames } = await collect(f);
    expect(frames.map((x) => fmtTs(x.sec, x.nsec))).toEqual(["1700000000.000000001", "1700000002.000002000"]);
    expect(info).toMatchObject({ byteOrder: "be", resolution: "ns", frames: 2 });
    // (libpcap, and so tcpdump, refuses a section whose byte order differs from the first: nothing to compare with here.)
  });

  for (const o of ["le", "be"] as const) {
    it(`several ${o} sections with different resolutions: tcpdump agrees`, async () => {
      const f = path.join(dir, `sections-${o}.pcapng`);
      writeFileSync(
        f,
        Buffer.concat([
          shb(o),
          idb(o, 1, 0, 9),
          epb(o, 0, 1_700_000_000_000_000_001n, frame(1)),
          shb(o),
          idb(o, 1, 0, 6),
          epb(o, 0, 1_700_000_002_000_002n, frame(2)),
        ]),
      );
      const { frames } = await collect(f);
      const times = frames.map((x) => fmtTs(x.sec, x.nsec));
      expect(times).toEqual(["1700000000.000000001", "1700000002.000002000"]);
      expect(tcpdumpTimes(f)).toEqual(times);
    });
  }

  it("an interface id the section never described is corrupt", async () => {
    const f = path.join(dir, "badif.pcapng");
    writeFileSync(f, Buffer.concat([shb("le"), idb("le", 1, 0), epb("le", 3, 1n, frame(1))]));
    await expect(collect(f)).rejects.toMatchObject({ code: "CAPTURE_CORRUPT", offset: shb("le").length + idb("le", 1, 0).length, file: f });
  });
});
