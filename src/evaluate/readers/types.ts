/**
 * Shapes shared by the capture readers and the errors they raise. Readers
 * hand frames to a visitor instead of returning objects, so that reading a
 * capture allocates nothing per frame.
 */
import { InputError } from "../../errors.js";

/** Called once per frame. `buf` is only valid during the call (it is reused). */
export type FrameVisitor = (buf: Buffer, off: number, caplen: number, wirelen: number, sec: number, nsec: number, linktype: number) => void;

export interface CaptureInfo {
  file: string;
  format: "pcap" | "pcapng";
  compression: "none" | "zstd" | "gzip";
  /** pcap: "us" or "ns"; pcapng: of the first interface, e.g. "ns", "us", "1e-7s", "2^-20s". */
  resolution: "us" | "ns" | string;
  /** Of the file header (pcapng: of the first section). */
  byteOrder: "le" | "be";
  /** Link types in order of first appearance (pcapng: one per interface, deduplicated). */
  linktypes: number[];
  frames: number;
  /** pcap: the header's snap length; pcapng: the first interface's (0 = no limit). */
  snaplen: number;
}

/**
 * A parser consumes whole records from a window of the decompressed stream.
 * `parse` returns the position of the first byte it did not consume; the
 * reader keeps those bytes and calls again with more appended.
 */
export interface RecordParser {
  parse(buf: Buffer, p: number, end: number, base: number): number;
  /** Bytes the next record needs from the position `parse` stopped at (so the reader can grow its buffer). */
  need(): number;
  /** Called at the end of the stream with `rest` unconsumed bytes at stream offset `at`. */
  finish(rest: number, at: number): void;
  info(): Omit<CaptureInfo, "file" | "compression">;
}

/**
 * Largest frame we accept: wireshark's WTAP_MAX_PACKET_SIZE_STANDARD. A
 * larger captured length in a record is a corrupt file, not a jumbo frame.
 */
export const MAX_CAPLEN = 262_144;

export function truncated(file: string, offset: number, what: string): InputError {
  return new InputError("CAPTURE_TRUNCATED", `capture is truncated: ${what}`, {
    file,
    offset,
    hint: "the capture was cut off (disk full, capture killed, copy interrupted); re-run the capture",
  });
}

export function corrupt(file: string, offset: number, what: string): InputError {
  return new InputError("CAPTURE_CORRUPT", `capture is corrupt: ${what}`, { file, offset });
}
