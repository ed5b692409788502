/**
 * Every reader path on files made by Debian's tools in the test, and our
 * writer's files read by those tools.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as path from "node:path";
import { readFileSync, writeFileSync } from "node:fs";
import { collect, execBinary, expected, fmtTs, sampleFrames, tcpdumpTimes, tmp, tool, writeSample } from "./util.js";

let dir: string;
let cleanup: () => void;
beforeAll(() => ({ dir, cleanup } = tmp("readers")));
afterAll(() => cleanup());

const p = (name: string) => path.join(dir, name);

describe("pcap written by hynet", () => {
  for (const resolution of ["us", "ns"] as const) {
    for (const byteOrder of ["le", "be"] as const) {
      it(`${resolution} ${byteOrder}: reads back exactly, and tcpdump shows the same timestamps`, async () => {
        const f = p(`w-${resolution}-${byteOrder}.pcap`);
        await writeSample(f, { format: "pcap", resolution, byteOrder });
        const { info, frames } = await collect(f);
        expect(frames).toEqual(expected(resolution));
        expect(info).toMatchObject({ format: "pcap", compression: "none", resolution, byteOrder, linktypes: [1], frames: 7, snaplen: 262144 });
        expect(tcpdumpTimes(f)).toEqual(expected(resolution).map((e) => fmtTs(e.sec, e.nsec)));
      });
    }
  }

  it("cuts frames at the snap length (caplen < wirelen) and reads them back", async () => {
    const f = p("snap.pcap");
    await writeSample(f, { format: "pcap", resolution: "ns", snaplen: 84 });
    const { info, frames } = await collect(f);
    expect(frames).toEqual(expected("ns", 84));
    expect(frames[2]).toMatchObject({ caplen: 84, wirelen: 1514 });
    expect(info.snaplen).toBe(84);
    // tcpdump agrees on the lengths: "[|...]" truncation does not matter, the record count and times do.
    expect(tcpdumpTimes(f)).toHaveLength(7);
  });

  it("reads the same frames whatever the chunk size (records cut by chunk boundaries, records larger than a chunk)", async () => {
    const f = p("chunks.pcap");
    await writeSample(f, { format: "pcap", resolution: "ns" });
    for (const chunk of [64, 100, 1000, 4096]) expect((await collect(f, chunk)).frames).toEqual(expected("ns"));
  });

  it("a header-only capture is valid and has 0 frames", async () => {
    const f = p("empty-ok.pcap");
    await writeSample(f, { format: "pcap", resolution: "us" }, []);
    const { info, frames } = await collect(f);
    expect(frames).toEqual([]);
    expect(info.frames).toBe(0);
  });
});

describe("files written by Debian's tools", () => {
  it("tcpdump -r x -w y (µs pcap) and editcap -F nsecpcap / -F pcap", async () => {
    const src = p("tool-src.pcap");
    await writeSample(src, { format: "pcap", resolution: "ns" });
    tool(["tcpdump", "-r", src, "-w", p("tcpdump-us.pcap")]);
    const us = await collect(p("tcpdump-us.pcap"));
    expect(us.info.resolution).toBe("us");
    expect(us.frames).toEqual(expected("us"));
    tool(["editcap", "-F", "nsecpcap", src, p("editcap-ns.pcap")]);
    const ns = await collect(p("editcap-ns.pcap"));
    expect(ns.info.resolution).toBe("ns");
    expect(ns.frames).toEqual(expected("ns"));
    tool(["editcap", "-F", "pcap", src, p("editcap-us.pcap")]);
    expect((await collect(p("editcap-us.pcap"))).frames).toEqual(expected("us"));
  });

  it("editcap -F pcapng from ns and µs pcap (if_tsresol 9 and 6)", async () => {
    for (const resolution of ["ns", "us"] as const) {
      const src = p(`ng-src-${resolution}.pcap`);
      await writeSample(src, { format: "pcap", resolution });
      const out = p(`editcap-${resolution}.pcapng`);
      tool(["editcap", "-F", "pcapng", src, out]);
      const { info, frames } = await collect(out);
      expect(info).toMatchObject({ format: "pcapng", resolution, linktypes: [1], frames: 7, byteOrder: "le" });
      expect(frames).toEqual(expected(resolution));
    }
  });

  it("editcap -F pcapng with a snap length (-s) keeps caplen < wirelen", async () => {
    const src = p("ng-snap-src.pcap");
    await writeSample(src, { format: "pcap", resolution: "ns" });
    tool(["editcap", "-F", "pcapng", "-s", "84", src, p("snap.pcapng")]);
    expect((await collect(p("snap.pcapng"))).frames).toEqual(expected("ns", 84));
  });

  it("gzip and zstd compressed pcap and pcapng, detected by magic whatever the name", async () => {
    const src = p("c-src.pcap");
    await writeSample(src, { format: "pcap", resolution: "ns" });
    tool(["editcap", "-F", "pcapng", src, p("c-src.pcapng")]);
    for (const base of ["c-src.pcap", "c-src.pcapng"]) {
      const raw = readFileSync(p(base));
      writeFileSync(p(`${base}.gz`), execBinary(["gzip", "-c"], raw));
      writeFileSync(p(`${base}.zst`), execBinary(["zstd", "-q", "-c"], raw));
      // A misleading name must not matter.
      writeFileSync(p(`${base}.zst-named-plain`), execBinary(["gzip", "-c"], raw));
      const gz = await collect(p(`${base}.gz`));
      const zs = await collect(p(`${base}.zst`));
      const odd = await collect(p(`${base}.zst-named-plain`));
      expect(gz.info.compression).toBe("gzip");
      expect(zs.info.compression).toBe("zstd");
      expect(odd.info.compression).toBe("gzip");
      for (const r of [gz, zs, odd]) expect(r.frames).toEqual(expected("ns"));
      // Small chunks make the decompressors refill many times.
      expect((await collect(p(`${base}.zst`), 128)).frames).toEqual(expected("ns"));
      expect((await collect(p(`${base}.gz`), 128)).frames).toEqual(expected("ns"));
    }
  });

  it("a zstd file of several frames, and a gzip file of several members, read as one stream", async () => {
    const a = p("cat-a.pcap");
    await writeSample(a, { format: "pcap", resolution: "ns" });
    const raw = readFileSync(a);
    const half = 24 + 16 + 60 + 3; // cut inside a record, so a record spans the two zstd frames
    const z = Buffer.concat([execBinary(["zstd", "-q", "-c"], raw.subarray(0, half)), execBinary(["zstd", "-q", "-c"], raw.subarray(half))]);
    writeFileSync(p("cat.pcap.zst"), z);
    expect((await collect(p("cat.pcap.zst"))).frames).toEqual(expected("ns"));
    const g = Buffer.concat([execBinary(["gzip", "-c"], raw.subarray(0, half)), execBinary(["gzip", "-c"], raw.subarray(half))]);
    writeFileSync(p("cat.pcap.gz"), g);
    expect((await collect(p("cat.pcap.gz"))).frames).toEqual(expected("ns"));
  });
});

describe("pcapng written by hynet", () => {
  for (const byteOrder of ["le", "be"] as const) {
    for (const resolution of ["ns", "us"] as const) {
      it(`${byteOrder} ${resolution}: reads back, and tcpdump --nano shows the same timestamps`, async () => {
        const f = p(`w-${byteOrder}-${resolution}.pcapng`);
        await writeSample(f, { format: "pcapng", resolution, byteOrder, comment: "made by a test" });
        const { info, frames } = await collect(f);
        expect(info).toMatchObject({ format: "pcapng", resolution, byteOrder, linktypes: [1], frames: 7 });
        expect(frames).toEqual(expected(resolution));
        expect(tcpdumpTimes(f)).toEqual(expected(resolution).map((e) => fmtTs(e.sec, e.nsec)));
      });
    }
  }

  it("stores the comment where capinfos finds it", async () => {
    const f = p("comment.pcapng");
    await writeSample(f, { format: "pcapng", resolution: "ns", comment: "rate 50000, veth" });
    expect(tool(["capinfos", f])).toContain("rate 50000, veth");
  });

  it("zstd and gzip output is what `zstd -dc` and `gzip -dc` give tcpdump", async () => {
    for (const [compression, prog] of [
      ["zstd", "zstd"],
      ["gzip", "gzip"],
    ] as const) {
      const f = p(`w.pcap.${compression}`);
      await writeSample(f, { format: "pcap", resolution: "ns", compression });
      const plain = p(`w-${compression}-plain.pcap`);
      writeFileSync(plain, execBinary([prog, "-dc", f]));
      expect(tcpdumpTimes(plain)).toEqual(expected("ns").map((e) => fmtTs(e.sec, e.nsec)));
      const r = await collect(f);
      expect(r.info.compression).toBe(compression);
      expect(r.frames).toEqual(expected("ns"));
    }
  });
});

describe("timestamps", () => {
  it("are integers: sec exact, nsec 0…999999999, for the extremes of a 32-bit pcap second", async () => {
    const frames = [
      { frame: sampleFrames()[0].frame, sec: 0, nsec: 0 },
      { frame: sampleFrames()[0].frame, sec: 4294967295, nsec: 999_999_999 },
    ];
    for (const fmt of ["pcap", "pcapng"] as const) {
      const f = p(`extreme.${fmt}`);
      await writeSample(f, { format: fmt, resolution: "ns" }, frames);
      const got = (await collect(f)).frames.map((x) => [x.sec, x.nsec]);
      expect(got).toEqual([
        [0, 0],
        [4294967295, 999_999_999],
      ]);
    }
  });
});
