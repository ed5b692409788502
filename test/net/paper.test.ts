import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as fs from "node:fs";
import { loadTopology, type Topology } from "../../src/topo/index.js";
import { Net } from "../../src/net/index.js";
import { PAPER, addrs, pingAcrossChain, globalAddrs, netnsWith, requireRoot, sh, sweep, testSys, tmpDir, uniquePrefix } from "./helpers.js";

const prefix = uniquePrefix();
const stateDir = tmpDir("paper");
let topo: Topology;
let net: Net;

beforeAll(async () => {
  requireRoot();
  topo = await loadTopology(PAPER);
  net = new Net(topo, { host: "namespace", link: "veth" }, testSys(), { prefix, stateDir });
  await net.start();
});

afterAll(async () => {
  try {
    await net?.stop();
    expect(netnsWith(prefix)).toEqual([]);
    expect(fs.readdirSync(stateDir)).toEqual([]);
  } finally {
    await sweep(stateDir, prefix);
  }
});

describe("the paper topology on namespaces and veth", () => {
  it("has every address, MAC, route, neighbour and sysctl as declared", async () => {
    for (const h of topo.hosts) {
      const ns = `${prefix}-${h.name}`;
      expect(net.get(h.name).netns).toBe(ns);
      const live = addrs(ns);
      const ends = topo.links.flatMap((l) => [l.a, l.b]).filter((e) => e.node === h.name);
      expect([...live.keys()].sort()).toEqual(["lo", ...ends.map((e) => e.ifname)].sort());
      for (const e of ends) {
        expect(globalAddrs(live.get(e.ifname))).toEqual(e.addrs);
        expect(live.get(e.ifname)!.operstate).toBe("UP");
        if (e.mac) expect(live.get(e.ifname)!.address).toBe(e.mac);
      }
      const routes = JSON.parse(sh(["ip", "-n", ns, "-j", "route", "show"])) as { dst: string; gateway?: string }[];
      for (const r of h.routes) expect(routes).toContainEqual(expect.objectContaining({ dst: r.dst.replace(/\/32$/, ""), gateway: r.via }));
    }
    // Hand-checked against the seed: h1 → 10.0.3.200, h6 → 10.0.3.205.
    const h1 = JSON.parse(sh(["ip", "-n", `${prefix}-h1`, "-j", "route", "get", "10.0.2.20"])) as { gateway: string; dev: string }[];
    expect(h1[0]).toMatchObject({ gateway: "10.0.3.200", dev: "h1-eth0" });
    const h6 = JSON.parse(sh(["ip", "-n", `${prefix}-h6`, "-j", "route", "get", "10.0.2.20"])) as { gateway: string; dev: string }[];
    expect(h6[0]).toMatchObject({ gateway: "10.0.3.205", dev: "h6-eth1" });
    const neigh = JSON.parse(sh(["ip", "-n", `${prefix}-h7`, "-j", "neigh", "show", "10.0.2.20"])) as { dev: string; lladdr: string; state: string[] }[];
    expect(neigh).toEqual([expect.objectContaining({ dev: "h7-lg", lladdr: "56:54:00:00:00:01", state: ["PERMANENT"] })]);
    for (const h of ["h1", "h4", "h7"]) {
      const r = await net.get(h).cmd(["sysctl", "-n", "net.ipv4.ip_forward", "net.ipv4.conf.all.arp_ignore", "net.ipv4.conf.all.arp_announce", `net.ipv4.conf.${h}-eth0.rp_filter`]);
      expect(r.stdout.split("\n").filter(Boolean)).toEqual(["1", "1", "1", "0"]);
    }
    expect((await net.get("lg").cmd(["sysctl", "-n", "net.ipv4.ip_forward"])).stdout.trim()).toBe("0");
  });

  it("carries a packet from lg's tx port through h1…h7 to lg's rx port (TTL 64 - 7)", async () => {
    const ns = `${prefix}-lg`;
    const { ping, dump: out } = await pingAcrossChain(net.get("lg"), ns, { interval: "0.2", wait: "1", killAfterMs: 10000 });
    expect(ping).toMatch(/3 packets transmitted, 0 received/);
    const frames = out.split("\n").filter((l) => l.includes("ICMP echo request") || l.includes("> 56:54:00:00:00:01"));
    expect(out.match(/> 56:54:00:00:00:01/g)?.length).toBe(3);
    expect(out.match(/ttl 57,/g)?.length).toBe(3);
    expect(out.match(/10\.0\.0\.10 > 10\.0\.2\.20: ICMP echo request/g)?.length).toBe(3);
    expect(frames.length).toBeGreaterThan(0);
  });

  it("answers a ping from lg across the chain (with the return routes the test adds)", async () => {
    // The paper's routes only lead to 10.0.2.20 (the generator's rx port, which answers nothing). To see a reply,
    // route h7's lg-facing address 10.0.2.101 along the same chain and let h7 answer straight back over h7-lg.
    await net.get("lg").cmd(["ip", "route", "add", "10.0.2.101/32", "via", "10.0.0.101"]);
    for (let i = 0; i < 6; i++) {
      const r = await net.get(`h${i + 1}`).cmd(["ip", "route", "add", "10.0.2.101/32", "via", `10.0.3.2${String(i).padStart(2, "0")}`]);
      expect(r.code).toBe(0);
    }
    await net.get("h7").cmd(["ip", "route", "add", "10.0.0.0/24", "dev", "h7-lg"]);
    const before = JSON.parse(sh(["ip", "-n", `${prefix}-h4`, "-s", "-j", "link", "show", "h4-eth0"])) as { stats64: { rx: { packets: number } } }[];
    const r = await net.get("lg").cmd(["ping", "-c", "3", "-i", "0.2", "-W", "2", "10.0.2.101"], { timeoutMs: 20000 });
    expect(r.stdout).toMatch(/3 packets transmitted, 3 received/);
    // The requests crossed the middle of the chain.
    const after = JSON.parse(sh(["ip", "-n", `${prefix}-h4`, "-s", "-j", "link", "show", "h4-eth0"])) as { stats64: { rx: { packets: number } } }[];
    expect(after[0].stats64.rx.packets - before[0].stats64.rx.packets).toBeGreaterThanOrEqual(3);
  });

  it("runs commands with exit code and output, and names interfaces", async () => {
    const h1 = net.get("h1");
    const r = await h1.cmd(["sh", "-c", "echo out; echo err >&2; exit 3"]);
    expect(r).toEqual({ code: 3, stdout: "out\n", stderr: "err\n" });
    expect((await h1.cmd(["cat"], { input: "piped" })).stdout).toBe("piped");
    expect(h1.intf("h1-lg")).toMatchObject({ name: "h1-lg", ifname: "h1-lg", netns: `${prefix}-h1`, mac: "3e:e5:a8:40:0d:00" });
    expect(() => h1.intf("nope")).toThrow(/h1 has no interface "nope"/);
    expect(() => net.get("h9")).toThrow(/no host or switch "h9"/);
    expect(net.hosts().map((h) => h.name)).toEqual(["lg", "h1", "h2", "h3", "h4", "h5", "h6", "h7"]);
  });
});
