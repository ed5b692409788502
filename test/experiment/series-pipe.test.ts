/**
 * `hynet run … -v | head -3`: the reader of the output goes away while the
 * series runs. The series must run to its end unharmed; only its output
 * stops (issue 17, item 2). The paper's chain as namespaces, real traffic and
 * captures, as root.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { openStore } from "../../src/experiment/store.js";
import { createSys } from "../../src/sys/index.js";

const PREFIX = `rp${Math.random().toString(36).slice(2, 6).replace(/[^a-z0-9]/g, "x")}`;
const BIN = path.resolve("bin/hynet.js");

const EXPERIMENT = `topology: ${path.resolve("examples/paper/topology.yaml")}
globals: { measurement_time: 1, warm_up_time: 0.3, flows: 2 }
loop:
  rate: [10000, 20000]
capture: { compression: zstd, level: 1 }
traffic: { tx: "lg:tx", pre: "lg:tx", post: "lg:rx", dst_mac: "3e:e5:a8:40:0d:00" }
`;

function leftovers(): string[] {
  const ns = execFileSync("ip", ["netns", "list"], { encoding: "utf8" });
  const links = execFileSync("ip", ["-o", "link", "show"], { encoding: "utf8" });
  return [...ns.split("\n"), ...links.split("\n")].filter((l) => l.includes(PREFIX));
}

beforeAll(() => {
  if (process.getuid?.() !== 0) throw new Error("this test creates network namespaces: run it as root");
});

afterAll(() => {
  expect(leftovers()).toEqual([]);
});

describe("a series whose output reader goes away", () => {
  it("runs every run to completion, records them all and exits 0", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "hynet-pipe-"));
    writeFileSync(path.join(dir, "exp.yaml"), EXPERIMENT);
    const out = path.join(dir, "results");
    // The reader is gone before the first byte: every write to stdout meets EPIPE (as `| head -3` after its third line).
    const p = spawn(process.execPath, [BIN, "run", path.join(dir, "exp.yaml"), "--out", out, "--prefix", PREFIX, "--skip-report", "-v"], { stdio: ["ignore", "pipe", "pipe"] });
    p.stdout.destroy();
    let stderr = "";
    p.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const code = await new Promise<number | null>((r) => p.on("close", (c) => r(c)));
    expect(stderr).not.toMatch(/EPIPE|internal error|Unhandled/);
    expect(code, stderr.slice(-2000)).toBe(0);
    const names = ["rate10000", "rate20000"];
    expect(readdirSync(out).filter((n) => n.startsWith("rate")).sort()).toEqual(names);
    for (const n of names) expect(JSON.parse(readFileSync(path.join(out, n, "run.json"), "utf8")).status).toBe("ok");
    const s = await openStore(out, createSys(), { readOnly: true });
    try {
      expect((await s.runs()).map((r) => [r.name, r.status])).toEqual(names.map((n) => [n, "ok"]));
    } finally {
      s.close();
    }
  }, 300_000);
});
