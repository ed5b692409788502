/**
 * bench/emulation: start + stop of the paper topology and of a 200-host chain,
 * hynet (library, namespaces + veth) against Mininet 2.3 (mininet.node.Host,
 * mininet.link.Link, no controller, no switch) building the same networks in
 * the same run. Repetitions alternate between the two so both see the same
 * machine load; the median counts.
 *
 *   npm run bench -- emulation [--hosts 200] [--paper-reps 5] [--chain-reps 2]
 *
 * Last line: `emulation: <hynet 200-chain s>; anchor <mininet 200-chain s>; ratio <hynet / mininet>`.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { loadTopology, Topo, type Topology } from "../../src/topo/index.js";
import { Net } from "../../src/net/index.js";
import { createSys } from "../../src/sys/index.js";

const here = path.dirname(new URL(import.meta.url).pathname);
const { values } = parseArgs({
  options: { hosts: { type: "string", default: "200" }, "paper-reps": { type: "string", default: "5" }, "chain-reps": { type: "string", default: "2" } },
});
const N = Number(values.hosts);

if (process.getuid?.() !== 0) {
  console.error("bench/emulation creates namespaces: run it as root");
  process.exit(1);
}
const mininetOk = spawnSync("/usr/bin/python3", ["-c", "import mininet.net"]).status === 0;
if (!mininetOk) {
  console.error("Mininet is missing: bash scripts/setup.sh --bench (Debian package mininet)");
  process.exit(1);
}

function chainTopo(n: number): Topology {
  const t = new Topo(`chain${n}`);
  for (let i = 0; i < n; i++) t.addHost(`c${i}`, { sysctls: { "net.ipv4.ip_forward": 1 } });
  for (let i = 0; i < n - 1; i++) {
    t.addLink(`c${i}`, `c${i + 1}`, { a: { addrs: [`10.${i >> 8}.${i & 255}.1/24`] }, b: { addrs: [`10.${i >> 8}.${i & 255}.2/24`] } });
  }
  return t.build();
}

const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), "hynet-bench-emulation-"));
const sys = createSys();

async function hynet(topo: Topology): Promise<{ start: number; stop: number }> {
  const net = new Net(topo, { host: "namespace", link: "veth" }, sys, { stateDir });
  const t0 = performance.now();
  await net.start();
  const t1 = performance.now();
  await net.stop();
  const t2 = performance.now();
  return { start: (t1 - t0) / 1000, stop: (t2 - t1) / 1000 };
}

function mininet(args: string[]): { start: number; stop: number } {
  const r = spawnSync("/usr/bin/python3", [path.join(here, "mininet_chain.py"), ...args], { encoding: "utf8" });
  const m = /start ([\d.]+) stop ([\d.]+)/.exec(r.stdout);
  if (r.status !== 0 || !m) throw new Error(`mininet ${args.join(" ")} failed: ${r.stderr.trim().split("\n").slice(-3).join(" | ")}`);
  return { start: Number(m[1]), stop: Number(m[2]) };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const fmt = (s: number) => s.toFixed(3);

async function compare(label: string, topo: Topology, mnArgs: string[], reps: number): Promise<{ h: number; m: number }> {
  const hs: number[] = [];
  const ms: number[] = [];
  for (let i = 0; i < reps; i++) {
    const h = await hynet(topo);
    const m = mininet(mnArgs);
    hs.push(h.start + h.stop);
    ms.push(m.start + m.stop);
    console.log(`${label} #${i + 1}: hynet start ${fmt(h.start)} s + stop ${fmt(h.stop)} s; mininet start ${fmt(m.start)} s + stop ${fmt(m.stop)} s`);
  }
  const h = median(hs);
  const m = median(ms);
  console.log(`${label}: hynet ${fmt(h)} s; mininet ${fmt(m)} s; ratio ${(h / m).toFixed(2)} (median of ${reps})`);
  return { h, m };
}

try {
  console.log(`load average before: ${os.loadavg().map((x) => x.toFixed(2)).join(" ")} on ${os.cpus().length} CPUs`);
  await compare("paper (8 hosts, 8 links)", await loadTopology(path.join(here, "../../examples/paper/topology.yaml")), ["paper"], Number(values["paper-reps"]));
  const chain = await compare(`chain of ${N} hosts`, chainTopo(N), ["chain", String(N)], Number(values["chain-reps"]));
  console.log(`load average after: ${os.loadavg().map((x) => x.toFixed(2)).join(" ")}`);
  console.log(`emulation: ${fmt(chain.h)} s; anchor ${fmt(chain.m)} s; ratio ${(chain.h / chain.m).toFixed(2)}`);
} finally {
  fs.rmSync(stateDir, { recursive: true, force: true });
}
