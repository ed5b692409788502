/**
 * Bad input: each gives one HynetError with a stable code, the file, and
 * where it applies the byte offset of the damage.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as path from "node:path";
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { readFrames } from "../../src/evaluate/readers/index.js";
import { renderError } from "../../src/cli/render.js";
import { errorOf, execBinary, tmp, writeSample } from "./util.js";

let dir: string;
let cleanup: () => void;
let pcap: Buffer; // sampleFrames() as ns pcap: records at 24 (60 B), 100 (84 B), 200 (1514 B), …
let pcapng: Buffer;
beforeAll(async () => {
  ({ dir, cleanup } = tmp("readers-bad"));
  await writeSample(path.join(dir, "good.pcap"), { format: "pcap", resolution: "ns" });
  await writeSample(path.join(dir, "good.pcapng"), { format: "pcapng", resolution: "ns" });
  pcap = readFileSync(path.join(dir, "good.pcap"));
  pcapng = readFileSync(path.join(dir, "good.pcapng"));
});
afterAll(() => cleanup());

function file(name: string, data: Buffer | string): string {
  const f = path.join(dir, name);
  writeFileSync(f, data);
  return f;
}
const read = (f: string) => errorOf(readFrames(f, () => {}));

describe("bad input", () => {
  it("0-byte file → CAPTURE_EMPTY", async () => {
    const f = file("empty.pcap", "");
    expect(await read(f)).toMatchObject({ code: "CAPTURE_EMPTY", file: f });
  });

  it("zstd data that decompresses to nothing → CAPTURE_EMPTY", async () => {
    const f = file("empty.pcap.zst", execBinary(["zstd", "-q", "-c"], Buffer.alloc(0)));
    expect(await read(f)).toMatchObject({ code: "CAPTURE_EMPTY", file: f });
  });

  it("not a capture (text, a short file, gzip of text) → CAPTURE_NOT_A_CAPTURE at offset 0", async () => {
    const text = file("notes.pcap", "this is not a capture\n");
    const e = await read(text);
    expect(e).toMatchObject({ code: "CAPTURE_NOT_A_CAPTURE", file: text, offset: 0 });
    expect(e.message).toContain("74686973"); // "this"
    expect(await read(file("two.pcap", "ab"))).toMatchObject({ code: "CAPTURE_NOT_A_CAPTURE", offset: 0 });
    const gz = file("notes.pcap.gz", execBinary(["gzip", "-c"], Buffer.from("hello, world\n")));
    const eg = await read(gz);
    expect(eg).toMatchObject({ code: "CAPTURE_NOT_A_CAPTURE", file: gz });
    expect(eg.message).toContain("after gzip decompression");
  });

  it("pcap file header cut → CAPTURE_TRUNCATED at 0", async () => {
    const f = file("hdr-cut.pcap", pcap.subarray(0, 10));
    const e = await read(f);
    expect(e).toMatchObject({ code: "CAPTURE_TRUNCATED", file: f, offset: 0 });
    expect(e.message).toContain("file header is cut after 10 of 24 bytes");
  });

  it("pcap record header cut → CAPTURE_TRUNCATED at the record", async () => {
    const f = file("rec-hdr-cut.pcap", pcap.subarray(0, 100 + 8));
    const e = await read(f);
    expect(e).toMatchObject({ code: "CAPTURE_TRUNCATED", offset: 100 });
    expect(e.message).toContain("header of record 2 is cut after 8 of 16 bytes");
  });

  it("pcap record data cut → CAPTURE_TRUNCATED at the record, also with small chunks", async () => {
    const f = file("rec-data-cut.pcap", pcap.subarray(0, 200 + 16 + 1000));
    for (const chunkSize of [undefined, 64, 333]) {
      const e = await errorOf(readFrames(f, () => {}, { chunkSize }));
      expect(e).toMatchObject({ code: "CAPTURE_TRUNCATED", offset: 200 });
      expect(e.message).toContain("data of record 3 is cut after 1000 of 1514 bytes");
    }
  });

  it("the frames before the cut are delivered", async () => {
    const f = file("rec-data-cut2.pcap", pcap.subarray(0, 200 + 16 + 1000));
    let n = 0;
    await errorOf(readFrames(f, () => n++));
    expect(n).toBe(2);
  });

  it("pcap with an impossible captured length → CAPTURE_CORRUPT at the record", async () => {
    const b = Buffer.from(pcap);
    b.writeUInt32LE(0xffffff00, 100 + 8);
    const f = file("corrupt.pcap", b);
    const e = await read(f);
    expect(e).toMatchObject({ code: "CAPTURE_CORRUPT", offset: 100, file: f });
    expect(e.message).toContain("record 2");
  });

  it("pcapng: SHB cut, block cut, impossible block length, lengths that disagree, no byte-order magic", async () => {
    const shbLen = pcapng.readUInt32LE(4);
    const idbLen = pcapng.readUInt32LE(shbLen + 4);
    const first = shbLen + idbLen; // first EPB
    const firstLen = pcapng.readUInt32LE(first + 4);
    expect(await read(file("shb-cut.pcapng", pcapng.subarray(0, 20)))).toMatchObject({ code: "CAPTURE_TRUNCATED", offset: 0 });
    const cut = await read(file("blk-cut.pcapng", pcapng.subarray(0, first + firstLen + 40)));
    expect(cut).toMatchObject({ code: "CAPTURE_TRUNCATED", offset: first + firstLen });
    expect(await read(file("blk-hdr-cut.pcapng", pcapng.subarray(0, first + 6)))).toMatchObject({ code: "CAPTURE_TRUNCATED", offset: first });
    const odd = Buffer.from(pcapng);
    odd.writeUInt32LE(33, first + 4);
    expect(await read(file("odd.pcapng", odd))).toMatchObject({ code: "CAPTURE_CORRUPT", offset: first + 4 });
    const mismatch = Buffer.from(pcapng);
    mismatch.writeUInt32LE(firstLen + 4, first + firstLen - 4);
    expect(await read(file("mismatch.pcapng", mismatch))).toMatchObject({ code: "CAPTURE_CORRUPT", offset: first + firstLen - 4 });
    const noBom = Buffer.from(pcapng);
    noBom.writeUInt32LE(0x12345678, 8);
    expect(await read(file("nobom.pcapng", noBom))).toMatchObject({ code: "CAPTURE_CORRUPT", offset: 8 });
    const big = Buffer.from(pcapng);
    big.writeUInt32LE(0xfffffff0, first + 20); // captured length beyond the block
    expect(await read(file("bigcap.pcapng", big))).toMatchObject({ code: "CAPTURE_CORRUPT", offset: first });
  });

  it("a compressed capture cut inside a record: offset is in the decompressed stream", async () => {
    const f = file("cut.pcap.zst", execBinary(["zstd", "-q", "-c"], pcap.subarray(0, 200 + 16 + 1000)));
    expect(await read(f)).toMatchObject({ code: "CAPTURE_TRUNCATED", offset: 200 });
    const g = file("cut.pcap.gz", execBinary(["gzip", "-c"], pcap.subarray(0, 100 + 8)));
    expect(await read(g)).toMatchObject({ code: "CAPTURE_TRUNCATED", offset: 100 });
  });

  it("a cut compressed stream → CAPTURE_TRUNCATED; damaged compressed data → CAPTURE_CORRUPT", async () => {
    const z = execBinary(["zstd", "-q", "-c"], pcap);
    const zc = await read(file("z-cut.pcap.zst", z.subarray(0, z.length - 5)));
    expect(zc.code).toBe("CAPTURE_TRUNCATED");
    expect(zc.message).toContain("zstd");
    const g = execBinary(["gzip", "-c"], pcap);
    const gc = await read(file("g-cut.pcap.gz", g.subarray(0, g.length - 20)));
    expect(gc.code).toBe("CAPTURE_TRUNCATED");
    const gd = Buffer.from(g);
    for (let i = 20; i < 60; i++) gd[i] ^= 0x5a;
    expect((await read(file("g-bad.pcap.gz", gd))).code).toBe("CAPTURE_CORRUPT");
    const zd = Buffer.from(z);
    for (let i = 12; i < zd.length - 4; i++) zd[i] ^= 0x5a;
    expect((await read(file("z-bad.pcap.zst", zd))).code).toBe("CAPTURE_CORRUPT");
  });

  it("missing file → FILE_ENOENT; a folder → FILE_EISDIR; a file whose read fails → FILE_EIO", async () => {
    const missing = path.join(dir, "nope.pcap");
    expect(await read(missing)).toMatchObject({ code: "FILE_ENOENT", file: missing });
    const folder = path.join(dir, "a-folder.pcap");
    mkdirSync(folder);
    const e = await read(folder);
    expect(e).toMatchObject({ code: "FILE_EISDIR", file: folder });
    expect(e.message).toBe("cannot read capture: is a directory");
    // /proc/self/mem opens, but reading address 0 fails: a real read error.
    expect(await read("/proc/self/mem")).toMatchObject({ code: "FILE_EIO", file: "/proc/self/mem" });
  });

  it("unreadable file → FILE_EACCES (as another user: root reads everything)", () => {
    const f = file("secret.pcap", pcap);
    chmodSync(f, 0o600);
    chmodSync(dir, 0o755);
    const script = file("read-as-nobody.mts", `import { readFrames } from ${JSON.stringify(path.resolve("src/evaluate/readers/index.ts"))};\ntry { await readFrames(process.argv[2], () => {}); console.log("{}"); } catch (e) { console.log(JSON.stringify({ code: e.code, file: e.file })); }\n`);
    const asNobody = typeof process.getuid === "function" && process.getuid() === 0 ? { uid: 65534, gid: 65534 } : {};
    if (!("uid" in asNobody)) chmodSync(f, 0);
    const r = spawnSync(process.execPath, ["--import", "tsx", script, f], { ...asNobody, cwd: process.cwd(), env: { PATH: process.env.PATH, HOME: dir }, encoding: "utf8" });
    expect(r.stderr).toBe("");
    expect(JSON.parse(r.stdout)).toEqual({ code: "FILE_EACCES", file: f });
  });

  it("renders as one line naming the file, the byte offset and the cause", async () => {
    const f = file("render.pcap", pcap.subarray(0, 100 + 8));
    const { line } = renderError(await read(f));
    expect(line).toMatch(new RegExp(`^hynet: error\\[CAPTURE_TRUNCATED\\] ${f.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")} \\(byte 100\\): capture is truncated: the header of record 2 is cut after 8 of 16 bytes`));
    expect(line.split("\n")).toHaveLength(1);
  });

  it("an aborted read stops with ABORTED", async () => {
    const ac = new AbortController();
    ac.abort();
    expect(await errorOf(readFrames(path.join(dir, "good.pcap"), () => {}, { signal: ac.signal }))).toMatchObject({ code: "ABORTED" });
  });
});
