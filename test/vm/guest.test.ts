/**
 * One real QEMU guest (TCG here) as a `vm_opt` host linked to a namespace host:
 * it boots, the agent runs commands (exit code, stdout, stderr, stdin,
 * timeout), the topology's addresses/MAC/MTU/route/neighbour/sysctl are in
 * the guest, and a ping crosses veth → bridge → tap → virtio-net. One guest
 * is booted for the whole file (TCG boots are slow). The seed's optimized
 * command line and vCPU pinning are checked; `hynet clean` (not stop())
 * removes it at the end, as after a crash. The plain `vm` kind runs in
 * paper.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as fs from "node:fs";
import { Topo } from "../../src/topo/index.js";
import { Net, clean } from "../../src/net/index.js";
import { OPT_CMDLINE } from "../../src/net/nodes/vm.js";
import type { HynetEvent } from "../../src/events.js";
import { spawnSync } from "node:child_process";
import { CLI, netnsWith, requireBuild, requireRoot, sh, sweep, testSys, tmpDir, uniquePrefix } from "../net/helpers.js";
import { requireQemu, qemuPidsWith } from "./helpers.js";

const prefix = uniquePrefix();
const stateDir = tmpDir("vm");
const events: HynetEvent[] = [];
let net: Net;

beforeAll(async () => {
  requireRoot();
  requireQemu();
  const t = new Topo();
  t.addHost("ns1", { kind: "namespace" });
  t.addHost("g1", { kind: "vm_opt", memory: "256M", sysctls: { "net.ipv4.ip_forward": 1, "net.ipv4.conf.*.rp_filter": 0 }, routes: [{ dst: "10.9.9.0/24", via: "10.0.5.1" }], neighbors: [{ ip: "10.0.5.7", mac: "56:54:00:00:00:07" }] });
  t.addLink("ns1", "g1", { a: { ifname: "to-g1", addrs: ["10.0.5.1/24"] }, b: { ifname: "up0", addrs: ["10.0.5.2/24"], mac: "3e:e5:a8:40:0d:00", mtu: 1400 } });
  net = new Net(t.build(), { host: "vm", link: "veth" }, testSys(events), { prefix, stateDir });
  await net.start();
}, 300_000);

afterAll(async () => {
  try {
    // As after a kill -9 of the owner: clean by the state file alone.
    const reports = await clean(testSys(), { stateDir, force: true });
    expect(reports[0].removed).toEqual(expect.arrayContaining([expect.stringMatching(/^process \d+ \(qemu g1\)$/), `netns ${prefix}-g1`]));
    expect(netnsWith(prefix)).toEqual([]);
    expect(qemuPidsWith(stateDir)).toEqual([]);
    expect(fs.readdirSync(stateDir)).toEqual([]);
  } finally {
    await sweep(stateDir, prefix);
  }
}, 60_000);

describe("a vm host", () => {
  it("says the accelerator once and runs as a guest with its own kernel", async () => {
    const said = events.filter((e) => e.type === "log" && /accelerator (TCG|KVM)/.test(e.message));
    expect(said).toHaveLength(1);
    const g = net.get("g1");
    expect(g.kind).toBe("vm_opt");
    expect(g.netns).toBeUndefined();
    const r = await g.cmd(["uname", "-r"]);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toMatch(/-amd64$/);
    expect((await g.cmd(["hostname"])).stdout.trim()).toBe("g1");
  });

  it("returns exit code, stdout and stderr exactly, and takes stdin", async () => {
    const g = net.get("g1");
    const r = await g.cmd(["sh", "-c", 'printf "out\\n\\n"; printf "err it\'s" >&2; exit 3']);
    expect(r).toEqual({ code: 3, stdout: "out\n\n", stderr: "err it's" });
    const q = await g.cmd(["echo", "a b", "*", "$HOME", "'q'"]);
    expect(q.stdout).toBe("a b * $HOME 'q'\n");
    const c = await g.cmd(["cat"], { input: "line1\nline2 ✓\n" });
    expect(c).toEqual({ code: 0, stdout: "line1\nline2 ✓\n", stderr: "" });
    const missing = await g.cmd(["no-such-program"]);
    expect(missing.code).toBe(127);
    expect(missing.stderr).toMatch(/not found/);
  });

  it("runs concurrent commands one after the other, each getting its own result", async () => {
    const g = net.get("g1");
    const rs = await Promise.all([1, 2, 3].map((i) => g.cmd(["sh", "-c", `echo ${i}; exit ${i}`])));
    expect(rs.map((r) => [r.code, r.stdout])).toEqual([
      [1, "1\n"],
      [2, "2\n"],
      [3, "3\n"],
    ]);
  });

  it("kills a command at its timeout and says so", async () => {
    const g = net.get("g1");
    const t0 = performance.now();
    await expect(g.cmd(["sleep", "30"], { timeoutMs: 800 })).rejects.toMatchObject({ code: "COMMAND_TIMEOUT" });
    expect(performance.now() - t0).toBeLessThan(10_000);
    // The guest is fine afterwards and the sleep is gone.
    const ps = await g.cmd(["ps"]);
    expect(ps.stdout).not.toMatch(/sleep 30$/m);
  });

  it("has the topology's interface name, MAC, MTU, address, route, neighbour and sysctls", async () => {
    const g = net.get("g1");
    const link = JSON.parse((await g.cmd(["ip", "-j", "addr", "show", "dev", "up0"])).stdout) as { address: string; mtu: number; operstate: string; addr_info: { local: string; prefixlen: number }[] }[];
    expect(link[0]).toMatchObject({ address: "3e:e5:a8:40:0d:00", mtu: 1400 });
    expect(link[0].addr_info.map((a) => `${a.local}/${a.prefixlen}`)).toContain("10.0.5.2/24");
    expect((await g.cmd(["ip", "route", "show", "10.9.9.0/24"])).stdout).toMatch(/via 10\.0\.5\.1 dev up0/);
    expect((await g.cmd(["ip", "neigh", "show", "10.0.5.7"])).stdout).toMatch(/lladdr 56:54:00:00:00:07 PERMANENT/);
    expect((await g.cmd(["cat", "/proc/sys/net/ipv4/ip_forward", "/proc/sys/net/ipv4/conf/up0/rp_filter"])).stdout).toBe("1\n0\n");
  });

  it("passes traffic between the namespace host and the guest", async () => {
    const r = await net.get("ns1").cmd(["ping", "-c", "3", "-i", "0.2", "-W", "5", "10.0.5.2"]);
    expect(r.stdout).toMatch(/3 received/);
    const back = await net.get("g1").cmd(["ping", "-c", "2", "-W", "5", "10.0.5.1"]);
    expect(back.stdout).toMatch(/2 packets received/);
  });

  it("boots vm_opt with the seed's optimized command line and pinned vCPU threads", async () => {
    const cmdline = (await net.get("g1").cmd(["cat", "/proc/cmdline"])).stdout;
    expect(cmdline).toContain(OPT_CMDLINE);
    const pid = (net.records().find((r) => r.type === "process") as { pid: number }).pid;
    const tasks = fs.readdirSync(`/proc/${pid}/task`);
    const vcpus = tasks.filter((t) => /^CPU \d+\//.test(fs.readFileSync(`/proc/${pid}/task/${t}/comm`, "utf8")));
    expect(vcpus.length).toBe(1);
    // One vm_opt guest with no cpu_pin: its vCPU 0 goes to the first online core.
    const status = fs.readFileSync(`/proc/${pid}/task/${vcpus[0]}/status`, "utf8");
    expect(/Cpus_allowed_list:\s*(\S+)/.exec(status)?.[1]).toBe("0");
  });

  it("runs `hynet exec` in the guest from another process (found through the state file)", () => {
    requireBuild();
    const r = spawnSync(process.execPath, [CLI, "exec", "--net", prefix, "g1", "--", "sh", "-c", "hostname; echo oops >&2; exit 5"], {
      encoding: "utf8",
      env: { ...process.env, HYNET_STATE_DIR: stateDir },
    });
    expect(r.stdout).toBe("g1\n");
    expect(r.stderr).toContain("oops\n");
    expect(r.status).toBe(5);
  });

  it("records its QEMU process and taps in the state file", () => {
    const recs = net.records();
    const proc = recs.filter((r) => r.type === "process");
    expect(proc).toEqual([expect.objectContaining({ what: "qemu g1" })]);
    expect(recs).toContainEqual({ type: "link", name: "tap0", netns: `${prefix}-g1` });
    const pid = (proc[0] as { pid: number }).pid;
    expect(sh(["ps", "-o", "comm=", "-p", String(pid)]).trim()).toMatch(/qemu-system/);
  });
});
