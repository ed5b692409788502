/**
 * `hynet up`, `show` and `clean` as a user meets them after an interruption
 * or a crash, through the built CLI, as root (issue 17, item 7).
 */
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { CLI, netnsWith, requireBuild, requireRoot, sweep, tmpDir, uniquePrefix } from "./helpers.js";

function chainYaml(n: number): string {
  const hosts = Array.from({ length: n }, (_, i) => `  c${i}: {}`).join("\n");
  const links = Array.from({ length: n - 1 }, (_, i) => `  - { a: c${i}, b: c${i + 1} }`).join("\n");
  return `name: chain${n}\nhosts:\n${hosts}\nlinks:\n${links}\n`;
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

beforeAll(() => {
  requireRoot();
  requireBuild();
});

/** Start `hynet up` on a 60-host chain and wait until it has recorded its first link (namespaces exist, start not finished). */
async function upUntilLinks(tag: string): Promise<{ child: ReturnType<typeof spawn>; stateDir: string; prefix: string; exited: Promise<number | null>; stderr: () => string }> {
  const prefix = uniquePrefix();
  const stateDir = tmpDir(tag);
  cleanups.push(() => sweep(stateDir, prefix));
  const file = path.join(stateDir, "..", `${path.basename(stateDir)}-chain.yaml`);
  fs.writeFileSync(file, chainYaml(60));
  cleanups.push(async () => fs.rmSync(file, { force: true }));
  const child = spawn(process.execPath, [CLI, "up", file, "--prefix", prefix], { env: { ...process.env, HYNET_STATE_DIR: stateDir }, stdio: ["ignore", "pipe", "pipe"] });
  let err = "";
  child.stderr!.on("data", (d: Buffer) => (err += d.toString()));
  child.stdout!.resume();
  const exited = new Promise<number | null>((r) => child.on("exit", (c) => r(c)));
  const state = path.join(stateDir, `${prefix}.jsonl`);
  const until = Date.now() + 180_000;
  while (Date.now() < until) {
    if (fs.existsSync(state) && fs.readFileSync(state, "utf8").includes('"type":"link"')) break;
    await new Promise((r) => setTimeout(r, 2));
  }
  return { child, stateDir, prefix, exited, stderr: () => err };
}

/** Asynchronous, so that the test worker keeps answering vitest while the CLI works. */
async function cli(args: string[], stateDir: string): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const p = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, HYNET_STATE_DIR: stateDir }, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  p.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
  p.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  const status = await new Promise<number | null>((r) => p.on("close", (c) => r(c)));
  return { status, stdout, stderr };
}

describe("hynet up, interrupted or killed", () => {
  it("Ctrl-C during the start exits 130, as `hynet run` does, and leaves nothing", async () => {
    const u = await upUntilLinks("int");
    const t0 = Date.now();
    u.child.kill("SIGINT");
    expect(await u.exited).toBe(130);
    expect(Date.now() - t0).toBeLessThan(60_000);
    expect(u.stderr()).toMatch(/SIGINT: stopping and cleaning up/);
    expect(u.stderr().trim().split("\n").at(-1)).toMatch(/^hynet: error\[ABORTED\]/);
    expect(netnsWith(u.prefix)).toEqual([]);
  }, 300_000);

  it("after kill -9, `show` says what `clean` will remove instead of only 'no running network'", async () => {
    const u = await upUntilLinks("kill");
    u.child.kill("SIGKILL");
    await u.exited;
    const show = await cli(["show"], u.stateDir);
    expect(show.status).toBe(0);
    expect(show.stdout).toBe(`no running network in ${u.stateDir}\n1 network left behind by a process that ended (${u.prefix}): \`hynet clean\` removes it\n`);
    const clean = await cli(["clean"], u.stateDir);
    expect(clean.stdout).toContain(`${u.prefix} (chain60): removed`);
    expect(netnsWith(u.prefix)).toEqual([]);
    expect((await cli(["show"], u.stateDir)).stdout).toBe(`no running network in ${u.stateDir}\n`);
  }, 300_000);
});

describe("hynet up of a large topology", () => {
  it("summarises hundreds of host names instead of printing them all on one line", async () => {
    const dir = tmpDir("big");
    const file = path.join(dir, "big.yaml");
    fs.writeFileSync(file, chainYaml(300));
    const r = await cli(["up", file, "--dry-run", "--prefix", "hbig"], path.join(dir, "state"));
    expect(r.status).toBe(0);
    const last = r.stdout.trim().split("\n").at(-1)!;
    expect(last).toBe("dry run: nothing was made; without --dry-run, chain300 would be up as hbig: 300 hosts c0 c1 c2 c3 c4 c5 c6 c7 c8 c9 … c299 (hynet show lists them all)");
    fs.rmSync(dir, { recursive: true });
  }, 300_000);
});
