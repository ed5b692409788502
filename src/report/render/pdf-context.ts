/**
 * A Canvas 2D context that draws into a PDFKit document, so that vega's own
 * CanvasRenderer (option `externalContext`) paints a chart straight into a
 * vector PDF.
 *
 * Why by hand: the usual route, SVG → svg-to-pdfkit, re-parses the SVG text
 * and costs ~17 ms for a simple chart and over a second for a 5000-point
 * scatter; a report of 144 runs cannot afford that. vega already holds the
 * laid-out scenegraph, and its canvas renderer only needs the small subset of
 * the Canvas 2D API implemented here (paths, transforms, fill/stroke styles,
 * dashes, clipping, text). The npm packages that do this (canvas2pdf) are
 * unmaintained and lose a path that is filled and then stroked. No plotting
 * happens here: vega decides every mark, this only forwards drawing calls.
 */
import type PDFKit from "pdfkit";

type Op =
  | [0, number, number] // moveTo
  | [1, number, number] // lineTo
  | [2, number, number, number, number, number, number] // bezierCurveTo
  | [3, number, number, number, number] // quadraticCurveTo
  | [4]; // closePath

interface State {
  fillStyle: string;
  strokeStyle: string;
  lineWidth: number;
  lineCap: string;
  lineJoin: string;
  miterLimit: number;
  globalAlpha: number;
  font: string;
  textAlign: string;
  dash: number[];
  /** Current transform [a, b, c, d, e, f] as in Canvas 2D; paths are stored already transformed, as a canvas does. */
  m: number[];
}

const NAMED_NONE = new Set(["transparent", "none", ""]);

/** CSS colour → [colour PDFKit understands, alpha]; undefined when nothing is to be painted. */
function pdfColor(c: unknown): [string | [number, number, number], number] | undefined {
  if (typeof c !== "string" || NAMED_NONE.has(c)) return undefined;
  const m = /^rgba?\(([^)]+)\)$/.exec(c.trim());
  if (m) {
    const p = m[1].split(/[ ,/]+/).filter(Boolean).map(Number);
    const a = p.length > 3 ? p[3] : 1;
    return a > 0 ? [[p[0], p[1], p[2]], a] : undefined;
  }
  return [c, 1];
}

/** "italic bold 10px DejaVu Sans" → size and whether bold/italic; PDF output uses the standard Helvetica faces. */
function pdfFont(font: string): { name: string; size: number } {
  const size = Number(/(\d+(?:\.\d+)?)px/.exec(font)?.[1] ?? 10);
  const bold = /\b(bold|[6-9]00)\b/.test(font);
  const italic = /\b(italic|oblique)\b/.test(font);
  const name = `Helvetica${bold || italic ? "-" : ""}${bold ? "Bold" : ""}${italic ? "Oblique" : ""}`;
  return { name, size };
}

export class PdfContext {
  private path: Op[] = [];
  private s: State = {
    fillStyle: "#000",
    strokeStyle: "#000",
    lineWidth: 1,
    lineCap: "butt",
    lineJoin: "miter",
    miterLimit: 10,
    globalAlpha: 1,
    font: "10px sans-serif",
    textAlign: "left",
    dash: [],
    m: [1, 0, 0, 1, 0, 0],
  };
  private stack: State[] = [];
  /** vega reads these; a PDF has no device pixels. */
  readonly pixelRatio = 1;
  globalCompositeOperation = "source-over";
  lineDashOffset = 0;
  textBaseline = "alphabetic";
  imageSmoothingEnabled = true;

  constructor(private readonly doc: PDFKit.PDFDocument) {}

