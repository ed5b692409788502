import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { Topo } from "../../src/topo/index.js";
import { Net, clean } from "../../src/net/index.js";
import { AbortedError } from "../../src/errors.js";
import type { HynetEvent } from "../../src/events.js";
import { CLI, netnsWith, requireBuild, requireRoot, rootLinksWith, sh, sweep, testSys, tmpDir, uniquePrefix } from "./helpers.js";

function chainYaml(n: number): string {
  const hosts = Array.from({ length: n }, (_, i) => `  c${i}: { sysctls: { net.ipv4.ip_forward: 1 } }`).join("\n");
  const links = Array.from({ length: n - 1 }, (_, i) => `  - { a: { node: c${i}, addrs: 10.${i >> 8}.${i & 255}.1/24 }, b: { node: c${i + 1}, addrs: 10.${i >> 8}.${i & 255}.2/24 } }`).join("\n");
  return `name: chain${n}\nhosts:\n${hosts}\nswitches:\n  s0:\nlinks:\n${links}\n  - { a: c0, b: s0 }\n`;
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

beforeAll(() => requireRoot());

describe("cleanup", () => {
  it("after kill -9 of `hynet up` in the middle of its start, `hynet clean` leaves no namespace, link or bridge", async () => {
    requireBuild();
    const prefix = uniquePrefix();
    const stateDir = tmpDir("kill");
    cleanups.push(() => sweep(stateDir, prefix));
    const file = path.join(stateDir, "..", `${path.basename(stateDir)}-chain.yaml`);
    fs.writeFileSync(file, chainYaml(60));
    cleanups.push(async () => fs.rmSync(file, { force: true }));
    const child = spawn(process.execPath, [CLI, "up", file, "--prefix", prefix], { env: { ...process.env, HYNET_STATE_DIR: stateDir }, stdio: "ignore" });
    const exited = new Promise((r) => child.on("exit", r));
    const state = path.join(stateDir, `${prefix}.jsonl`);
    // Kill as soon as the links are being made: namespaces exist, the start is not finished.
    let text = "";
    const until = Date.now() + 180_000; // the CLI may take long to start on a loaded machine
    while (Date.now() < until) {
      text = fs.existsSync(state) ? fs.readFileSync(state, "utf8") : "";
      if (text.includes('"type":"link"')) break;
      await new Promise((r) => setTimeout(r, 2));
    }
    child.kill("SIGKILL");
    await exited;
    text = fs.readFileSync(state, "utf8");
    expect(text).not.toContain('"type":"started"');
    expect(netnsWith(prefix).length).toBeGreaterThan(0);

    const reports = await clean(testSys(), { stateDir });
    expect(reports).toHaveLength(1);
    expect(reports[0].net).toBe(prefix);
    expect(reports[0].removed).toContain(`netns ${prefix}-c0`);
    expect(reports[0].removed.every((r) => r.startsWith("netns ") || r.startsWith("process "))).toBe(true);
    expect(netnsWith(prefix)).toEqual([]);
    expect(rootLinksWith(prefix)).toEqual([]);
    expect(sh(["ip", "-o", "link", "show", "type", "bridge"])).not.toContain(prefix);
    expect(fs.readdirSync(stateDir)).toEqual([]);
  }, 300_000);

  it("a start that fails half way removes what it made and rethrows", async () => {
    const prefix = uniquePrefix();
    const stateDir = tmpDir("half");
    cleanups.push(() => sweep(stateDir, prefix));
    const t = new Topo("half");
    t.addHost("a", { interfaces: [{ dev: `${prefix}nodev`, addrs: ["10.9.0.1/24"] }] });
    t.addHost("b");
    t.addSwitch("s1");
    t.addLink("a", "b");
    t.addLink("b", "s1");
    const net = new Net(t.build(), { host: "namespace", link: "veth" }, testSys(), { prefix, stateDir });
    await expect(net.start()).rejects.toMatchObject({ code: "NO_SUCH_DEVICE" });
    expect(netnsWith(prefix)).toEqual([]);
    expect(fs.readdirSync(stateDir)).toEqual([]);
  });

  it("a sysctl the kernel does not have fails the start with the host and key named", async () => {
    const prefix = uniquePrefix();
    const stateDir = tmpDir("sysctl");
    cleanups.push(() => sweep(stateDir, prefix));
    const t = new Topo("sysctl");
    t.addHost("a", { sysctls: { "net.ipv4.no_such_knob": 1 } });
    const net = new Net(t.build(), { host: "namespace", link: "veth" }, testSys(), { prefix, stateDir });
    const e = await net.start().catch((x: unknown) => x);
    expect(e).toMatchObject({ code: "SYSCTL_FAILED" });
    expect((e as Error).message).toBe(`cannot set sysctl: ${prefix}-a: cannot set net.ipv4.no_such_knob (/proc/sys/net/ipv4/no_such_knob): No such file or directory`);
    expect(netnsWith(prefix)).toEqual([]);
  });

  it("Ctrl-C (abort) during start removes what was made", async () => {
    const prefix = uniquePrefix();
    const stateDir = tmpDir("abort");
    cleanups.push(() => sweep(stateDir, prefix));
    const t = new Topo("abort");
    t.addHost("a");
    t.addHost("b");
    t.addLink("a", "b");
    const ac = new AbortController();
    const events: HynetEvent[] = [];
    const sys = testSys(events);
    const net = new Net(t.build(), { host: "namespace", link: "veth" }, { ...sys, run: async (argv, o) => {
      const r = await sys.run(argv, o);
      if (argv.includes("-batch")) ac.abort(); // after the namespaces exist
      return r;
    } }, { prefix, stateDir });
    await expect(net.start(ac.signal)).rejects.toBeInstanceOf(AbortedError);
    expect(netnsWith(prefix)).toEqual([]);
    expect(fs.readdirSync(stateDir)).toEqual([]);
  });

  it("never touches what hynet did not make", async () => {
    const prefix = uniquePrefix();
    const stateDir = tmpDir("foreign");
    cleanups.push(() => sweep(stateDir, prefix));
    sh(["ip", "netns", "add", `${prefix}-mine`]); // same prefix, not recorded
    cleanups.push(async () => void spawnSync("ip", ["netns", "del", `${prefix}-mine`]));
    const t = new Topo("foreign");
    t.addHost("a");
    const net = new Net(t.build(), { host: "namespace", link: "veth" }, testSys(), { prefix, stateDir });
    await net.start();
    net.detach();
    const reports = await clean(testSys(), { stateDir });
    expect(reports[0].removed).toEqual([`netns ${prefix}-a`]);
    expect(netnsWith(prefix)).toEqual([`${prefix}-mine`]);
  });

  it("a bad topology file makes `hynet up` fail with one line and create nothing", () => {
    requireBuild();
    const stateDir = tmpDir("bad");
    const file = path.join(stateDir, "bad.yaml");
    fs.writeFileSync(file, "hosts:\n  h1:\nlinks:\n  - { a: h1, b: h2 }\n");
    const prefix = uniquePrefix();
    const r = spawnSync(process.execPath, [CLI, "up", file, "--prefix", prefix], { env: { ...process.env, HYNET_STATE_DIR: path.join(stateDir, "state") }, encoding: "utf8" });
    expect(r.status).toBe(1);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toContain(`error[TOPO_UNKNOWN_NODE] ${file}:4: links[0].b.node: unknown node "h2"`);
    expect(netnsWith(prefix)).toEqual([]);
    expect(fs.existsSync(path.join(stateDir, "state"))).toBe(false);
    fs.rmSync(stateDir, { recursive: true });
  }, 300_000);
});
