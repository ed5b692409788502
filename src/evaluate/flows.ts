/**
 * Flows: records grouped by a configurable key, (src IP, dst IP, dst port)
 * by default. The UDP source port changes every 65536 packets in the
 * MoonSniff id scheme, so it is not part of the default key.
 *
 * The interner is a small hand-written open-addressing table over the key
 * bytes because it runs once per record: building a string or array key
 * for a Map would allocate per frame.
 */
import { UsageError } from "../errors.js";
import type { ParsedRecord } from "./records.js";

export const FLOW_FIELDS = ["src", "dst", "srcport", "dstport"] as const;
export type FlowField = (typeof FLOW_FIELDS)[number];
export const DEFAULT_FLOW_KEY: FlowField[] = ["src", "dst", "dstport"];

export function parseFlowKey(fields: readonly string[]): FlowField[] {
  const out: FlowField[] = [];
  for (const f of fields) {
    if (!(FLOW_FIELDS as readonly string[]).includes(f)) {
      throw new UsageError(`unknown flow key field "${f}"`, { hint: `use a comma-separated subset of ${FLOW_FIELDS.join(",")}` });
    }
    if (!out.includes(f as FlowField)) out.push(f as FlowField);
  }
  return out;
}

/** Format an IPv4 (4 bytes) or IPv6 (16 bytes) address. */
export function formatAddr(b: Uint8Array, off: number, len: number): string {
  if (len === 4) return `${b[off]}.${b[off + 1]}.${b[off + 2]}.${b[off + 3]}`;
  const words: number[] = [];
  for (let i = 0; i < 16; i += 2) words.push((b[off + i] << 8) | b[off + i + 1]);
  // RFC 5952: compress the longest run (≥ 2) of zero words.
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (words[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && words[j] === 0) j++;
    if (j - i > bestLen) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = words.map((w) => w.toString(16));
  if (best < 0) return hex.join(":");
  return `${hex.slice(0, best).join(":")}::${hex.slice(best + bestLen).join(":")}`;
}

export class FlowTable {
  readonly fields: FlowField[];
  private readonly scratch = new Uint8Array(40);
  private pool = new Uint8Array(1024);
  private poolLen = 0;
  private offs: number[] = [];
  private lens: number[] = [];
  private table = new Int32Array(64).fill(-1);
  private mask = 63;

  /** Field codes for the hot path: 0 src, 1 dst, 2 srcport, 3 dstport. */
  private readonly codes: Int32Array;

  constructor(fields: FlowField[]) {
    this.fields = fields;
    this.codes = Int32Array.from(fields.map((f) => FLOW_FIELDS.indexOf(f)));
  }

  get size(): number {
    return this.offs.length;
  }

  /** The flow index of the record parsed from frame bytes `b` (flow_key in native/src/evalkern.c builds the same key bytes). */
  intern(b: Uint8Array, r: ParsedRecord): number {
    const s = this.scratch;
    let n = 0;
    const codes = this.codes;
    for (let k = 0; k < codes.length; k++) {
      const c = codes[k];
      if (c < 2) {
        const len = r.addrLen;
        const a = c === 0 ? r.addrOff : r.addrOff + len;
        s[n++] = len;
        for (let i = 0; i < len; i++) s[n++] = b[a + i];
      } else {
        const port = c === 2 ? r.srcport : r.dstport;
        s[n++] = port >> 8;
        s[n++] = port & 255;
      }
    }
    return this.lookup(n);
  }

  /** The flow index of key bytes `key[off, off + n)`, built as `intern` builds them (the native scanner's keys). */
  internKey(key: Uint8Array, off: number, n: number): number {
    this.scratch.set(key.subarray(off, off + n));
    return this.lookup(n);
  }

  private lookup(n: number): number {
    const s = this.scratch;
    let h = 0x811c9dc5;
    for (let i = 0; i < n; i++) h = Math.imul(h ^ s[i], 0x01000193);
    let slot = (h ^ (h >>> 15)) & this.mask;
    for (;;) {
      const f = this.table[slot];
      if (f < 0) return this.insert(slot, n);
      if (this.lens[f] === n && this.equal(f, n)) return f;
      slot = (slot + 1) & this.mask;
    }
  }

  private equal(f: number, n: number): boolean {
    const o = this.offs[f];
    for (let i = 0; i < n; i++) if (this.pool[o + i] !== this.scratch[i]) return false;
    return true;
  }

  private insert(slot: number, n: number): number {
    const f = this.offs.length;
    if (this.poolLen + n > this.pool.length) {
      const p = new Uint8Array(this.pool.length * 2);
      p.set(this.pool);
      this.pool = p;
    }
    this.pool.set(this.scratch.subarray(0, n), this.poolLen);
    this.offs.push(this.poolLen);
    this.lens.push(n);
    this.poolLen += n;
    this.table[slot] = f;
    if (this.offs.length * 2 > this.mask) this.grow();
    return f;
  }

  private grow(): void {
    const cap = (this.mask + 1) * 2;
    this.table = new Int32Array(cap).fill(-1);
    this.mask = cap - 1;
    for (let f = 0; f < this.offs.length; f++) {
      let h = 0x811c9dc5;
      const o = this.offs[f];
      for (let i = 0; i < this.lens[f]; i++) h = Math.imul(h ^ this.pool[o + i], 0x01000193);
      let slot = (h ^ (h >>> 15)) & this.mask;
      while (this.table[slot] >= 0) slot = (slot + 1) & this.mask;
      this.table[slot] = f;
    }
  }

  /** The key of flow `f` as column values, in `fields` order. */
  describe(f: number): Record<FlowField, string | number> {
    const out = {} as Record<FlowField, string | number>;
    let p = this.offs[f];
    for (const field of this.fields) {
      if (field === "src" || field === "dst") {
        const len = this.pool[p];
        out[field] = formatAddr(this.pool, p + 1, len);
        p += 1 + len;
      } else {
        out[field] = (this.pool[p] << 8) | this.pool[p + 1];
        p += 2;
      }
    }
    return out;
  }
}
