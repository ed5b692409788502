import { describe, it, expect, beforeAll, afterAll } from "vitest";
import { mkdtempSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync, existsSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { writeReport } from "../../src/report/index.js";
import { readCsv } from "../../src/report/csv.js";
import { PNG_SCALE } from "../../src/report/render/index.js";
import { createSys } from "../../src/sys/index.js";
import { renderError } from "../../src/cli/render.js";
import { HynetError } from "../../src/errors.js";
import { PAPER_LINKS, PAPER_NODES, runName, writeRun } from "./fixture.js";
import { spawnSync } from "node:child_process";

const sys = createSys();
let tmp: string;

beforeAll(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), "hynet-report-test-"));
});
afterAll(() => {
  rmSync(tmp, { recursive: true, force: true });
});

/** Numbers of a CSV as a matrix of strings normalised through Number, so "1.0" and "1" compare equal. */
function csvValues(file: string, cols: string[]): string[][] {
  const lines = readFileSync(file, "utf8").trim().split("\n");
  const head = lines[0].split(",");
  return lines.slice(1).map((l) => {
    const f = l.split(",");
    return cols.map((c) => {
      const v = f[head.indexOf(c)];
      return /^-?\d+$/.test(v) ? v : String(Number(v));
    });
  });
}

async function expectError(p: Promise<unknown>, code: string): Promise<HynetError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(HynetError);
    expect((e as HynetError).code).toBe(code);
    return e as HynetError;
  }
  throw new Error(`expected error ${code}`);
}

