/**
 * The report's own encoders, checked on their output: the PNG (Skia pixels,
 * encoded by png.ts), the PDF (pdf-context.ts writes the file itself), and the
 * byte-level reader of B.latency-flows.csv against a plain line-by-line parse.
 */
import { describe, it, expect, beforeAll, afterAll } from "vitest";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { inflateSync } from "node:zlib";
import { FigureRenderer, PNG_SCALE } from "../../src/report/render/index.js";
import { PngPainter } from "../../src/report/render/png.js";
import { readFlowLatencies } from "../../src/report/run-data.js";
import { panel } from "../../src/report/figures/theme.js";
import type { TopLevelSpec } from "vega-lite";

let tmp: string;
beforeAll(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), "hynet-render-test-"));
});
afterAll(() => {
  rmSync(tmp, { recursive: true, force: true });
});

/** Width, height, colour type and RGBA pixels of a PNG whose rows all use filter 0 (as png.ts writes them). */
function decodePng(png: Buffer) {
  expect([...png.subarray(0, 8)]).toEqual([137, 80, 78, 71, 13, 10, 26, 10]);
  let off = 8;
  let w = 0, h = 0, type = -1;
  const idat: Buffer[] = [];
  const chunks: string[] = [];
  while (off < png.length) {
    const len = png.readUInt32BE(off);
    const t = png.toString("latin1", off + 4, off + 8);
    chunks.push(t);
    const d = png.subarray(off + 8, off + 8 + len);
    if (t === "IHDR") {
      w = d.readUInt32BE(0);
      h = d.readUInt32BE(4);
      type = d[9];
    }
    if (t === "IDAT") idat.push(d);
    off += 12 + len;
  }
  expect(chunks).toEqual(["IHDR", "IDAT", "IEND"]);
  const raw = inflateSync(Buffer.concat(idat));
  expect(raw.length).toBe((w * 4 + 1) * h);
  const px = Buffer.alloc(w * 4 * h);
  for (let y = 0; y < h; y++) {
    expect(raw[y * (w * 4 + 1)]).toBe(0);
    raw.copy(px, y * w * 4, y * (w * 4 + 1) + 1, (y + 1) * (w * 4 + 1));
  }
  return { w, h, type, at: (x: number, y: number) => [...px.subarray((y * w + x) * 4, (y * w + x) * 4 + 4)] };
}

const spec = {
  ...panel,
  mark: { type: "line", point: true },
  encoding: {
    x: { field: "t", type: "quantitative", title: "Time [s]" },
    y: { field: "v", type: "quantitative", title: "Latency [µs]" },
  },
} as TopLevelSpec;
const rows = Array.from({ length: 50 }, (_, i) => ({ t: i, v: (i * 37) % 11 }));

describe("PNG", () => {
  it("is the figure at PNG_SCALE, RGBA, white where nothing is drawn, inked where something is", async () => {
    const r = new FigureRenderer();
    try {
      const out = await r.render(spec, rows, { svg: true, png: true, pdf: false });
      const png = decodePng(out.png);
      expect(png.w).toBe(Math.round(out.width * PNG_SCALE));
      expect(png.h).toBe(Math.round(out.height * PNG_SCALE));
      expect(png.type).toBe(6);
      // Corners are background, and opaque to the last pixel row and column.
      for (const [x, y] of [[0, 0], [png.w - 1, 0], [0, png.h - 1], [png.w - 1, png.h - 1]]) expect(png.at(x, y)).toEqual([255, 255, 255, 255]);
      let ink = 0;
      for (let y = 0; y < png.h; y++) for (let x = 0; x < png.w; x++) if (png.at(x, y)[0] < 128) ink++;
      expect(ink / (png.w * png.h)).toBeGreaterThan(0.01);
    } finally {
      r.dispose();
    }
  });

  it("stores colour straight, not multiplied by alpha, where the image is not opaque", () => {
    const png = decodePng(
      new PngPainter().paint(4, 2, false, (ctx) => {
        ctx.fillStyle = "rgba(255, 0, 0, 0.5)";
        ctx.fillRect(0, 0, 2, 2);
      }),
    );
    const [r, g, b, a] = png.at(0, 0);
    expect([g, b]).toEqual([0, 0]);
    expect(Math.abs(a - 128)).toBeLessThanOrEqual(1);
    expect(r).toBeGreaterThanOrEqual(254);
    expect(png.at(3, 1)).toEqual([0, 0, 0, 0]);
  });
});

