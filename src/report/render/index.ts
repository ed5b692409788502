/**
 * Turns a figure (a vega-lite spec plus the rows behind it) into SVG, PNG and
 * PDF without a browser: vega lays the chart out and writes the SVG, and
 * vega's canvas renderer paints the same scenegraph into a Skia canvas for the
 * PNG (png.ts) and into a PDF page (pdf-context.ts). Nothing is parsed again.
 *
 * Not resvg-js or librsvg (sharp) for the PNG: resvg re-parses the font file
 * for every image (~20 ms a figure); librsvg re-parses the SVG and took ~6×
 * Skia's time for the same pixels.
 *
 * Parsed specs and their views are cached per spec: the per-run figures of a
 * series share a handful of specs and differ only in their data, and
 * re-parsing a vega spec costs more than re-running its dataflow.
 */
import * as vega from "vega";
import { compile, type TopLevelSpec } from "vega-lite";
import { PdfContext } from "./pdf-context.js";
import { PngPainter } from "./png.js";
import { TeeContext } from "./tee.js";
import { DATA_NAME } from "./names.js";

export { DATA_NAME, FONT_FAMILY } from "./names.js";

export interface Rendered {
  svg: string;
  png: Buffer;
  pdf: Buffer;
  width: number;
  height: number;
}

/**
 * PNGs are drawn at 1.5× the SVG's size: ~430 px for a per-run figure, enough
 * for a paper column (≈3.3 in at 150 dpi) and for screens; papers take the PDF.
 * (The pixel size is round(SVG size × 1.5), as librsvg made it before.)
 */
export const PNG_SCALE = 1.5;

/** Figures a view draws before it is made anew (see view()). */
const VIEW_USES = 25;

export interface Formats {
  svg: boolean;
  png: boolean;
  pdf: boolean;
}

export class FigureRenderer {
  private readonly views = new Map<string, { runtime: vega.Runtime; view?: vega.View; uses: number }>();
  private readonly painter = new PngPainter();

  private view(spec: TopLevelSpec): vega.View {
    const key = JSON.stringify(spec);
    let e = this.views.get(key);
    if (!e) this.views.set(key, (e = { runtime: vega.parse(compile(spec).spec), uses: 0 }));
    // Some of vega's operators keep an entry for every tuple they ever saw (a relay's lookup table
    // is never cleaned), so a view drawing a long series would grow without bound; a new view from
    // the parsed spec every VIEW_USES figures bounds that for ~0.3 ms a figure (measured: no slower).
    if (e.view && e.uses >= VIEW_USES) {
      e.view.finalize();
      e.view = undefined;
    }
    if (!e.view) {
      e.view = new vega.View(e.runtime, { renderer: "none", logLevel: vega.Error });
      // A reused view removes every tuple of the last figure and adds the new ones; vega frees the
      // marks of removed tuples only past this many (default 10 000 per mark and facet), so a thread
      // drawing a series kept every mark of ~50 runs alive: 0.3 GB of heap, and the GC work with it.
      (e.view as unknown as { cleanThreshold: number }).cleanThreshold = 0;
      e.uses = 0;
    }
    e.uses++;
    return e.view;
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
    return { svg, ...this.draw(view, width, height, formats), width, height };
  }

  /** The PNG and the PDF of the view's scenegraph, in one walk of it when both are wanted. */
  private draw(view: vega.View, width: number, height: number, formats: Formats): { png: Buffer; pdf: Buffer } {
    const pdfCtx = formats.pdf ? new PdfContext(width, height) : undefined;
    let png: Buffer = Buffer.alloc(0);
    if (formats.png) {
      // The background under the whole image (vega would paint width × height × 1.5, leaving the last
      // pixel row or column half transparent when that is not whole); the PDF has none, as before.
      const bg = view.background() as string | undefined;
      const w = Math.round(width * PNG_SCALE);
      const h = Math.round(height * PNG_SCALE);
      png = this.painter.paint(w, h, isOpaque(bg), (ctx) => {
        if (bg != null) {
          ctx.fillStyle = bg;
          ctx.fillRect(0, 0, w, h);
        }
        ctx.scale(PNG_SCALE, PNG_SCALE);
        drawScene(view, width, height, pdfCtx ? new TeeContext(ctx, pdfCtx) : ctx);
      });
    } else if (pdfCtx) {
      drawScene(view, width, height, pdfCtx);
    }
    const pdf = pdfCtx ? pdfCtx.toPdf({ creator: "hynet", producer: "hynet (vega)", date: new Date() }) : Buffer.alloc(0);
    return { png, pdf };
  }

  /** Release the cached views (their dataflows hold the last data). */
  dispose(): void {
    for (const e of this.views.values()) e.view?.finalize();
    this.views.clear();
  }
}

interface CanvasRenderer {
  initialize(el: null, w: number, h: number, origin: readonly number[], scale: number, opts: object): CanvasRenderer;
  render(scene: unknown): CanvasRenderer;
}

/**
 * vega's canvas renderer drawing the view's scenegraph into `ctx` at the
 * context's current transform, offset as vega's headless renderers (the SVG)
 * place it: by the padding plus vega's origin.
 */
function drawScene(view: vega.View, width: number, height: number, ctx: unknown): void {
  // renderModule(name) with one argument looks the module up (a second argument, even undefined, replaces it).
  const lookup = vega.renderModule as unknown as (name: string) => { renderer: new (loader: unknown) => CanvasRenderer };
  const pad = view.padding() as { left?: number; top?: number };
  const origin = view.origin();
  new (lookup("canvas").renderer)(view.loader())
    .initialize(null, width, height, [(pad.left ?? 0) + origin[0], (pad.top ?? 0) + origin[1]], 1, { externalContext: ctx })
    .render((view.scenegraph() as unknown as { root: unknown }).root);
}

/** A colour that certainly covers what is under it: a name, #rgb, #rrggbb or rgb(); `transparent` and anything with alpha are not. */
function isOpaque(color: string | undefined): boolean {
  return typeof color === "string" && color !== "transparent" && /^(#[\da-f]{3}|#[\da-f]{6}|[a-z]+|rgb\([^)]*\))$/i.test(color.trim());
}