describe("report of a small series", () => {
  let results: string;
  let out: string;
  const run = { rate: 50000, node: "namespace", link: "veth", packets: 1500, seconds: 5, numWorst: 300 };
  const name = runName(run);

  beforeAll(async () => {
    results = path.join(tmp, "series");
    writeRun(results, run);
    writeRun(results, { rate: 50000, node: "vm", link: "hwpair", packets: 800, seconds: 5, baseNs: 70000 });
    writeRun(results, { rate: 300000, node: "vm", link: "veth", status: "failed" });
    out = path.join(tmp, "series-report");
    const r = await writeReport(results, out, sys, { jobs: 1, worst: 200 });
    expect(r.index).toBe(path.join(out, "index.html"));
    // 2 evaluated runs × 9 figures + 1 overlay (one rate)
    expect(r.figures).toBe(19);
  });

  const ev = (f: string) => path.join(results, name, "eval", `latencies-pre-${name}.pcap.zst.${f}`);
  const fig = (id: string, ext: string) => path.join(out, "runs", name, `${id}-${name}.${ext}`);

  it("writes every figure as SVG, PNG, PDF and CSV", () => {
    const files = readdirSync(path.join(out, "runs", name));
    for (const id of ["hdr-histogram", "packetrate", "worstof-timeseries", "latency-histogram", "jitter-histogram", "flow-hdr", "flow-cdf", "irq-rates", "softirq-rates"]) {
      for (const ext of ["svg", "png", "pdf", "csv"]) expect(files).toContain(`${id}-${name}.${ext}`);
    }
    expect(readFileSync(fig("hdr-histogram", "svg"), "utf8")).toMatch(/^<svg/);
    const png = readFileSync(fig("hdr-histogram", "png"));
    expect(png.subarray(1, 4).toString()).toBe("PNG");
    // The PNG is the SVG at PNG_SCALE: IHDR holds width and height at bytes 16 and 20.
    const svgSize = /<svg[^>]*?width="([\d.]+)"[^>]*?height="([\d.]+)"/.exec(readFileSync(fig("hdr-histogram", "svg"), "utf8"))!;
    expect(png.readUInt32BE(16)).toBe(Math.round(Number(svgSize[1]) * PNG_SCALE));
    expect(png.readUInt32BE(20)).toBe(Math.round(Number(svgSize[2]) * PNG_SCALE));
    expect(readFileSync(fig("hdr-histogram", "pdf")).subarray(0, 5).toString()).toBe("%PDF-");
    expect(files.some((f) => f.includes(".partial-"))).toBe(false);
  });

  it("HDR, histogram and jitter figures hold exactly the evaluator's rows", () => {
    const cols = ["percentile", "value", "onefraconeminuspercentile"];
    expect(csvValues(fig("hdr-histogram", "csv"), cols)).toEqual(csvValues(ev("trim_ms0.percentiles.csv"), cols));
    expect(csvValues(fig("latency-histogram", "csv"), ["latency_bucket", "count"])).toEqual(csvValues(ev("bucket_size100.trim_ms0.hist.csv"), ["latency_bucket", "count"]));
    const j = readFileSync(fig("jitter-histogram", "csv"), "utf8").trim().split("\n").slice(1);
    const pre = csvValues(ev("bucket_size100.trim_ms0.jitterpre.csv"), ["bucket", "count"]).map((r) => `pre,${r.join(",")}`);
    const post = csvValues(ev("bucket_size100.trim_ms0.jitterpost.csv"), ["bucket", "count"]).map((r) => `post,${r.join(",")}`);
    expect(j).toEqual([...pre, ...post]);
  });

  it("packet-rate figure holds both sides with exact epoch timestamps and seconds from the first pre bucket", () => {
    const rows = readFileSync(fig("packetrate", "csv"), "utf8").trim().split("\n");
    expect(rows[0]).toBe("side,ts,count,time_s");
    const pre = readFileSync(ev("trim_ms0.packetratepre.csv"), "utf8").trim().split("\n").slice(1);
    const post = readFileSync(ev("trim_ms0.packetratepost.csv"), "utf8").trim().split("\n").slice(1);
    expect(rows.slice(1).map((r) => r.split(",").slice(0, 3).join(","))).toEqual([...pre.map((l) => `pre,${l}`), ...post.map((l) => `post,${l}`)]);
    // first post bucket is 15 µs after the first pre bucket in the fixture
    expect(rows[1 + pre.length].split(",")[3]).toBe("0.000015");
    expect(rows[2].split(",")[3]).toBe("1");
  });

  it("worst-of figure plots the first N rows of the worst file, one point each", () => {
    const cols = ["latency", "prets", "postts", "id", "srcport", "dstport"];
    const src = csvValues(ev("trim_ms0.num_worst300.worst.csv"), cols);
    expect(src.length).toBe(300);
    expect(csvValues(fig("worstof-timeseries", "csv"), cols)).toEqual(src.slice(0, 200));
    const svg = readFileSync(fig("worstof-timeseries", "svg"), "utf8");
    const group = svg.slice(svg.indexOf('class="mark-symbol'));
    expect(group.slice(0, group.indexOf("</g>")).match(/<path /g)?.length).toBe(200);
  });

  it("per-flow figures of an eval folder without flows-percentiles.csv split latency-flows.csv by the load generator's flow (src IP from the id), labelled as inferred", () => {
    const page = readFileSync(path.join(out, "runs", name, "index.html"), "utf8");
    expect(page).toContain("flows inferred from packet ids, as this eval folder has no flows-percentiles.csv");
    const lf = readCsv(ev("latency-flows.csv"), ["latency", "id"]);
    return lf.then((t) => {
      const byFlow = new Map<string, number[]>();
      for (const r of t.rows) {
        const k = `10.0.0.${10 + ((Number(r.id) + 1) % 10)}`;
        byFlow.set(k, [...(byFlow.get(k) ?? []), Number(r.latency)]);
      }
      const cdf = readFileSync(fig("flow-cdf", "csv"), "utf8").trim().split("\n").slice(1).map((l) => l.split(","));
      expect(new Set(cdf.map((r) => r[0]))).toEqual(new Set(byFlow.keys()));
      for (const [k, lats] of byFlow) {
        lats.sort((a, b) => a - b);
        const mine = cdf.filter((r) => r[0] === k);
        expect(Number(mine[0][1])).toBe(lats[0]);
        expect(Number(mine[mine.length - 1][1])).toBe(lats[lats.length - 1]);
        expect(Number(mine[mine.length - 1][2])).toBe(1);
      }
      const hdr = readFileSync(fig("flow-hdr", "csv"), "utf8").trim().split("\n").slice(1).map((l) => l.split(","));
      const f0 = [...byFlow.keys()][0];
      const lats = byFlow.get(f0)!.sort((a, b) => a - b);
      const mine = hdr.filter((r) => r[0] === f0);
      const mid = mine.find((r) => Number(r[1]) >= 0.5)!;
      expect(Number(mid[2])).toBe(lats[Math.ceil(Number(mid[1]) * lats.length - 1e-9) - 1]);
      expect(Number(mine[0][2])).toBe(lats[0]);
      expect(Number(mine[mine.length - 1][2])).toBe(lats[lats.length - 1]);
    });
  });

  it("index.html has the matrix (loss, p99.99, links), the overlay and the Figure-4 sections in the seed's order", () => {
    const html = readFileSync(path.join(out, "index.html"), "utf8");
    expect(html).toContain(`href="runs/${name}/index.html"`);
    expect(html).toContain("p99.99");
    expect(html.indexOf('id="fig4-namespace-veth"')).toBeLessThan(html.indexOf('id="fig4-vm-veth"'));
    expect(html.indexOf('id="fig4-vm-veth"')).toBeLessThan(html.indexOf('id="fig4-vm-hwpair"'));
    expect(html).toContain("Namespace and Veth");
    expect(html).toContain("VM and SR-IOV");
    expect(html).toContain("could not start the network");
    // The sender's pacing beside the latency: the fixture's runs have a 1.25 ms largest gap and 2 late gaps.
    expect(html).toContain(`<span class="g">max gap 1.25 ms · 2 late</span>`);
    const page = readFileSync(path.join(out, "runs", name, "index.html"), "utf8");
    expect(page).toContain(`<tr><th>departure gaps p1 / p50 / p99 / max</th><td>19.9 µs / 20.0 µs / 20.5 µs / 1.25 ms</td></tr>`);
    expect(page).toContain(`<tr><th>late gaps (over 10 mean periods)</th><td>2 (period 20.0 µs)</td></tr>`);
    expect(html).not.toMatch(/(src|href)="(\/|https?:)/);
    const overlay = readFileSync(path.join(out, "series", "hdr-overlay-rate50000.csv"), "utf8");
    expect(overlay.split("\n")[0]).toBe("configuration,run,percentile,value,onefraconeminuspercentile");
    expect(overlay).toContain("Namespace and Veth,");
    expect(overlay).toContain("VM and SR-IOV,");
  });

  it("worker threads produce the same figures as one thread", async () => {
    const out2 = path.join(tmp, "series-report-2");
    const r = await writeReport(results, out2, sys, { jobs: 2, worst: 200 });
    expect(r.figures).toBe(19);
    // vega numbers clip paths with a per-thread counter: the only difference allowed.
    const norm = (f: string) => readFileSync(f, "utf8").replace(/clip\d+/g, "clip");
    for (const f of readdirSync(path.join(out, "runs", name)).filter((x) => x.endsWith(".csv") || x.endsWith(".svg"))) {
      expect(norm(path.join(out2, "runs", name, f)) === norm(path.join(out, "runs", name, f)), f).toBe(true);
    }
  });
});

describe("IRQ rates", () => {
  it("are counter differences per second, summed over IRQ lines per CPU", async () => {
    const results = path.join(tmp, "irq");
    const dir = path.join(results, "rate1000-linkveth-nodenamespace-burst1");
    mkdirSync(path.join(dir, "irq"), { recursive: true });
    writeFileSync(path.join(dir, "run.json"), JSON.stringify({ name: "x", variables: { rate: 1000, node: "namespace", link: "veth", burst: 1 }, status: "ok" }));
    const t = 1_700_000_000_000_000_000n;
    writeFileSync(
      path.join(dir, "irq", "interrupts.csv"),
      ["ts_ns,cpu,irq,count,name", `${t},0,24,100,eth0`, `${t},0,LOC,5,timer`, `${t},1,24,0,eth0`,
        `${t + 1_000_000_000n},0,24,300,eth0`, `${t + 1_000_000_000n},0,LOC,10,timer`, `${t + 1_000_000_000n},1,24,0,eth0`,
        `${t + 3_000_000_000n},0,24,700,eth0`, `${t + 3_000_000_000n},0,LOC,10,timer`, `${t + 3_000_000_000n},1,24,0,eth0`].join("\n") + "\n",
    );
    const out = path.join(tmp, "irq-report");
    await writeReport(results, out, sys, { jobs: 1 });
    const csv = readFileSync(path.join(out, "runs", "rate1000-linkveth-nodenamespace-burst1", "irq-rates-rate1000-linkveth-nodenamespace-burst1.csv"), "utf8");
    // CPU 1 never interrupted: left out. CPU 0: (200 + 5) / 1 s, then (400 + 0) / 2 s.
    expect(csv).toBe(`group,cpu,ts_ns,time_s,rate\nall,0,${t + 1_000_000_000n},1,205\nall,0,${t + 3_000_000_000n},3,200\n`);
  });
});

describe("bad input gives one clear error line", () => {
  it("an empty folder", async () => {
    const d = path.join(tmp, "empty");
    mkdirSync(d);
    const e = await expectError(writeReport(d, path.join(tmp, "o1"), sys), "REPORT_NO_RUNS");
    const line = renderError(e).line;
    expect(line).toContain(d);
    expect(line).toContain("it is empty");
    expect(line.split("\n").length).toBe(1);
  });

  it("the CLI prints it as one line and exits 1 (needs dist: npm test builds it first)", () => {
    const d = path.join(tmp, "empty-cli");
    mkdirSync(d);
    const r = spawnSync(process.execPath, [path.resolve("bin/hynet.js"), "report", d], { encoding: "utf8" });
    expect(r.status).toBe(1);
    expect(r.stderr.trim().split("\n")).toEqual([
      `hynet: error[REPORT_NO_RUNS] ${d}: not a results folder: it is empty (a run folder holds run.json or eval/) (hint: give the folder \`hynet run\` wrote (results/<experiment>), or evaluate captures into <dir>/<run>/eval first)`,
    ]);
  });

  it("a foreign folder", async () => {
    const d = path.join(tmp, "foreign");
    mkdirSync(path.join(d, "photos"), { recursive: true });
    writeFileSync(path.join(d, "notes.txt"), "hello");
    const e = await expectError(writeReport(d, path.join(tmp, "o2"), sys), "REPORT_NO_RUNS");
    expect(renderError(e).line).toMatch(/none of its 2 entries is a run folder/);
  });

  it("a folder that does not exist", async () => {
    const e = await expectError(writeReport(path.join(tmp, "nope"), path.join(tmp, "o3"), sys), "FILE_ENOENT");
    expect(renderError(e).line).toContain("no such file or directory");
  });

  it("a malformed evaluator CSV names the file and line", async () => {
    const results = path.join(tmp, "bad-csv");
    const dir = writeRun(results, { rate: 1000, node: "namespace", link: "veth", packets: 50, seconds: 2 });
    const n = path.basename(dir);
    const f = path.join(dir, "eval", `latencies-pre-${n}.pcap.zst.bucket_size100.trim_ms0.hist.csv`);
    writeFileSync(f, "latency_bucket,count\n100,3\n200,abc\n");
    const e = await expectError(writeReport(results, path.join(tmp, "o4"), sys, { jobs: 1 }), "REPORT_BAD_CSV");
    expect(renderError(e).line).toBe(`hynet: error[REPORT_BAD_CSV] ${f}:3: column "count" holds "abc", not a number`);
  });

  it("a malformed CSV is reported the same through worker threads", async () => {
    const results = path.join(tmp, "bad-csv");
    writeRun(results, { rate: 2000, node: "namespace", link: "veth", packets: 50, seconds: 2 });
    const e = await expectError(writeReport(results, path.join(tmp, "o5"), sys, { jobs: 2 }), "REPORT_BAD_CSV");
    expect(e.file).toMatch(/hist\.csv$/);
  });

  it("a flows-percentiles.csv without key columns is an error naming the file and line", async () => {
    const results = path.join(tmp, "flow-keys-bad");
    const r = { rate: 1000, node: "namespace", link: "veth", packets: 50, seconds: 2 };
    const dir = writeRun(results, r);
    writeFileSync(path.join(dir, "eval", `latencies-pre-${runName(r)}.pcap.zst.trim_ms0.flows-percentiles.csv`), "percentile,latency\n0.5,100\n");
    const e = await expectError(writeReport(results, path.join(tmp, "o-flow-keys-bad"), sys, { jobs: 1 }), "REPORT_BAD_CSV");
    expect(e.file).toMatch(/flows-percentiles\.csv$/);
    expect(e.line).toBe(1);
  });

  it("a run with only some files gets the figures it can, and says what is missing", async () => {
    const results = path.join(tmp, "partial");
    const dir = writeRun(results, { rate: 1000, node: "namespace", link: "veth", packets: 50, seconds: 2, omit: ["worst", "latencyFlows", "irq", "hist"] });
    const out = path.join(tmp, "o6");
    const r = await writeReport(results, out, sys, { jobs: 1 });
    expect(r.figures).toBe(3 + 1); // hdr, packet rate, jitter + overlay
    expect(existsSync(path.join(out, "runs", path.basename(dir), "index.html"))).toBe(true);
  });
});

describe("per-flow figures from the evaluator's flow keys", () => {
  it("per-flow figures read flows-percentiles.csv when present: flows labelled by the evaluator's key, its numbers as written", async () => {
    const results = path.join(tmp, "flow-keys");
    const r = { rate: 1000, node: "namespace", link: "veth", packets: 50, seconds: 2 };
    const dir = writeRun(results, r);
    const B = `latencies-pre-${runName(r)}.pcap.zst`;
    // A key with ports on both sides and IPv6 addresses; latency-flows.csv is there too and must be ignored.
    const rows = [
      ["fd00::10", "fd00::20", "1", "23432", "0.0", "1500"],
      ["fd00::10", "fd00::20", "1", "23432", "0.5", "1700"],
      ["fd00::10", "fd00::20", "1", "23432", "0.75", "2100"],
      ["fd00::11", "fd00::20", "2", "23433", "0.0", "900"],
      ["fd00::11", "fd00::20", "2", "23433", "0.5", "950"],
    ];
    writeFileSync(path.join(dir, "eval", `${B}.trim_ms0.flows-percentiles.csv`), ["src,dst,srcport,dstport,percentile,latency", ...rows.map((x) => x.join(","))].join("\n") + "\n");
    const out = path.join(tmp, "o-flow-keys");
    await writeReport(results, out, sys, { jobs: 1, formats: { png: false, pdf: false } });
    const fig = (id: string) => readFileSync(path.join(out, "runs", runName(r), `${id}-${runName(r)}.csv`), "utf8").trim().split("\n").slice(1);
    const a = "[fd00::10]:1→[fd00::20]:23432";
    const b = "[fd00::11]:2→[fd00::20]:23433";
    expect(fig("flow-hdr")).toEqual([`${a},0,1500,1`, `${a},0.5,1700,2`, `${a},0.75,2100,4`, `${b},0,900,1`, `${b},0.5,950,2`]);
    // CDF: fraction p at each level's latency, all of the flow at its last (the maximum).
    expect(fig("flow-cdf")).toEqual([`${a},1500,0`, `${a},1700,0.5`, `${a},2100,0.75`, `${a},2100,1`, `${b},900,0`, `${b},950,0.5`, `${b},950,1`]);
    const page = readFileSync(path.join(out, "runs", runName(r), "index.html"), "utf8");
    expect(page).toContain("flows by the evaluator&#39;s key src,dst,srcport,dstport");
    expect(page).not.toContain("inferred");
  });
});

describe("many runs", () => {
  it("the paper's 36 CBR configurations lay out as 6 sections × 6 rates", async () => {
    const results = path.join(tmp, "paper");
    const rates = [50000, 300000, 500000, 700000, 900000, 1000000];
    for (const node of PAPER_NODES) for (const link of PAPER_LINKS) for (const rate of rates) writeRun(results, { rate, node, link, packets: 100, seconds: 2, omit: ["latencyFlows", "irq", "worst", "jitterpre", "jitterpost", "hist"] });
    const out = path.join(tmp, "paper-report");
    const r = await writeReport(results, out, sys, { jobs: 2, formats: { png: false, pdf: false } });
    expect(r.figures).toBe(36 * 2 + 6);
    const html = readFileSync(path.join(out, "index.html"), "utf8");
    const order = ["Namespace and Veth", "Namespace and SR-IOV", "VM and Veth", "VM and SR-IOV", "Optimized VM and Veth", "Optimized VM and SR-IOV"];
    const sec = html.slice(html.indexOf('id="figure4"'));
    const pos = order.map((o) => sec.indexOf(`>${o}</h3>`));
    expect(pos.every((p) => p > 0)).toBe(true);
    expect([...pos].sort((a, b) => a - b)).toEqual(pos);
    const head = html.slice(html.indexOf('id="matrix"'), html.indexOf("</tr>", html.indexOf('id="matrix"')));
    expect(head.match(/<th class="num">([^<]+)<\/th>/g)!.map((s) => s.replace(/<[^>]+>/g, ""))).toEqual(["50 kpps", "300 kpps", "500 kpps", "700 kpps", "900 kpps", "1 Mpps"]);
    expect(existsSync(path.join(out, "runs", runName({ rate: 1000000, node: "vm_opt", link: "hwpair" }), `packetrate-${runName({ rate: 1000000, node: "vm_opt", link: "hwpair" })}.svg`))).toBe(true);
  });
});
