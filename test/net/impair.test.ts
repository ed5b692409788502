/**
 * Link impairments on real namespaces: the rate (tbf) measured with hynet's
 * own generator and timestamper, changed on the running network, and the
 * missing-qdisc error for netem on a kernel without it — before anything
 * is made. Needs root (fails otherwise).
 */
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { parseTopology, type Impairment } from "../../src/topo/index.js";
import { Net, qdiscsNeeded } from "../../src/net/index.js";
import { qdiscPresence } from "../../src/sys/tc.js";
import { builtinLoadGenerator } from "../../src/traffic/builtin.js";
import { builtinTimestamper } from "../../src/capture/builtin.js";
import { testFrames } from "../traffic/helpers.js";
import { spawnSync } from "node:child_process";
import { CLI, netnsWith, requireBuild, requireRoot, sh, sweep, testSys, tmpDir, uniquePrefix } from "./helpers.js";

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});
beforeAll(() => requireRoot());

const FRAME = 84;

function pair(params: string): string {
  return `hosts:\n  h1:\n  h2:\nlinks:\n  - a: h1\n    b: h2\n    params: ${params}\n`;
}

async function startNet(yaml: string, stateDir = tmpDir("impair")): Promise<{ net: Net; prefix: string }> {
  const prefix = uniquePrefix();
  cleanups.push(() => sweep(stateDir, prefix));
  const net = new Net(parseTopology(yaml, "impair.yaml"), { host: "namespace", link: "veth" }, testSys(), { prefix, stateDir });
  await net.start();
  cleanups.push(() => (net.isStarted() ? net.stop() : Promise.resolve()));
  return { net, prefix };
}

/**
 * Offer frames well above the limit from h1 and measure, on h2's capture,
 * the rate the link delivers: bits between the first and the last frame
 * (tbf counts the frame without FCS, as the capture does).
 */
async function measuredRateBps(net: Net, offeredPps: number, seconds: number): Promise<number> {
  const sys = testSys();
  const dir = tmpDir("impair-cap");
  cleanups.push(async () => void sh(["rm", "-rf", dir]));
  const tx = { netns: net.get("h1").netns, iface: "h1-eth0" };
  const rx = { netns: net.get("h2").netns, iface: "h2-eth0" };
  const session = await builtinTimestamper.start({ pre: tx, post: rx, outDir: dir, name: "rate", snaplen: FRAME }, sys);
  await builtinLoadGenerator.run({ ...tx, rate: offeredPps, burst: 1, flows: 1, size: FRAME, packets: Math.round(offeredPps * seconds), warmUpS: 0 }, sys);
  // The queue drains after the sender ends.
  await sys.sleep(300);
  const c = await session.stop();
  const { frames } = await testFrames(c.post);
  expect(frames.length).toBeGreaterThan(100);
  const spanNs = Number(frames[frames.length - 1].ts - frames[0].ts);
  return ((frames.length - 1) * FRAME * 8) / (spanNs / 1e9);
}

describe("rate limit (tbf) on a veth link", () => {
  it("delivers the configured rate in the a→b direction, and a changed rate on the running link", async () => {
    const { net, prefix } = await startNet(pair("{ a_to_b: { rate: 8mbit, queue: 100 } }"));
    const q = sh(["tc", "-n", `${prefix}-h1`, "qdisc", "show", "dev", "h1-eth0"]);
    expect(q).toMatch(/qdisc tbf 1: root .*rate 8Mbit/);
    // b→a is not impaired: veth's default (no queue) stays.
    expect(sh(["tc", "-n", `${prefix}-h2`, "qdisc", "show", "dev", "h2-eth0"])).toMatch(/noqueue/);

    // 8 Mbit/s of 84-byte frames is 11 905 pps; offer 2×.
    const r1 = await measuredRateBps(net, 24000, 1.5);
    expect(Math.abs(r1 - 8e6) / 8e6).toBeLessThan(0.05);

    await net.setImpairment(0, "a", { rateBps: 4_000_000, queue: 100 });
    const r2 = await measuredRateBps(net, 12000, 1.5);
    expect(Math.abs(r2 - 4e6) / 4e6).toBeLessThan(0.05);

    await net.setImpairment(0, "a", undefined);
    expect(sh(["tc", "-n", `${prefix}-h1`, "qdisc", "show", "dev", "h1-eth0"])).not.toMatch(/tbf/);
  }, 60_000);

  it("a queue limit alone is a pfifo of that many packets", async () => {
    const { prefix } = await startNet(pair("{ queue: 7 }"));
    for (const h of ["h1", "h2"]) expect(sh(["tc", "-n", `${prefix}-${h}`, "qdisc", "show", "dev", `${h}-eth0`])).toMatch(/qdisc pfifo 1: root .*limit 7p/);
  });
});