describe("PDF", () => {
  it("is a well-formed one-page file: offsets in the xref table, the page the size of the SVG, text in the content stream", async () => {
    const r = new FigureRenderer();
    let pdf: Buffer;
    let out: { width: number; height: number };
    try {
      const res = await r.render(spec, rows, { svg: true, png: false, pdf: true });
      pdf = res.pdf;
      out = res;
    } finally {
      r.dispose();
    }
    const text = pdf.toString("latin1");
    expect(text.startsWith("%PDF-1.4\n")).toBe(true);
    expect(text.endsWith("%%EOF\n")).toBe(true);
    const startxref = Number(/startxref\n(\d+)\n%%EOF\n$/.exec(text)![1]);
    expect(text.slice(startxref, startxref + 5)).toBe("xref\n");
    const table = /xref\n0 (\d+)\n([\s\S]*?)trailer/.exec(text)!;
    const entries = table[2].trim().split("\n").slice(1).map((l) => Number(l.slice(0, 10)));
    expect(entries.length).toBe(Number(table[1]) - 1);
    entries.forEach((off, i) => expect(text.slice(off, off + `${i + 1} 0 obj`.length)).toBe(`${i + 1} 0 obj`));
    expect(text).toContain(`/MediaBox [0 0 ${out.width} ${out.height}]`);
    const m = /<< \/Length (\d+) \/Filter \/FlateDecode >>\nstream\n/.exec(text)!;
    const start = m.index + m[0].length;
    const content = inflateSync(pdf.subarray(start, start + Number(m[1]))).toString("latin1");
    expect(content.startsWith(`1 0 0 -1 0 ${out.height} cm\n`)).toBe(true);
    // "Time [s]" in WinAnsi hex, set in Helvetica.
    expect(content).toContain(Buffer.from("Time [s]", "latin1").toString("hex"));
    expect(content).toMatch(/\/F1 10 Tf/);
    expect(text).toContain("/BaseFont /Helvetica /Encoding /WinAnsiEncoding");
    // Every q has its Q.
    expect(content.match(/^q$/gm)?.length).toBe(content.match(/^Q$/gm)?.length);
  });
});

describe("latency-flows.csv reader", () => {
  /** The plain reading: split into lines (LF, CRLF or a lone CR), then fields. */
  function reference(text: string, flows: number | undefined) {
    const lines = text.split(/\r\n|\r|\n/);
    if (lines[lines.length - 1] === "") lines.pop();
    const head = lines[0].split(",");
    const by = new Map<string, number[]>();
    for (const l of lines.slice(1)) {
      if (l === "") continue;
      const f = l.split(",");
      const id = Number(f[head.indexOf("id")]);
      const k = flows ? `10.0.0.${10 + ((id + 1) % flows)}` : `dstport ${f[head.indexOf("dstport")]}`;
      let list = by.get(k);
      if (!list) by.set(k, (list = []));
      list.push(Number(f[head.indexOf("latency")]));
    }
    return Object.fromEntries([...by].map(([k, v]) => [k, v.sort((a, b) => a - b)]));
  }

  it("reads files longer than its 1 MiB buffer, with CRLF, lone CR, empty lines and numbers in any form, as a line-by-line parse does", async () => {
    const parts = ["latency,prets,postts,id,srcport,dstport\n"];
    let n = 0;
    let size = 0;
    while (size < 2.5 * 2 ** 20) {
      const eol = n % 97 === 0 ? "\r\n" : n % 89 === 0 ? "\r" : "\n";
      const lat = n % 13 === 0 ? `${(n * 7) % 500}.5` : n % 17 === 0 ? `1e${n % 5}` : String(15000 + ((n * 7919) % 100000));
      const line = `${lat},1732000000000000000,1732000000000015000,${n},${n % 3},${23000 + (n % 4)}${eol}`;
      parts.push(line);
      size += line.length;
      if (n % 1000 === 0) parts.push("\n");
      n++;
    }
    const text = parts.join("");
    const file = path.join(tmp, "flows.csv");
    writeFileSync(file, text);
    for (const flows of [10, undefined]) {
      const got = await readFlowLatencies(file, flows);
      expect(Object.fromEntries([...got.flows].map(([k, v]) => [k, [...v]]))).toEqual(reference(text, flows));
      // Labels in numeric order.
      expect([...got.flows.keys()]).toEqual([...got.flows.keys()].sort((a, b) => a.localeCompare(b, "en", { numeric: true })));
    }
  });

  it("names the line of a field that is not a number", async () => {
    const file = path.join(tmp, "bad-flows.csv");
    writeFileSync(file, "latency,id,dstport\n100,0,1\n\n200,x,1\n");
    await expect(readFlowLatencies(file, 4)).rejects.toMatchObject({ code: "REPORT_BAD_CSV", line: 4 });
    writeFileSync(file, "lat,id\n1,2\n");
    await expect(readFlowLatencies(file, 4)).rejects.toMatchObject({ code: "REPORT_BAD_CSV", line: 1 });
  });
});
