/** Shared by the emulation tests: they need root and real namespaces, and clean up by their own prefix. */
import { execFileSync, spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { createSys, type Sys } from "../../src/sys/index.js";
import type { HynetEvent } from "../../src/events.js";
import { clean, type NodeHandle } from "../../src/net/index.js";

export const ROOT = path.join(import.meta.dirname, "../..");
export const PAPER = path.join(ROOT, "examples/paper/topology.yaml");
export const CLI = path.join(ROOT, "bin/hynet.js");

/** Root tests fail (never skip) without root or without the programs they drive. */
export function requireRoot(): void {
  if (process.getuid?.() !== 0) throw new Error("these tests create network namespaces: run them as root");
  for (const p of ["ip", "perl", "ping", "tcpdump"]) {
    if (spawnSync("sh", ["-c", `command -v ${p}`]).status !== 0) throw new Error(`${p} is missing: run bash scripts/setup.sh`);
  }
}

export function requireBuild(): void {
  if (!fs.existsSync(path.join(ROOT, "dist/cli/main.js"))) throw new Error("dist/ is missing: run `npm run build` (npm test does) first");
}

/** A prefix no other test or helper uses. */
export function uniquePrefix(): string {
  return "t" + Math.random().toString(36).slice(2, 7).replace(/^[0-9]/, "x");
}

export function tmpDir(tag: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `hynet-${tag}-`));
}

export function sh(argv: string[], input?: string): string {
  return execFileSync(argv[0], argv.slice(1), { encoding: "utf8", input, stdio: [input === undefined ? "ignore" : "pipe", "pipe", "pipe"] });
}

export function netnsWith(prefix: string): string[] {
  return sh(["ip", "netns", "list"])
    .split("\n")
    .map((l) => l.split(" ")[0])
    .filter((n) => n.startsWith(`${prefix}-`));
}

export function rootLinksWith(prefix: string): string[] {
  return (JSON.parse(sh(["ip", "-j", "link", "show"])) as { ifname: string }[]).map((l) => l.ifname).filter((n) => n.startsWith(prefix));
}

export function testSys(events: HynetEvent[] = [], dryRun = false): Sys {
  return createSys({ dryRun, emit: (e) => events.push(e) });
}

/** Last resort for a failed test: remove whatever the state folder recorded, and namespaces with the prefix. */
export async function sweep(stateDir: string, prefix: string): Promise<void> {
  await clean(testSys(), { stateDir, force: true }).catch(() => {});
  for (const ns of netnsWith(prefix)) spawnSync("ip", ["netns", "del", ns]);
  fs.rmSync(stateDir, { recursive: true, force: true });
}

export interface AddrJson {
  ifname: string;
  address: string;
  mtu: number;
  operstate: string;
  addr_info: { local: string; prefixlen: number; scope: string; family: string }[];
}

export function addrs(netns: string): Map<string, AddrJson> {
  const list = JSON.parse(sh(["ip", "-n", netns, "-j", "addr", "show"])) as AddrJson[];
  return new Map(list.map((l) => [l.ifname, l]));
}

export function globalAddrs(a: AddrJson | undefined): string[] {
  return (a?.addr_info ?? []).filter((x) => x.scope === "global").map((x) => `${x.local}/${x.prefixlen}`);
}

/**
 * Pings 10.0.2.20 three times from the paper topology's `lg` host and
 * returns what tcpdump saw on lg's rx port: the echo requests after they
 * crossed h1…h7 (rx has no address, as MoonGen's port, so nothing answers).
 */
export async function pingAcrossChain(lg: NodeHandle, lgNetns: string, o: { interval: string; wait: string; killAfterMs: number }): Promise<{ ping: string; dump: string }> {
  const dump = spawn("ip", ["netns", "exec", lgNetns, "tcpdump", "-l", "-n", "-e", "-v", "-c", "3", "-i", "rx", "icmp"], { stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  dump.stdout.on("data", (b: Buffer) => (out += b.toString()));
  await new Promise<void>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error("tcpdump did not start")), 15000);
    dump.stderr.on("data", (b: Buffer) => {
      if (b.toString().includes("listening on")) {
        clearTimeout(t);
        resolve();
      }
    });
  });
  const done = new Promise<number | null>((resolve) => dump.on("close", resolve));
  const ping = await lg.cmd(["ping", "-c", "3", "-i", o.interval, "-W", o.wait, "10.0.2.20"]);
  const timer = setTimeout(() => dump.kill("SIGKILL"), o.killAfterMs);
  const code = await done;
  clearTimeout(timer);
  if (code !== 0) throw new Error(`tcpdump on lg:rx saw fewer than 3 echo requests (exit ${code}): ${out}`);
  return { ping: ping.stdout, dump: out };
}
