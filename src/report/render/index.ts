/**
 * Turns a figure (a vega-lite spec plus the rows behind it) into SVG, PNG and
 * PDF without a browser: vega lays the chart out and writes the SVG, sharp
 * (libvips + librsvg) rasterises that SVG, and vega's canvas renderer paints
 * the same scenegraph into a PDFKit page (see pdf-context.ts).
 *
 * sharp rather than resvg-js: resvg re-parses the font file for every image
 * (~20 ms a figure, most of a report's time); librsvg keeps fontconfig's
 * cache for the life of the process.
 *
 * Compiled specs and views are cached per spec: the per-run figures of a
 * series share a handful of specs and differ only in their data, and
 * re-parsing a vega spec costs more than re-running its dataflow.
 */
import * as vega from "vega";
import { compile, type TopLevelSpec } from "vega-lite";
import sharp from "sharp";
import PDFDocument from "pdfkit";
import { PdfContext } from "./pdf-context.js";

export const DATA_NAME = "table";

export interface Rendered {
  svg: string;
  png: Buffer;
  pdf: Buffer;
  width: number;
  height: number;
}

/** The fonts the figures name; DejaVu ships with Debian (fonts-dejavu-core, in scripts/setup.sh). */
export const FONT_FAMILY = "DejaVu Sans, Helvetica, Arial, sans-serif";

// Each report thread draws one figure at a time; libvips' own thread pool would only compete with the other report threads.
sharp.concurrency(1);
sharp.cache(false);

/**
 * PNGs are drawn at 1.5× the SVG's size: ~430 px for a per-run figure, enough
 * for a paper column (≈3.3 in at 150 dpi) and for screens; papers take the PDF.
 * With the encoding below, one run's nine PNGs took ~130 ms of CPU instead of ~185 ms at 2×.
 */
export const PNG_SCALE = 1.5;

export interface Formats {
  svg: boolean;
  png: boolean;
  pdf: boolean;
}

export class FigureRenderer {
  private readonly views = new Map<string, vega.View>();

  private view(spec: TopLevelSpec): vega.View {
    const key = JSON.stringify(spec);
    let v = this.views.get(key);
    if (!v) {
      const compiled = compile(spec).spec;
      v = new vega.View(vega.parse(compiled), { renderer: "none", logLevel: vega.Error });
      this.views.set(key, v);
    }
    return v;
  }

  /** `spec` must read its data from the named source DATA_NAME; `rows` are bound to it as they are. */
  async render(spec: TopLevelSpec, rows: object[], formats: Formats = { svg: true, png: true, pdf: true }, signals: Record<string, number> = {}): Promise<Rendered> {
    const view = this.view(spec);
    for (const [k, v] of Object.entries(signals)) view.signal(k, v);
    view.data(DATA_NAME, rows);
    // A reused view otherwise keeps the padding of the largest figure it drew before (autosize only grows).
    view.resize();
    await view.runAsync();
    const svg = await view.toSVG();
    const m = /<svg[^>]*?width="([\d.]+)"[^>]*?height="([\d.]+)"/.exec(svg);
    const width = m ? Number(m[1]) : 0;
    const height = m ? Number(m[2]) : 0;
    // sharp rasterises on libuv's thread pool: start it first so that it runs while this thread paints the PDF.
    const png = formats.png ? this.png(svg) : Promise.resolve(Buffer.alloc(0));
    png.catch(() => undefined); // awaited below; keeps a PDF error from leaving it unhandled
    const pdf = formats.pdf ? await this.pdf(view, width, height) : Buffer.alloc(0);
    return { svg, png: await png, pdf, width, height };
  }

  private png(svg: string): Promise<Buffer> {
    // density is in dpi, and librsvg maps one SVG user unit to one pixel at 72 dpi (not CSS's 96).
    // Of the encoding, adaptive filtering is the costly part and gains little on flat-colour plots;
    // level 1 took 15 % less CPU than level 2 for files ≈ 1.4× larger (~27 KiB a figure).
    return sharp(Buffer.from(svg), { density: 72 * PNG_SCALE }).png({ compressionLevel: 1, adaptiveFiltering: false }).toBuffer();
  }

  private pdf(view: vega.View, width: number, height: number): Promise<Buffer> {
    const doc = new PDFDocument({ size: [width, height], margin: 0, compress: true, info: { Creator: "hynet", Producer: "hynet (vega + pdfkit)" } });
    const chunks: Buffer[] = [];
    doc.on("data", (c: Buffer) => chunks.push(c));
    const done = new Promise<Buffer>((resolve, reject) => {
      doc.on("end", () => resolve(Buffer.concat(chunks)));
      doc.on("error", reject);
    });
    const ctx = new PdfContext(doc);
    // renderModule(name) with one argument looks the module up (a second argument, even undefined, replaces it).
    const lookup = vega.renderModule as unknown as (name: string) => { renderer: unknown };
    const Canvas = lookup("canvas").renderer as new (loader: unknown) => {
      initialize(el: null, w: number, h: number, origin: readonly number[], scale: number, opts: object): { render(scene: unknown): void };
    };
    const r = new Canvas(view.loader());
    r.initialize(null, width, height, view.origin(), 1, { externalContext: ctx }).render((view.scenegraph() as unknown as { root: unknown }).root);
    doc.end();
    return done;
  }

  /** Release the cached views (their dataflows hold the last data). */
  dispose(): void {
    for (const v of this.views.values()) v.finalize();
    this.views.clear();
  }
}
