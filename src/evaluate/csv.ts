/**
 * A byte-level CSV builder. The per-packet table has one row per match (2 M
 * rows for a 2 s run at 1 Mpps, 90 M for the paper's largest): formatting
 * integers straight into a large Buffer and handing it over in 4 MiB chunks
 * avoids a string per field and a write call per row.
 */

const CHUNK = 4 << 20;
const HEADROOM = 4096;

export class CsvSink {
  buf: Buffer = Buffer.allocUnsafe(CHUNK);
  pos = 0;
  /** Absolute time = baseSec seconds + a relative nanosecond value. */
  baseSec: number;
  constructor(
    private readonly out: { write(chunk: Uint8Array): Promise<void> },
    baseSec = 0,
    /**
     * The writer is done with a chunk when write() resolves (TempFile), so one buffer serves
     * the whole file. Fresh memory is expensive (first-touch page faults cost more than the
     * formatting), so reuse matters for a table of 100 MB and more.
     */
    private readonly reuse = false,
  ) {
    this.baseSec = baseSec;
  }

  /** True when the caller should `await flush()` before the next row. */
  full(): boolean {
    return this.pos > CHUNK - HEADROOM;
  }

  async flush(): Promise<void> {
    if (this.pos === 0) return;
    const b = this.buf.subarray(0, this.pos);
    if (!this.reuse) this.buf = Buffer.allocUnsafe(CHUNK);
    this.pos = 0;
    await this.out.write(b);
  }

  async close(): Promise<void> {
    await this.flush();
  }

  /** ASCII text (headers, short fields). */
  str(s: string): this {
    if (this.pos + s.length > this.buf.length - 16) this.growFor(s.length);
    const b = this.buf;
    let p = this.pos;
    for (let i = 0; i < s.length; i++) b[p++] = s.charCodeAt(i);
    this.pos = p;
    return this;
  }

  private growFor(n: number): void {
    // Only long strings get here; keep it simple: a bigger buffer.
    const nb = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + n + HEADROOM));
    this.buf.copy(nb, 0, 0, this.pos);
    this.buf = nb;
  }

  comma(): this {
    this.buf[this.pos++] = 44;
    return this;
  }

  nl(): this {
    this.buf[this.pos++] = 10;
    return this;
  }

  /** A non-negative integer < 2^53. */
  u(v: number): this {
    this.pos = putU(this.buf, this.pos, v);
    return this;
  }

  /** An integer (may be negative). */
  int(v: number): this {
    if (v < 0) {
      this.buf[this.pos++] = 45;
      return this.u(-v);
    }
    return this.u(v);
  }

  /** Absolute nanoseconds of a time given relative to the base second, without BigInt. */
  abs(rel: number): this {
    this.pos = putAbs(this.buf, this.pos, this.baseSec, rel);
    return this;
  }
}

/** "00".."99" as byte pairs: two digits per division. */
const D2 = new Uint8Array(200);
for (let i = 0; i < 100; i++) {
  D2[2 * i] = 48 + Math.floor(i / 10);
  D2[2 * i + 1] = 48 + (i % 10);
}

/** Write v (integer, 0 ≤ v < 2^32) at p; returns the position after it. */
export function putU32(b: Uint8Array, p: number, v: number): number {
  const n = v < 10 ? 1 : v < 100 ? 2 : v < 1e3 ? 3 : v < 1e4 ? 4 : v < 1e5 ? 5 : v < 1e6 ? 6 : v < 1e7 ? 7 : v < 1e8 ? 8 : v < 1e9 ? 9 : 10;
  let e = p + n;
  let x = v;
  while (x >= 100) {
    const q = (x / 100) >>> 0;
    const r = (x - q * 100) * 2;
    b[--e] = D2[r + 1];
    b[--e] = D2[r];
    x = q;
  }
  if (x >= 10) {
    b[--e] = D2[x * 2 + 1];
    b[--e] = D2[x * 2];
  } else b[--e] = 48 + x;
  return p + n;
}

/** Write v (integer, 0 ≤ v < 1e9) as exactly 9 digits. */
export function putPad9(b: Uint8Array, p: number, v: number): number {
  let e = p + 9;
  let x = v;
  for (let i = 0; i < 4; i++) {
    const q = (x / 100) >>> 0;
    const r = (x - q * 100) * 2;
    b[--e] = D2[r + 1];
    b[--e] = D2[r];
    x = q;
  }
  b[--e] = 48 + x;
  return p + 9;
}

/** Write v (integer, 0 ≤ v < 2^53). */
export function putU(b: Uint8Array, p: number, v: number): number {
  if (v < 4294967296) return putU32(b, p, v);
  const hi = Math.floor(v / 1e9); // < 2^53 / 1e9 < 2^24
  return putPad9(b, putU32(b, p, hi), v - hi * 1e9);
}

/** Write baseSec·1e9 + rel (absolute ns) for an integer rel, exactly, without BigInt. */
export function putAbs(b: Uint8Array, p: number, baseSec: number, rel: number): number {
  const s = Math.floor(rel / 1e9);
  const ns = rel - s * 1e9;
  const sec = baseSec + s;
  if (sec > 0 && sec < 4294967296) return putPad9(b, putU32(b, p, sec), ns);
  if (sec === 0) return putU32(b, p, ns);
  const t = (BigInt(sec) * 1_000_000_000n + BigInt(ns)).toString();
  for (let i = 0; i < t.length; i++) b[p++] = t.charCodeAt(i);
  return p;
}

/** Absolute nanoseconds as a decimal string (for JSON and small files). */
export function absNs(baseSec: number, rel: number): string {
  const s = Math.floor(rel / 1e9);
  return (BigInt(baseSec + s) * 1_000_000_000n + BigInt(rel - s * 1e9)).toString();
}

/** Text of a number: integers plainly, others as JS writes the shortest exact decimal. */
export function num(v: number | null | undefined): string {
  if (v === null || v === undefined || Number.isNaN(v)) return "";
  return String(v);
}
