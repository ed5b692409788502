import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import { loadTopology, Topo } from "../../src/topo/index.js";
import { Net, resolveNetns } from "../../src/net/index.js";
import type { HynetEvent, CommandEvent } from "../../src/events.js";
import { CLI, PAPER, addrs, globalAddrs, netnsWith, requireBuild, requireRoot, sh, sweep, testSys, tmpDir, uniquePrefix } from "./helpers.js";

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

beforeAll(() => requireRoot());

describe("namespace hosts, bridges, externals", () => {
  it("joins hosts through a bridge over IPv4 and IPv6, with MTU, and hands an external device in and back", async () => {
    const prefix = uniquePrefix();
    const stateDir = tmpDir("bridge");
    cleanups.push(() => sweep(stateDir, prefix));
    // An existing device hynet did not make (stands for a NIC virtual function).
    const [x0, x1] = [`${prefix}x0`, `${prefix}x1`];
    sh(["ip", "link", "add", x0, "address", "02:aa:00:00:00:01", "mtu", "1400", "type", "veth", "peer", "name", x1]);
    cleanups.push(async () => void spawnSync("ip", ["link", "del", x0]));

    const t = new Topo("bridged");
    t.addHost("h1", { interfaces: [{ dev: x0, ifname: "ext0", addrs: ["10.9.0.1/24"], mac: "02:bb:00:00:00:01", mtu: 1300 }] });
    t.addHost("h2", { routes: [{ dst: "10.8.0.0/16", dev: "h2-eth0" }, { dst: "default", via: "fd00::1" }] });
    t.addSwitch("s1");
    t.addLink("h1", "s1", { a: { addrs: ["10.0.0.1/24", "fd00::1/64"], mtu: 9000 }, b: { mtu: 9000 } });
    t.addLink("h2", "s1", { a: { addrs: ["10.0.0.2/24", "fd00::2/64"], mtu: 9000 }, b: { mtu: 9000 } });
    const net = new Net(t.build(), { host: "namespace", link: "veth", switch: "bridge" }, testSys(), { prefix, stateDir });
    await net.start();
    try {
      expect(netnsWith(prefix).sort()).toEqual([`${prefix}-h1`, `${prefix}-h2`, `${prefix}-s1`]);
      const h1 = addrs(`${prefix}-h1`);
      expect(globalAddrs(h1.get("h1-eth0"))).toEqual(["10.0.0.1/24", "fd00::1/64"]);
      expect(h1.get("h1-eth0")!.mtu).toBe(9000);
      expect(h1.get("ext0")).toMatchObject({ address: "02:bb:00:00:00:01", mtu: 1300, operstate: expect.stringMatching(/UP|LOWERLAYERDOWN/) });
      expect(globalAddrs(h1.get("ext0"))).toEqual(["10.9.0.1/24"]);
      expect(JSON.parse(sh(["ip", "-j", "link", "show"])).some((l: { ifname: string }) => l.ifname === x0)).toBe(false);
      const br = JSON.parse(sh(["ip", "-n", `${prefix}-s1`, "-j", "link", "show", "master", "s1"])) as { ifname: string }[];
      expect(br.map((p) => p.ifname).sort()).toEqual(["s1-eth0", "s1-eth1"]);
      expect((await net.get("h1").cmd(["ping", "-c", "2", "-i", "0.2", "-W", "2", "10.0.0.2"])).stdout).toMatch(/2 received/);
      expect((await net.get("h1").cmd(["ping", "-6", "-c", "2", "-i", "0.2", "-W", "2", "fd00::2"])).stdout).toMatch(/2 received/);
      // A big packet crosses the bridge unfragmented at MTU 9000.
      expect((await net.get("h1").cmd(["ping", "-M", "do", "-s", "8972", "-c", "1", "-W", "2", "10.0.0.2"])).code).toBe(0);
      const r = JSON.parse(sh(["ip", "-n", `${prefix}-h2`, "-j", "route", "show", "10.8.0.0/16"])) as { dev: string }[];
      expect(r[0].dev).toBe("h2-eth0");
      const r6 = JSON.parse(sh(["ip", "-n", `${prefix}-h2`, "-6", "-j", "route", "show", "default"])) as { gateway: string }[];
      expect(r6[0].gateway).toBe("fd00::1");
    } finally {
      await net.stop();
    }
    expect(netnsWith(prefix)).toEqual([]);
    // The external device is back, as it was.
    const back = JSON.parse(sh(["ip", "-j", "link", "show", x0])) as { address: string; mtu: number }[];
    expect(back[0]).toMatchObject({ address: "02:aa:00:00:00:01", mtu: 1400 });
  });

  it("runs two networks from the same file side by side; exec, show and down find them", async () => {
    requireBuild();
    const stateDir = tmpDir("two");
    const [p1, p2] = [uniquePrefix(), uniquePrefix()];
    cleanups.push(() => sweep(stateDir, p1), () => sweep(stateDir, p2));
    const topo = await loadTopology(PAPER);
    const a = new Net(topo, { host: "namespace", link: "veth" }, testSys(), { prefix: p1, stateDir });
    const b = new Net(topo, { host: "namespace", link: "veth" }, testSys(), { prefix: p2, stateDir });
    await a.start();
    await b.start();
    b.detach(); // as `hynet up` leaves it
    for (const p of [p1, p2]) {
      expect(netnsWith(p)).toHaveLength(8);
      expect(globalAddrs(addrs(`${p}-h1`).get("h1-lg"))).toEqual(["10.0.0.101/24"]);
    }
    expect((await a.get("lg").cmd(["ping", "-c", "1", "-W", "2", "10.0.0.101"])).code).toBe(0);
    expect(() => Net.attach(testSys(), { stateDir })).toThrow(/2 networks are running/);
    expect(await resolveNetns("h3", testSys(), { stateDir, net: p2 })).toBe(`${p2}-h3`);
    expect(await resolveNetns(`${p1}-h3`, testSys(), { stateDir })).toBe(`${p1}-h3`);

    const env = { ...process.env, HYNET_STATE_DIR: stateDir };
    // The command's output and exit code come through.
    const ex = spawnSync(process.execPath, [CLI, "exec", "--net", p2, "h7", "--", "sh", "-c", "ip -br addr show h7-lg; exit 7"], { env, encoding: "utf8" });
    expect(ex.status).toBe(7);
    expect(ex.stdout).toMatch(/^h7-lg@\S+\s+UP\s+10\.0\.2\.101\/24/);
    const show = spawnSync(process.execPath, [CLI, "show", "--json"], { env, encoding: "utf8" });
    const nets = JSON.parse(show.stdout) as { prefix: string; hosts: { name: string; netns: string; interfaces: { ifname: string; addrs: string[] }[] }[] }[];
    expect(nets.map((n) => n.prefix).sort()).toEqual([p1, p2].sort());
    const h2 = nets.find((n) => n.prefix === p1)!.hosts.find((h) => h.name === "h2")!;
    expect(h2.netns).toBe(`${p1}-h2`);
    expect(h2.interfaces).toEqual([
      expect.objectContaining({ ifname: "h2-eth0", addrs: ["10.0.3.200/32"] }),
      expect.objectContaining({ ifname: "h2-eth1", addrs: ["10.0.3.101/24"] }),
    ]);
    const down = spawnSync(process.execPath, [CLI, "down", "--net", p2], { env, encoding: "utf8" });
    expect(down.status).toBe(0);
    expect(netnsWith(p2)).toEqual([]);
    expect(netnsWith(p1)).toHaveLength(8);
    await a.stop();
    expect(netnsWith(p1)).toEqual([]);
    expect(fs.readdirSync(stateDir)).toEqual([]);
  }, 300_000);

  it("--dry-run prints every change as a command and changes nothing", async () => {
    const stateDir = tmpDir("dry");
    const events: HynetEvent[] = [];
    const net = new Net(await loadTopology(PAPER), { host: "namespace", link: "veth" }, testSys(events, true), { prefix: "tdry", stateDir });
    await net.start();
    await net.stop();
    const cmds = events.filter((e): e is CommandEvent => e.type === "command").map((e) => e.argv.join(" "));
    expect(cmds).toContain("ip netns add tdry-h1");
    expect(cmds).toContain("ip link add name h1-eth0 netns tdry-h1 type veth peer name h2-eth0 netns tdry-h2");
    expect(cmds).toContain("ip link add name tx netns tdry-lg type veth peer name h1-lg address 3e:e5:a8:40:0d:00 netns tdry-h1");
    expect(cmds).toContain("ip -n tdry-h1 addr add 10.0.3.100/24 dev h1-eth0");
    expect(cmds).toContain("ip -n tdry-h1 route replace 10.0.2.20/32 via 10.0.3.200");
    expect(cmds).toContain("ip -n tdry-h7 neigh replace 10.0.2.20 lladdr 56:54:00:00:00:01 dev h7-lg nud permanent");
    expect(cmds).toContain("ip netns exec tdry-h3 sysctl -w net.ipv4.ip_forward=1");
    expect(cmds).toContain("ip netns del tdry-h1");
    expect(netnsWith("tdry")).toEqual([]);
    expect(fs.readdirSync(stateDir)).toEqual([]);
    fs.rmSync(stateDir, { recursive: true });
  });
});
