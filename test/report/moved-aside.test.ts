/** A run attempt moved aside by `hynet run --resume` is not a run: the report counts what the database counts (issue 17, item 5). */
import { describe, expect, it } from "vitest";
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { findRuns } from "../../src/report/discover.js";
import { runFolders } from "../../src/experiment/store.js";
import { writeRun } from "./fixture.js";

function markRunning(dir: string): void {
  const f = path.join(dir, "run.json");
  writeFileSync(f, JSON.stringify({ ...JSON.parse(readFileSync(f, "utf8")), status: "running" }));
}

describe("moved-aside attempts and unfinished runs", () => {
  it("RUN.incomplete-1 is left out of the report as it is out of the database", async () => {
    const results = mkdtempSync(path.join(tmpdir(), "hynet-aside-"));
    const a = writeRun(results, { rate: 50_000, node: "namespace", link: "veth", packets: 100 });
    writeRun(results, { rate: 100_000, node: "namespace", link: "veth", packets: 100 });
    cpSync(a, `${a}.incomplete-1`, { recursive: true });
    markRunning(`${a}.incomplete-1`);
    const runs = await findRuns(results);
    expect(runs.map((r) => r.name)).toEqual((await runFolders(results)).map((d) => path.basename(d)));
    expect(runs.map((r) => [r.name, r.status])).toEqual([
      ["rate100000-linkveth-nodenamespace-burst1", "ok"],
      ["rate50000-linkveth-nodenamespace-burst1", "ok"],
    ]);
  });

  it("a run.json left saying running (hynet was killed) is shown as aborted, as the database shows it", async () => {
    const results = mkdtempSync(path.join(tmpdir(), "hynet-aside-"));
    markRunning(writeRun(results, { rate: 50_000, node: "namespace", link: "veth", packets: 100 }));
    const [run] = await findRuns(results);
    expect(run.status).toBe("aborted");
    expect(run.error).toBe("the run did not finish (hynet was stopped)");
  });
});
