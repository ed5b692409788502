/**
 * One scratch folder per test run: os.tmpdir() points into it in every test
 * worker (they inherit TMPDIR), and it is removed when the run ends, so a
 * test that forgets a temporary file or dies half-way leaves nothing in /tmp.
 */
import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";

export default function setup(): () => void {
  const before = process.env.TMPDIR;
  const dir = mkdtempSync(path.join(tmpdir(), "hynet-test-"));
  // Like /tmp itself: tests that run a step as another user (nobody) must reach their files.
  chmodSync(dir, 0o1777);
  process.env.TMPDIR = dir;
  return () => {
    if (before === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = before;
    rmSync(dir, { recursive: true, force: true });
  };
}
