/** `hynet gate --junit` into a path it cannot write: exit 2 ("could not evaluate", docs/gate.md), no verdict line before it. */
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { expect, it } from "vitest";
import { makeResults, tmpDir } from "./fixture.js";

it("a JUnit file that cannot be written is exit 2 and no PASS line is printed", { timeout: 120_000 }, async () => {
  const dir = await makeResults(tmpDir("unwritable"), [{ rate: 50000, p9999: 40000, loss: 0.0005 }]);
  const r = spawnSync(process.execPath, [path.resolve("bin/hynet.js"), "gate", dir, "--max", "p99.99=50us", "--junit", "/proc/x/g.xml"], { encoding: "utf8", timeout: 60_000 });
  expect(r.stdout).not.toMatch(/PASS|exit 0/);
  expect(r.stderr.trim().split("\n")).toHaveLength(1);
  expect(r.stderr).toMatch(/^hynet: error\[FILE_[A-Z_]+\] \/proc\/x\/g\.xml: cannot write/);
  expect(r.status).toBe(2);
});