  get fillStyle() { return this.s.fillStyle; }
  set fillStyle(v: string) { this.s.fillStyle = v; }
  get strokeStyle() { return this.s.strokeStyle; }
  set strokeStyle(v: string) { this.s.strokeStyle = v; }
  get lineWidth() { return this.s.lineWidth; }
  set lineWidth(v: number) { this.s.lineWidth = v; }
  get lineCap() { return this.s.lineCap; }
  set lineCap(v: string) { this.s.lineCap = v; }
  get lineJoin() { return this.s.lineJoin; }
  set lineJoin(v: string) { this.s.lineJoin = v; }
  get miterLimit() { return this.s.miterLimit; }
  set miterLimit(v: number) { this.s.miterLimit = v; }
  get globalAlpha() { return this.s.globalAlpha; }
  set globalAlpha(v: number) { this.s.globalAlpha = v; }
  get font() { return this.s.font; }
  set font(v: string) { this.s.font = v; }
  get textAlign() { return this.s.textAlign; }
  set textAlign(v: string) { this.s.textAlign = v; }

  setLineDash(d: number[]) { this.s.dash = d.filter((x) => x > 0).length === d.length ? [...d] : []; }
  getLineDash() { return [...this.s.dash]; }

  save() {
    this.stack.push({ ...this.s, dash: [...this.s.dash], m: [...this.s.m] });
    this.doc.save();
  }
  restore() {
    const s = this.stack.pop();
    if (s) {
      this.s = s;
      this.doc.restore();
    }
  }
  translate(x: number, y: number) {
    const m = this.s.m;
    m[4] += m[0] * x + m[2] * y;
    m[5] += m[1] * x + m[3] * y;
  }
  scale(x: number, y: number) {
    const m = this.s.m;
    m[0] *= x; m[1] *= x; m[2] *= y; m[3] *= y;
  }
  rotate(rad: number) {
    const m = this.s.m;
    const c = Math.cos(rad), s = Math.sin(rad);
    const [a, b, cc, d] = m;
    m[0] = a * c + cc * s; m[1] = b * c + d * s; m[2] = -a * s + cc * c; m[3] = -b * s + d * c;
  }
  transform(a: number, b: number, c: number, d: number, e: number, f: number) {
    const m = this.s.m;
    const [m0, m1, m2, m3, m4, m5] = m;
    this.s.m = [m0 * a + m2 * b, m1 * a + m3 * b, m0 * c + m2 * d, m1 * c + m3 * d, m0 * e + m2 * f + m4, m1 * e + m3 * f + m5];
  }
  setTransform() { /* only used by vega for its own canvases, never with an external context */ }
  clearRect() { /* a PDF page starts empty */ }

  private x(x: number, y: number) { const m = this.s.m; return m[0] * x + m[2] * y + m[4]; }
  private y(x: number, y: number) { const m = this.s.m; return m[1] * x + m[3] * y + m[5]; }

  beginPath() { this.path = []; }
  moveTo(x: number, y: number) { this.path.push([0, this.x(x, y), this.y(x, y)]); }
  lineTo(x: number, y: number) { this.path.push([1, this.x(x, y), this.y(x, y)]); }
  bezierCurveTo(a: number, b: number, c: number, d: number, x: number, y: number) {
    this.path.push([2, this.x(a, b), this.y(a, b), this.x(c, d), this.y(c, d), this.x(x, y), this.y(x, y)]);
  }
  quadraticCurveTo(a: number, b: number, x: number, y: number) { this.path.push([3, this.x(a, b), this.y(a, b), this.x(x, y), this.y(x, y)]); }
  closePath() { this.path.push([4]); }
  rect(x: number, y: number, w: number, h: number) {
    this.moveTo(x, y);
    this.lineTo(x + w, y);
    this.lineTo(x + w, y + h);
    this.lineTo(x, y + h);
    this.closePath();
  }

  /** Canvas arc as cubic Béziers (PDF has no arc operator), ≤ 90° per segment. */
  arc(cx: number, cy: number, r: number, a0: number, a1: number, ccw = false) {
    let sweep = a1 - a0;
    const full = Math.PI * 2;
    if (!ccw && sweep < 0) sweep = (sweep % full) + full;
    if (ccw && sweep > 0) sweep = (sweep % full) - full;
    if (Math.abs(sweep) > full) sweep = Math.sign(sweep) * full;
    const x0 = cx + r * Math.cos(a0);
    const y0 = cy + r * Math.sin(a0);
    if (this.path.length === 0) this.moveTo(x0, y0);
    else this.lineTo(x0, y0);
    const n = Math.max(1, Math.ceil(Math.abs(sweep) / (Math.PI / 2) - 1e-9));
    const step = sweep / n;
    const k = (4 / 3) * Math.tan(step / 4);
    let a = a0;
    for (let i = 0; i < n; i++) {
      const b = a + step;
      const c0 = Math.cos(a), s0 = Math.sin(a), c1 = Math.cos(b), s1 = Math.sin(b);
      this.bezierCurveTo(cx + r * (c0 - k * s0), cy + r * (s0 + k * c0), cx + r * (c1 + k * s1), cy + r * (s1 - k * c1), cx + r * c1, cy + r * s1);
      a = b;
    }
  }

