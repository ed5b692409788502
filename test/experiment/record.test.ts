import { describe, expect, it } from "vitest";
import { mkdirSync, mkdtempSync, writeFileSync, existsSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { createRunFolder, moveAside, runFolderState } from "../../src/experiment/record.js";
import { freshResultsDir } from "../../src/cli/example.js";

describe("run folders", () => {
  it("tells new, complete and incomplete runs apart by run.json", async () => {
    const d = mkdtempSync(path.join(tmpdir(), "hynet-rec-"));
    expect(await runFolderState(path.join(d, "a"))).toBe("new");
    for (const [name, body] of [["ok", '{"status":"ok"}'], ["running", '{"status":"running"}'], ["failed", '{"status":"failed"}'], ["aborted", '{"status":"aborted"}'], ["broken", '{"status":']]) {
      mkdirSync(path.join(d, name));
      writeFileSync(path.join(d, name, "run.json"), body);
    }
    mkdirSync(path.join(d, "empty"));
    expect(await runFolderState(path.join(d, "ok"))).toBe("complete");
    for (const n of ["running", "failed", "aborted", "broken", "empty"]) expect(await runFolderState(path.join(d, n))).toBe("incomplete");
  });

  it("never reuses a folder and moves incomplete ones aside to the next free .incomplete-N", async () => {
    const d = mkdtempSync(path.join(tmpdir(), "hynet-rec-"));
    const run = path.join(d, "rate1");
    await createRunFolder(run);
    await expect(createRunFolder(run)).rejects.toMatchObject({ code: "RUN_EXISTS", file: run });
    mkdirSync(`${run}.incomplete-1`);
    expect(await moveAside(run)).toBe(`${run}.incomplete-2`);
    expect(existsSync(run)).toBe(false);
    await createRunFolder(run);
    expect(await moveAside(run)).toBe(`${run}.incomplete-3`);
    expect(readdirSync(d).sort()).toEqual(["rate1.incomplete-1", "rate1.incomplete-2", "rate1.incomplete-3"]);
  });

  it("picks a fresh results folder for `hynet example`", async () => {
    const d = mkdtempSync(path.join(tmpdir(), "hynet-rec-"));
    const now = new Date(2026, 10, 25, 1, 2, 3);
    expect(await freshResultsDir(d, now)).toBe(path.join(d, "quick-20261125-010203"));
    mkdirSync(path.join(d, "quick-20261125-010203"));
    mkdirSync(path.join(d, "quick-20261125-010203-2"));
    expect(await freshResultsDir(d, now)).toBe(path.join(d, "quick-20261125-010203-3"));
  });
});