describe("delay on a kernel without netem", () => {
  it("stops with LINK_QDISC_MISSING naming netem and the link before anything is made (or applies netem where the kernel has it)", async () => {
    const imp: Impairment = { delayNs: 5_000_000 };
    expect(qdiscsNeeded(imp)).toEqual(["netem"]);
    const yaml = pair("{ delay: 5ms, rate: 10mbit }");
    if ((await qdiscPresence("netem")) === "no") {
      const prefix = uniquePrefix();
      const stateDir = tmpDir("impair");
      cleanups.push(() => sweep(stateDir, prefix));
      const net = new Net(parseTopology(yaml, "impair.yaml"), { host: "namespace", link: "veth" }, testSys(), { prefix, stateDir });
      expect((await net.impairmentProblems()).map((e) => e.message)).toEqual([
        'link 0 (h1:h1-eth0 → h2:h2-eth0): this machine\'s kernel has no "netem" queueing discipline (sch_netem), which its impairments need',
        'link 0 (h2:h2-eth0 → h1:h1-eth0): this machine\'s kernel has no "netem" queueing discipline (sch_netem), which its impairments need',
      ]);
      await expect(net.start()).rejects.toMatchObject({ code: "LINK_QDISC_MISSING", hint: expect.stringMatching(/netem/) });
      expect(netnsWith(prefix)).toEqual([]);
    } else {
      const { prefix } = await startNet(yaml);
      expect(sh(["tc", "-n", `${prefix}-h1`, "qdisc", "show", "dev", "h1-eth0"])).toMatch(/netem 10: parent 1:1 .*delay 5ms/);
    }
  });

  it("a running link refuses a delay with the same error and keeps what it had", async () => {
    if ((await qdiscPresence("netem")) !== "no") return void expect(await qdiscPresence("netem")).toBe("yes");
    const { net, prefix } = await startNet(pair("{ rate: 10mbit }"));
    await expect(net.setImpairment(0, "b", { delayNs: 1_000_000 })).rejects.toMatchObject({ code: "LINK_QDISC_MISSING" });
    expect(sh(["tc", "-n", `${prefix}-h2`, "qdisc", "show", "dev", "h2-eth0"])).toMatch(/tbf 1: root .*rate 10Mbit/);
  });
});

describe("hynet link set", () => {
  it("changes one direction by end name, both by index, and removes impairments with none", async () => {
    requireBuild();
    const stateDir = tmpDir("impair-cli");
    const { net, prefix } = await startNet(pair("{ rate: 10mbit }"), stateDir);
    net.detach();
    const env = { ...process.env, HYNET_STATE_DIR: stateDir };
    const cli = (...a: string[]) => spawnSync(process.execPath, [CLI, "link", "set", prefix, ...a], { env, encoding: "utf8" });
    const qdisc = (h: string) => sh(["tc", "-n", `${prefix}-${h}`, "qdisc", "show", "dev", `${h}-eth0`]);

    const one = cli("h2:h2-eth0", "rate=2mbit", "queue=20");
    expect(one.stderr).toBe("");
    expect(one.status).toBe(0);
    expect(one.stdout).toMatch(/link h2:h2-eth0: rate 2mbit, queue 20/);
    expect(qdisc("h2")).toMatch(/tbf 1: root .*rate 2Mbit/);
    expect(qdisc("h1")).toMatch(/tbf 1: root .*rate 10Mbit/);

    expect(cli("0", "queue=9").status).toBe(0);
    for (const h of ["h1", "h2"]) expect(qdisc(h)).toMatch(/pfifo 1: root .*limit 9p/);
    expect(cli("0", "none").status).toBe(0);
    for (const h of ["h1", "h2"]) expect(qdisc(h)).toMatch(/noqueue/);

    const bad = cli("0", "dealy=5ms");
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/error\[USAGE\].*unknown impairment "dealy"/);
    const noEnd = cli("h1:eth9", "delay=1ms");
    expect(noEnd.status).toBe(2);
    expect(noEnd.stderr).toMatch(/no link end "h1:eth9".*hint: links: 0 to 0, or an end: h1:h1-eth0, h2:h2-eth0/);
    const down = spawnSync(process.execPath, [CLI, "down", "--net", prefix], { env, encoding: "utf8" });
    expect(down.status).toBe(0);
    expect(netnsWith(prefix)).toEqual([]);
  }, 30_000);
});
