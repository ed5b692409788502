/**
 * PNGs painted from vega's scenegraph by Skia (@napi-rs/canvas) through
 * vega's own canvas renderer, and encoded here.
 *
 * Why not the SVG through librsvg (sharp), as before: librsvg parses the SVG
 * text again and pays per element and per glyph; it took ~130 ms of CPU for a
 * run's nine PNGs, the largest share of a report. Skia draws the same
 * scenegraph in ~20 ms. Its own PNG encoder (adaptive filters, zlib level 6)
 * would cost more than the drawing, so the pixels are encoded here as sharp
 * encoded them before: no row filter, zlib level 1.
 *
 * A canvas per size is kept and reused: reading fresh memory costs a page
 * fault per 4 KiB, and a figure is ~0.5 MiB of pixels.
 */
import { createCanvas, type Canvas, type SKRSContext2D } from "@napi-rs/canvas";
import { crc32, deflateSync } from "node:zlib";

const SIGNATURE = [137, 80, 78, 71, 13, 10, 26, 10];

export class PngPainter {
  private readonly canvases = new Map<string, Canvas>();
  /** Rows with their filter byte, for the deflate input; grown, never shrunk. */
  private rows = Buffer.alloc(0);

  /**
   * A `width` × `height` pixel RGBA PNG of what `draw` paints; `draw` gets a
   * cleared, untransformed context. `opaque`: `draw` covers every pixel with an
   * opaque colour (a background), so no pixel needs its alpha divided out.
   */
  paint(width: number, height: number, opaque: boolean, draw: (ctx: SKRSContext2D) => void): Buffer {
    const key = `${width}x${height}`;
    let canvas = this.canvases.get(key);
    if (!canvas) {
      // Few sizes recur (one or two per figure kind); a series with many more gets no cache past this.
      canvas = createCanvas(width, height);
      if (this.canvases.size < 64) this.canvases.set(key, canvas);
    }
    const ctx = canvas.getContext("2d");
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.clearRect(0, 0, width, height);
    ctx.save();
    try {
      draw(ctx);
    } finally {
      ctx.restore();
    }
    return this.encode(canvas.data(), width, height, opaque);
  }

  /** RGBA, 8 bits a channel, filter type 0 on every row, zlib level 1 (RFC 2083). */
  private encode(premultiplied: Buffer, w: number, h: number, opaque: boolean): Buffer {
    const stride = w * 4;
    const n = (stride + 1) * h;
    if (this.rows.length < n) this.rows = Buffer.alloc(n);
    const rows = this.rows;
    for (let y = 0; y < h; y++) {
      rows[y * (stride + 1)] = 0;
      premultiplied.copy(rows, y * (stride + 1) + 1, y * stride, (y + 1) * stride);
    }
    if (!opaque) unpremultiply(rows, stride, h);
    const z = deflateSync(rows.subarray(0, n), { level: 1 });
    const out = Buffer.allocUnsafe(8 + (12 + 13) + (12 + z.length) + 12);
    out.set(SIGNATURE, 0);
    let o = 8;
    const chunk = (type: string, len: number, fill: (at: number) => void) => {
      out.writeUInt32BE(len, o);
      out.write(type, o + 4, "latin1");
      fill(o + 8);
      out.writeUInt32BE(crc32(out.subarray(o + 4, o + 8 + len)), o + 8 + len);
      o += 12 + len;
    };
    chunk("IHDR", 13, (at) => {
      out.writeUInt32BE(w, at);
      out.writeUInt32BE(h, at + 4);
      out[at + 8] = 8; // bits per channel
      out[at + 9] = 6; // RGBA
      out[at + 10] = 0; // deflate
      out[at + 11] = 0; // adaptive filtering (each row says its filter)
      out[at + 12] = 0; // not interlaced
    });
    chunk("IDAT", z.length, (at) => z.copy(out, at));
    chunk("IEND", 0, () => undefined);
    return out;
  }
}

/** Skia stores colour multiplied by alpha; PNG stores it straight. */
function unpremultiply(rows: Buffer, stride: number, h: number): void {
  for (let y = 0; y < h; y++) {
    const base = y * (stride + 1) + 1;
    for (let i = base + 3; i < base + stride; i += 4) {
      const a = rows[i];
      if (a === 255) continue;
      if (a === 0) {
        rows[i - 3] = rows[i - 2] = rows[i - 1] = 0;
        continue;
      }
      rows[i - 3] = Math.min(255, Math.round((rows[i - 3] * 255) / a));
      rows[i - 2] = Math.min(255, Math.round((rows[i - 2] * 255) / a));
      rows[i - 1] = Math.min(255, Math.round((rows[i - 1] * 255) / a));
    }
  }
}