  private replay() {
    const d = this.doc;
    for (const op of this.path) {
      switch (op[0]) {
        case 0: d.moveTo(op[1], op[2]); break;
        case 1: d.lineTo(op[1], op[2]); break;
        case 2: d.bezierCurveTo(op[1], op[2], op[3], op[4], op[5], op[6]); break;
        case 3: d.quadraticCurveTo(op[1], op[2], op[3], op[4]); break;
        case 4: d.closePath(); break;
      }
    }
  }

  fill() {
    const c = pdfColor(this.s.fillStyle);
    if (!c || this.path.length === 0) return;
    this.replay();
    this.doc.fillColor(c[0] as PDFKit.Mixins.ColorValue, c[1] * this.s.globalAlpha).fill();
  }

  stroke() {
    const c = pdfColor(this.s.strokeStyle);
    if (!c || this.path.length === 0 || this.s.lineWidth <= 0) return;
    const d = this.doc;
    const m = this.s.m;
    d.lineWidth(this.s.lineWidth * Math.sqrt(Math.abs(m[0] * m[3] - m[1] * m[2])))
      .lineCap(this.s.lineCap as "butt" | "round" | "square")
      .lineJoin(this.s.lineJoin as "miter" | "round" | "bevel")
      .miterLimit(this.s.miterLimit);
    // PDFKit's typings allow only a number, its code takes an array (a canvas dash list of odd length repeats).
    const dash = (d.dash as unknown as (l: number[], o: { phase: number }) => unknown).bind(d);
    if (this.s.dash.length) dash(this.s.dash.length % 2 ? [...this.s.dash, ...this.s.dash] : this.s.dash, { phase: this.lineDashOffset });
    else d.undash();
    this.replay();
    d.strokeColor(c[0] as PDFKit.Mixins.ColorValue, c[1] * this.s.globalAlpha).stroke();
  }

  clip() {
    this.replay();
    this.doc.clip();
  }

  fillRect(x: number, y: number, w: number, h: number) {
    const saved = this.path;
    this.path = [];
    this.rect(x, y, w, h);
    this.fill();
    this.path = saved;
  }

  fillText(text: string, x: number, y: number) {
    const c = pdfColor(this.s.fillStyle);
    if (!c) return;
    const f = pdfFont(this.s.font);
    const d = this.doc;
    d.font(f.name).fontSize(f.size);
    const w = d.widthOfString(text);
    const dx = this.s.textAlign === "center" ? -w / 2 : this.s.textAlign === "right" || this.s.textAlign === "end" ? -w : 0;
    const m = this.s.m;
    d.save();
    d.transform(m[0], m[1], m[2], m[3], m[4], m[5]);
    d.fillColor(c[0] as PDFKit.Mixins.ColorValue, c[1] * this.s.globalAlpha);
    d.text(text, x + dx, y, { lineBreak: false, baseline: "alphabetic" });
    d.restore();
  }

  strokeText(text: string, x: number, y: number) {
    this.fillText(text, x, y);
  }

  measureText(text: string) {
    const f = pdfFont(this.s.font);
    this.doc.font(f.name).fontSize(f.size);
    return { width: this.doc.widthOfString(text) };
  }

  isPointInPath() { return false; }
  isPointInStroke() { return false; }
  createLinearGradient() { return { addColorStop() {} }; }
  createRadialGradient() { return { addColorStop() {} }; }
  createPattern() { return null; }
  drawImage() { /* vega image marks are not used in hynet's figures */ }
}
