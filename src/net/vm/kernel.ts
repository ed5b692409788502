/**
 * The guest kernel as QEMU boots it fastest: an uncompressed ELF vmlinux
 * with a PVH entry note is loaded directly, with no real-mode setup and no
 * in-guest decompression (seconds under TCG). Debian ships a compressed
 * bzImage; this finds the compressed payload inside it the way the kernel's
 * scripts/extract-vmlinux does (scan for each compressor's magic, try to
 * decompress from there, keep the first result that is an ELF file).
 * Written here because extract-vmlinux is not packaged in Debian.
 */
import { promises as fsp } from "node:fs";
import type { Sys } from "../../sys/index.js";

interface Codec {
  magic: Buffer;
  argv: string[];
}

/** Compressors a bzImage may use, with the Debian tool that decompresses each (stdin → stdout). */
const CODECS: Codec[] = [
  { magic: Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]), argv: ["xz", "-dcq", "--single-stream"] },
  { magic: Buffer.from([0x28, 0xb5, 0x2f, 0xfd]), argv: ["zstd", "-dcq"] },
  { magic: Buffer.from([0x1f, 0x8b, 0x08]), argv: ["gzip", "-dcq"] },
  { magic: Buffer.from([0x5d, 0x00, 0x00, 0x00]), argv: ["xz", "-dcq", "--format=lzma"] },
];

/** Offsets where a codec's magic appears, first ones first (the payload is usually the first hit). */
export function payloadCandidates(img: Buffer): { offset: number; codec: Codec }[] {
  const out: { offset: number; codec: Codec }[] = [];
  for (const codec of CODECS) {
    let at = img.indexOf(codec.magic);
    for (let n = 0; at >= 0 && n < 4; n++) {
      out.push({ offset: at, codec });
      at = img.indexOf(codec.magic, at + 1);
    }
  }
  return out;
}

export function isElf(head: Buffer): boolean {
  return head.length >= 4 && head[0] === 0x7f && head.toString("latin1", 1, 4) === "ELF";
}

/**
 * Does this 64-bit little-endian ELF carry the PVH entry point note
 * (owner "Xen", type XEN_ELFNOTE_PHYS32_ENTRY = 18)? QEMU boots such a
 * vmlinux directly; without it QEMU needs the bzImage and its setup code.
 */
export function hasPvhNote(elf: Buffer): boolean {
  if (!isElf(elf) || elf[4] !== 2 || elf[5] !== 1) return false;
  const phoff = Number(elf.readBigUInt64LE(0x20));
  const phentsize = elf.readUInt16LE(0x36);
  const phnum = elf.readUInt16LE(0x38);
  for (let i = 0; i < phnum; i++) {
    const ph = phoff + i * phentsize;
    if (ph + 0x28 > elf.length || elf.readUInt32LE(ph) !== 4 /* PT_NOTE */) continue;
    const off = Number(elf.readBigUInt64LE(ph + 8));
    const end = Math.min(elf.length, off + Number(elf.readBigUInt64LE(ph + 0x20)));
    for (let p = off; p + 12 <= end; ) {
      const namesz = elf.readUInt32LE(p);
      const descsz = elf.readUInt32LE(p + 4);
      const type = elf.readUInt32LE(p + 8);
      const name = elf.toString("latin1", p + 12, p + 12 + Math.max(0, namesz - 1));
      if (name === "Xen" && type === 18) return true;
      p += 12 + ((namesz + 3) & ~3) + ((descsz + 3) & ~3);
    }
  }
  return false;
}

/**
 * Write the uncompressed kernel inside `bzImage` to `out`. Returns false
 * when no payload decompresses to an ELF file (then boot the bzImage).
 */
export async function extractVmlinux(sys: Sys, bzImage: string, out: string): Promise<boolean> {
  const img = await fsp.readFile(bzImage);
  for (const { offset, codec } of payloadCandidates(img)) {
    // The payload is followed by setup data; decompressors stop at the end of their stream, so the tail is harmless.
    const r = await sys.run(["sh", "-c", `tail -c +${offset + 1} "$0" | ${codec.argv.join(" ")} > "$1"`, bzImage, out], { check: false });
    if (sys.dryRun) return true;
    const fh = await fsp.open(out, "r").catch(() => undefined);
    if (!fh) continue;
    const head = Buffer.alloc(4);
    await fh.read(head, 0, 4, 0);
    await fh.close();
    if (isElf(head)) return true;
    void r;
  }
  await fsp.rm(out, { force: true });
  return false;
}
