/**
 * A Canvas 2D context that forwards every drawing call to two others, so that
 * vega's canvas renderer walks a scenegraph once for both the PNG (Skia) and
 * the PDF (PdfContext): the walk and the path geometry (d3-shape) cost as much
 * as the drawing itself.
 *
 * Reads come from the first context. Each context keeps its own base
 * transform (the PNG is scaled, the PDF is not), set before the walk; vega's
 * calls are all relative to it. Gradients and patterns are the first
 * context's; the PDF context paints none (as when it drew alone).
 */
/* eslint-disable @typescript-eslint/no-explicit-any */
type Ctx = any;

export class TeeContext {
  constructor(
    private readonly a: Ctx,
    private readonly b: Ctx,
  ) {}

  /** vega reads this for hit-testing and partial redraws only. */
  readonly pixelRatio = 1;

  get fillStyle() { return this.a.fillStyle; }
  set fillStyle(v: unknown) { this.a.fillStyle = v; this.b.fillStyle = v; }
  get strokeStyle() { return this.a.strokeStyle; }
  set strokeStyle(v: unknown) { this.a.strokeStyle = v; this.b.strokeStyle = v; }
  get lineWidth() { return this.a.lineWidth; }
  set lineWidth(v: number) { this.a.lineWidth = v; this.b.lineWidth = v; }
  get lineCap() { return this.a.lineCap; }
  set lineCap(v: string) { this.a.lineCap = v; this.b.lineCap = v; }
  get lineJoin() { return this.a.lineJoin; }
  set lineJoin(v: string) { this.a.lineJoin = v; this.b.lineJoin = v; }
  get miterLimit() { return this.a.miterLimit; }
  set miterLimit(v: number) { this.a.miterLimit = v; this.b.miterLimit = v; }
  get globalAlpha() { return this.a.globalAlpha; }
  set globalAlpha(v: number) { this.a.globalAlpha = v; this.b.globalAlpha = v; }
  get font() { return this.a.font; }
  set font(v: string) { this.a.font = v; this.b.font = v; }
  get textAlign() { return this.a.textAlign; }
  set textAlign(v: string) { this.a.textAlign = v; this.b.textAlign = v; }
  get textBaseline() { return this.a.textBaseline; }
  set textBaseline(v: string) { this.a.textBaseline = v; this.b.textBaseline = v; }
  get lineDashOffset() { return this.a.lineDashOffset; }
  set lineDashOffset(v: number) { this.a.lineDashOffset = v; this.b.lineDashOffset = v; }
  get globalCompositeOperation() { return this.a.globalCompositeOperation; }
  set globalCompositeOperation(v: string) { this.a.globalCompositeOperation = v; this.b.globalCompositeOperation = v; }
  get imageSmoothingEnabled() { return this.a.imageSmoothingEnabled; }
  set imageSmoothingEnabled(v: boolean) { this.a.imageSmoothingEnabled = v; this.b.imageSmoothingEnabled = v; }

  save() { this.a.save(); this.b.save(); }
  restore() { this.a.restore(); this.b.restore(); }
  translate(x: number, y: number) { this.a.translate(x, y); this.b.translate(x, y); }
  scale(x: number, y: number) { this.a.scale(x, y); this.b.scale(x, y); }
  rotate(r: number) { this.a.rotate(r); this.b.rotate(r); }
  transform(m11: number, m12: number, m21: number, m22: number, dx: number, dy: number) {
    this.a.transform(m11, m12, m21, m22, dx, dy);
    this.b.transform(m11, m12, m21, m22, dx, dy);
  }
  setTransform() { /* vega sets transforms only on canvases it made itself */ }

  beginPath() { this.a.beginPath(); this.b.beginPath(); }
  moveTo(x: number, y: number) { this.a.moveTo(x, y); this.b.moveTo(x, y); }
  lineTo(x: number, y: number) { this.a.lineTo(x, y); this.b.lineTo(x, y); }
  bezierCurveTo(c1x: number, c1y: number, c2x: number, c2y: number, x: number, y: number) {
    this.a.bezierCurveTo(c1x, c1y, c2x, c2y, x, y);
    this.b.bezierCurveTo(c1x, c1y, c2x, c2y, x, y);
  }
  quadraticCurveTo(cx: number, cy: number, x: number, y: number) { this.a.quadraticCurveTo(cx, cy, x, y); this.b.quadraticCurveTo(cx, cy, x, y); }
  arc(x: number, y: number, r: number, a0: number, a1: number, ccw?: boolean) { this.a.arc(x, y, r, a0, a1, !!ccw); this.b.arc(x, y, r, a0, a1, !!ccw); }
  rect(x: number, y: number, w: number, h: number) { this.a.rect(x, y, w, h); this.b.rect(x, y, w, h); }
  closePath() { this.a.closePath(); this.b.closePath(); }
  fill() { this.a.fill(); this.b.fill(); }
  stroke() { this.a.stroke(); this.b.stroke(); }
  clip() { this.a.clip(); this.b.clip(); }
  fillRect(x: number, y: number, w: number, h: number) { this.a.fillRect(x, y, w, h); this.b.fillRect(x, y, w, h); }
  clearRect(x: number, y: number, w: number, h: number) { this.a.clearRect(x, y, w, h); this.b.clearRect(x, y, w, h); }
  fillText(t: string, x: number, y: number) { this.a.fillText(t, x, y); this.b.fillText(t, x, y); }
  strokeText(t: string, x: number, y: number) { this.a.strokeText(t, x, y); this.b.strokeText(t, x, y); }
  setLineDash(d: number[]) { this.a.setLineDash(d); this.b.setLineDash(d); }
  getLineDash() { return this.a.getLineDash(); }
  measureText(t: string) { return this.a.measureText(t); }
  isPointInPath() { return false; }
  isPointInStroke() { return false; }
  createLinearGradient(x0: number, y0: number, x1: number, y1: number) { return this.a.createLinearGradient(x0, y0, x1, y1); }
  createRadialGradient(x0: number, y0: number, r0: number, x1: number, y1: number, r1: number) { return this.a.createRadialGradient(x0, y0, r0, x1, y1, r1); }
  createPattern(image: unknown, rep: string) { return this.a.createPattern(image, rep); }
  drawImage(...args: unknown[]) { this.a.drawImage(...args); this.b.drawImage(...args); }
}
