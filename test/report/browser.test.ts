/**
 * The report of a small series opened in a real browser (Debian's chromium,
 * driven by playwright-core): no console errors, every image loads, the page
 * is not blank. Fails, never skips, when chromium is missing.
 */
import { describe, it, expect, beforeAll, afterAll } from "vitest";
import { mkdtempSync, rmSync, existsSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { inflateSync } from "node:zlib";
import { chromium, type BrowserContext } from "playwright-core";
import { writeReport } from "../../src/report/index.js";
import { createSys } from "../../src/sys/index.js";
import { runName, writeRun } from "./fixture.js";

const CHROMIUM = "/usr/bin/chromium";
let tmp: string;
let browser: BrowserContext;
let index: string;

/** Share of the screenshot's pixels that are not (near) white: a blank page is ~0. */
function inkFraction(png: Buffer): number {
  let off = 8;
  let width = 0, height = 0, colorType = 0;
  const idat: Buffer[] = [];
  while (off < png.length) {
    const len = png.readUInt32BE(off);
    const type = png.toString("latin1", off + 4, off + 8);
    const data = png.subarray(off + 8, off + 8 + len);
    if (type === "IHDR") {
      width = data.readUInt32BE(0);
      height = data.readUInt32BE(4);
      colorType = data[9];
    }
    if (type === "IDAT") idat.push(data);
    off += 12 + len;
  }
  const bpp = colorType === 6 ? 4 : 3;
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * bpp;
  const prev = Buffer.alloc(stride);
  const cur = Buffer.alloc(stride);
  let ink = 0;
  // PNG scanline filters (RFC 2083 §6): undo them to get real pixels.
  for (let y = 0; y < height; y++) {
    const f = raw[y * (stride + 1)];
    const line = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    for (let i = 0; i < stride; i++) {
      const a = i >= bpp ? cur[i - bpp] : 0;
      const b = prev[i];
      const c = i >= bpp ? prev[i - bpp] : 0;
      let v = line[i];
      if (f === 1) v += a;
      else if (f === 2) v += b;
      else if (f === 3) v += (a + b) >> 1;
      else if (f === 4) {
        const p = a + b - c, pa = Math.abs(p - a), pb = Math.abs(p - b), pc = Math.abs(p - c);
        v += pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
      }
      cur[i] = v & 255;
    }
    for (let x = 0; x < width; x++) if (cur[x * bpp] < 200 || cur[x * bpp + 1] < 200 || cur[x * bpp + 2] < 200) ink++;
    cur.copy(prev);
  }
  return ink / (width * height);
}

beforeAll(async () => {
  expect(existsSync(CHROMIUM), `${CHROMIUM} is missing: install Debian's chromium (scripts/setup.sh)`).toBe(true);
  tmp = mkdtempSync(path.join(os.tmpdir(), "hynet-report-browser-"));
  const results = path.join(tmp, "results");
  for (const node of ["namespace", "vm"]) for (const link of ["veth", "hwpair"]) for (const rate of [50000, 500000]) writeRun(results, { rate, node, link, packets: 600, seconds: 4, baseNs: node === "vm" ? 90000 : 15000 });
  writeRun(results, { rate: 1000000, node: "vm", link: "veth", status: "failed" });
  index = (await writeReport(results, path.join(results, "report"), createSys(), { jobs: 2, worst: 300 })).index;
  // A fresh profile (--user-data-dir) per run: playwright takes it as launchPersistentContext's first argument.
  browser = await chromium.launchPersistentContext(path.join(tmp, "profile"), {
    executablePath: CHROMIUM,
    headless: true,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
});

afterAll(async () => {
  await browser?.close();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

async function open(file: string, width: number) {
  const page = await browser.newPage();
  await page.setViewportSize({ width, height: 900 });
  const problems: string[] = [];
  page.on("console", (m) => {
    if (m.type() === "error" || m.type() === "warning") problems.push(`${m.type()}: ${m.text()}`);
  });
  page.on("pageerror", (e) => problems.push(`pageerror: ${e.message}`));
  page.on("requestfailed", (r) => problems.push(`requestfailed: ${r.url()}`));
  await page.goto(`file://${file}`, { waitUntil: "load" });
  const images = await page.$$eval("img", (imgs) => imgs.map((i) => ({ src: i.getAttribute("src"), ok: i.complete && i.naturalWidth > 0 })));
  return { page, problems, images };
}

describe("report in headless chromium", () => {
  it("index.html loads with no console errors, every image loads, the page is not blank", async () => {
    const { page, problems, images } = await open(index, 1280);
    expect(problems).toEqual([]);
    // 8 packet-rate panels + 2 overlays
    expect(images.length).toBe(10);
    expect(images.filter((i) => !i.ok)).toEqual([]);
    const shot = await page.screenshot({ fullPage: true });
    writeFileSync(path.join(os.tmpdir(), "hynet-report-index.png"), shot);
    expect(inkFraction(shot)).toBeGreaterThan(0.01);
    // a matrix cell links to a run page that exists
    const href = await page.$eval("td.cell a", (a) => a.getAttribute("href"));
    expect(existsSync(path.join(path.dirname(index), href!))).toBe(true);
    await page.close();
  });

  it("a run page shows all nine figures; on a phone-sized screen nothing is wider than the screen", async () => {
    const name = runName({ rate: 50000, node: "namespace", link: "veth" });
    const { page, problems, images } = await open(path.join(path.dirname(index), "runs", name, "index.html"), 390);
    expect(problems).toEqual([]);
    expect(images.length).toBe(9);
    expect(images.filter((i) => !i.ok)).toEqual([]);
    // The function runs in the page; tsconfig has no DOM types, so the page's globals are reached through globalThis.
    const overflow = await page.evaluate(() => {
      const g = globalThis as unknown as { document: { documentElement: { scrollWidth: number } }; innerWidth: number };
      return g.document.documentElement.scrollWidth - g.innerWidth;
    });
    expect(overflow).toBeLessThanOrEqual(0);
    const shot = await page.screenshot({ fullPage: true });
    writeFileSync(path.join(os.tmpdir(), "hynet-report-run.png"), shot);
    expect(inkFraction(shot)).toBeGreaterThan(0.01);
    await page.close();
  });
});
