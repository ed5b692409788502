/** The capture writer: atomic output, bigint timestamps, wire lengths, chunk flushing. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as path from "node:path";
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { createCaptureWriter } from "../../src/pcap/writer.js";
import { collect, tmp } from "./util.js";

let dir: string;
let cleanup: () => void;
beforeAll(() => ({ dir, cleanup } = tmp("readers-writer")));
afterAll(() => cleanup());

describe("capture writer", () => {
  it("nothing exists at the target until close(); abort() leaves nothing at all", async () => {
    const f = path.join(dir, "atomic.pcap.zst");
    const w = await createCaptureWriter(f, { format: "pcap", resolution: "ns", compression: "zstd" });
    const frame = new Uint8Array(84);
    for (let i = 0; i < 200_000; i++) {
      const r = w.writeFrameAt(frame, 0, 84, 1_700_000_000, i);
      if (r) await r;
    }
    expect(existsSync(f)).toBe(false);
    await w.close();
    expect(existsSync(f)).toBe(true);
    expect((await collect(f)).info.frames).toBe(200_000);

    const g = path.join(dir, "aborted.pcap");
    const a = await createCaptureWriter(g, { format: "pcap", resolution: "ns" });
    for (let i = 0; i < 100_000; i++) {
      const r = a.writeFrameAt(frame, 0, 84, 1_700_000_000, i);
      if (r) await r;
    }
    await a.abort();
    expect(readdirSync(dir).filter((x) => x.startsWith(".aborted") || x === "aborted.pcap")).toEqual([]);
  });

  it("writeFrame takes epoch ns as bigint and an explicit wire length", async () => {
    const f = path.join(dir, "bigint.pcapng");
    const w = await createCaptureWriter(f, { format: "pcapng", resolution: "ns", snaplen: 64 });
    await w.writeFrame(new Uint8Array(100).fill(1), 1_700_000_000_999_999_999n, 1514);
    await w.writeFrame(new Uint8Array(60).fill(2), 4_294_967_295_000_000_001n);
    await w.close();
    const { frames } = await collect(f);
    expect(frames.map((x) => [x.sec, x.nsec, x.caplen, x.wirelen])).toEqual([
      [1_700_000_000, 999_999_999, 64, 1514],
      [4_294_967_295, 1, 60, 60],
    ]);
  });

  it("frames are in order across many chunk flushes, awaited or not", async () => {
    const f = path.join(dir, "order.pcap");
    const w = await createCaptureWriter(f, { format: "pcap", resolution: "ns" });
    const frame = new Uint8Array(200);
    const dv = new DataView(frame.buffer);
    for (let i = 0; i < 100_000; i++) {
      dv.setUint32(0, i, true);
      w.writeFrameAt(frame, 0, 200, 1_700_000_000, i); // not awaited: order must hold anyway
    }
    await w.close();
    const data = readFileSync(f);
    expect(data.length).toBe(24 + 100_000 * 216);
    let ok = true;
    for (let i = 0; i < 100_000; i++) if (data.readUInt32LE(24 + i * 216 + 16) !== i || data.readUInt32LE(24 + i * 216 + 4) !== i) ok = false;
    expect(ok).toBe(true);
  });

  it("an unwritable target fails at creation with a FileError naming it", async () => {
    const f = path.join(dir, "no-such-folder", "x.pcap");
    await expect(createCaptureWriter(f, { format: "pcap", resolution: "ns" })).rejects.toMatchObject({ code: "FILE_ENOENT", file: f });
  });
});
