/** One smoke test of `hynet gate` through the built CLI (npm test builds dist/ before vitest runs). */
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { expect, it } from "vitest";
import { makeResults, tmpDir } from "./fixture.js";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

function hynet(...args: string[]) {
  const r = spawnSync("node", [path.join(root, "bin/hynet.js"), ...args], { encoding: "utf8" });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

// Each spawn starts the whole CLI; on a loaded 2-core machine that takes seconds, hence the long timeout.
it("hynet gate: exit 0 on pass, 1 on a failed check, 2 when it cannot evaluate", { timeout: 300_000 }, async () => {
  expect(existsSync(path.join(root, "dist/cli/gate.js")), "dist/ is not built: run `npm run build` (npm test does)").toBe(true);
  const dir = await makeResults(tmpDir("cli"), [
    { rate: 50000, p9999: 40000, loss: 0.0005 },
    { rate: 500000, p9999: 45000, loss: 0.001 },
  ]);
  const pass = hynet("gate", dir, "--max", "p99.99=50us", "--max", "loss=0.1%");
  expect(pass.err).toBe("");
  expect(pass.code, `stdout: ${pass.out}\nstderr: ${pass.err}`).toBe(0);
  expect(pass.out).toMatch(/^run\s+metric\s+value\s+limit or baseline\s+verdict/);
  expect(pass.out.trim().split("\n").at(-1)).toBe("gate: PASS: 4 checks (4 pass); exit 0");

  // A failed check, with the budgets from the copy of the experiment file in the results folder and the JSON reporter.
  writeFileSync(path.join(dir, "experiment.yaml"), "topology: t.yaml\nloop: { rate: [50000, 500000] }\ngate:\n  max: { p99.99: 42us }\n");
  const junit = path.join(tmpDir("clijunit"), "gate.xml");
  const fail = hynet("gate", dir, "--junit", junit, "--reporter", "json");
  expect(fail.code, `stdout: ${fail.out}\nstderr: ${fail.err}`).toBe(1);
  const events = fail.out.trim().split("\n").map((l) => JSON.parse(l) as { type: string; kind?: string; message?: string; line?: string; data: { verdict?: string } });
  expect(events.find((e) => e.type === "log")?.message).toMatch(/budgets from .*experiment.yaml/);
  expect(events.filter((e) => e.kind === "gate.check").map((e) => e.data.verdict)).toEqual(["pass", "fail"]);
  expect(events.find((e) => e.data?.verdict === "fail")!.line).toMatch(/rate500000-linkveth-nodenamespace-burst1\s+p99.99\s+45us\s+<= 42us\s+FAIL\s+p99.99 45us exceeds 42us/);
  expect(readFileSync(junit, "utf8")).toMatch(/<testsuites name="hynet gate" tests="2" failures="1" errors="0" skipped="0"/);

  const missing = hynet("gate", path.join(dir, "nope"), "--max", "p99=1ms");
  expect(missing.code, `stdout: ${missing.out}\nstderr: ${missing.err}`).toBe(2);
  expect(missing.err.trim()).toBe(`hynet: error[GATE_NO_RESULTS] ${path.join(dir, "nope")}: results folder does not exist (hint: pass the folder \`hynet run\` wrote (it holds results.duckdb))`);

  writeFileSync(path.join(dir, "experiment.yaml"), "gate:\n  max:\n    p99.99: 44\n");
  const badFile = hynet("gate", dir);
  expect(badFile.code, `stdout: ${badFile.out}\nstderr: ${badFile.err}`).toBe(2);
  expect(badFile.err.trim()).toBe(`hynet: error[GATE_BAD_BUDGET] ${path.join(dir, "experiment.yaml")}:3: gate.max.p99.99: "44" has no unit (hint: see docs/gate.md for the gate: section)`);
});
