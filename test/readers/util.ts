/** Helpers for the reader tests: collect frames as plain data, run Debian's capture tools. */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { readFrames, type CaptureInfo } from "../../src/evaluate/readers/index.js";
import { createCaptureWriter, type CaptureWriterOptions } from "../../src/pcap/writer.js";
import { HynetError } from "../../src/errors.js";

export interface Frame {
  caplen: number;
  wirelen: number;
  sec: number;
  nsec: number;
  linktype: number;
  hex: string;
}

export async function collect(file: string, chunkSize?: number): Promise<{ info: CaptureInfo; frames: Frame[] }> {
  const frames: Frame[] = [];
  const info = await readFrames(
    file,
    (buf, off, caplen, wirelen, sec, nsec, linktype) => {
      frames.push({ caplen, wirelen, sec, nsec, linktype, hex: buf.subarray(off, off + caplen).toString("hex") });
    },
    { chunkSize },
  );
  return { info, frames };
}

export function tmp(prefix: string): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(path.join(tmpdir(), `hynet-${prefix}-`));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Run a Debian tool; a missing tool fails the test (never skips). */
export function tool(argv: string[], input?: Buffer): string {
  return execBinary(argv, input).toString("utf8");
}

/** Run a tool and keep its output as bytes (compressed data). */
export function execBinary(argv: string[], input?: Buffer): Buffer {
  return execFileSync(argv[0], argv.slice(1), { input, stdio: [input ? "pipe" : "ignore", "pipe", "pipe"], maxBuffer: 1 << 28 });
}

/** Frames used across the tests: different sizes and contents, timestamps with every digit set. */
export function sampleFrames(): { frame: Uint8Array; sec: number; nsec: number }[] {
  const out: { frame: Uint8Array; sec: number; nsec: number }[] = [];
  const sizes = [60, 84, 1514, 47, 200, 64, 9000];
  for (let i = 0; i < sizes.length; i++) {
    const f = new Uint8Array(sizes[i]);
    for (let j = 0; j < f.length; j++) f[j] = (j * 7 + i * 13) & 255;
    // Ethernet II / IPv4 type so that tcpdump decodes something sensible.
    f[12] = 0x08;
    f[13] = 0x00;
    out.push({ frame: f, sec: 1_700_000_000 + i * 3, nsec: (123_456_789 * (i + 1)) % 1_000_000_000 });
  }
  return out;
}

export async function writeSample(file: string, o: CaptureWriterOptions, frames = sampleFrames()): Promise<void> {
  const w = await createCaptureWriter(file, o);
  for (const f of frames) {
    const r = w.writeFrameAt(f.frame, 0, f.frame.length, f.sec, f.nsec);
    if (r) await r;
  }
  await w.close();
}

/** What a capture of sampleFrames() must read back as, given resolution and snap length. */
export function expected(resolution: "us" | "ns", snaplen = 262144, frames = sampleFrames()): Frame[] {
  return frames.map((f) => {
    const cap = Math.min(f.frame.length, snaplen);
    return {
      caplen: cap,
      wirelen: f.frame.length,
      sec: f.sec,
      nsec: resolution === "us" ? Math.floor(f.nsec / 1000) * 1000 : f.nsec,
      linktype: 1,
      hex: Buffer.from(f.frame.subarray(0, cap)).toString("hex"),
    };
  });
}

/** Timestamps as tcpdump prints them with -tt --nano: "sec.nnnnnnnnn". */
export function tcpdumpTimes(file: string): string[] {
  return tool(["tcpdump", "-nn", "-tt", "--nano", "-r", file])
    .split("\n")
    .filter(Boolean)
    .map((l) => l.split(" ")[0]);
}

export function fmtTs(sec: number, nsec: number): string {
  return `${sec}.${String(nsec).padStart(9, "0")}`;
}

/** The HynetError a promise rejects with (fails the test if it resolves). */
export async function errorOf(p: Promise<unknown>): Promise<HynetError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof HynetError) return e;
    throw e;
  }
  throw new Error("expected an error, got none");
}
