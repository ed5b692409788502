/**
 * bench/hwpair: in the SR-IOV lab (`hynet lab sriov`, emulated igb NICs),
 * the paper topology up + down with link kind hwpair against the same with
 * veth (the anchor), alternating, median of --reps; and the VF provisioning
 * alone (sriov_numvfs 0 → 7 on both PFs of a cable until every VF netdev is
 * there, then back to 0).
 *
 *   npm run bench -- hwpair [--reps 3]
 *
 * Last line: `hwpair: <hwpair up+down s>; anchor <veth up+down s>; ratio <hwpair / veth>`.
 * Figures are from a TCG guest: they compare hwpair with veth on the same
 * emulated machine, not with real NICs.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { loadTopology } from "../../src/topo/index.js";
import { Net } from "../../src/net/index.js";
import { createSys } from "../../src/sys/index.js";
import { setNumVfs, waitVfNetdevs } from "../../src/sys/sriov.js";
import { loadMachine } from "../../src/net/machine.js";

const here = path.dirname(new URL(import.meta.url).pathname);
const root = path.join(here, "../..");
const { values } = parseArgs({ options: { reps: { type: "string", default: "3" } } });

if (process.env.HYNET_LAB !== "1") {
  // On the host: run this same file inside the lab; its output (and last line) is the bench's.
  if (process.getuid?.() !== 0) {
    console.error("bench/hwpair boots the SR-IOV lab: run it as root");
    process.exit(1);
  }
  const r = spawnSync("node", [path.join(root, "bin/hynet.js"), "lab", "sriov", "--", "node", "--import", "tsx", path.join(here, "main.ts"), "--reps", values.reps!], { cwd: root, stdio: "inherit" });
  process.exit(r.status ?? 1);
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const sys = createSys();
const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), "hynet-bench-hwpair-"));
const topo = await loadTopology(path.join(root, "examples/paper/topology.yaml"));

async function upDown(link: string): Promise<number> {
  const net = new Net(topo, { host: "namespace", link }, sys, { stateDir });
  const t0 = performance.now();
  await net.start();
  await net.stop();
  return (performance.now() - t0) / 1000;
}

async function provisioning(): Promise<number> {
  const m = await loadMachine();
  const { a, b } = m.pairs[0];
  const t0 = performance.now();
  for (const pf of [a, b]) await setNumVfs(sys, pf, m.vfs);
  for (const pf of [a, b]) await waitVfNetdevs(sys, pf, m.vfs);
  const t = (performance.now() - t0) / 1000;
  for (const pf of [a, b]) await setNumVfs(sys, pf, 0);
  return t;
}

const hw: number[] = [];
const ve: number[] = [];
const prov: number[] = [];
for (let i = 0; i < Number(values.reps); i++) {
  hw.push(await upDown("hwpair"));
  ve.push(await upDown("veth"));
  prov.push(await provisioning());
  console.log(`#${i + 1}: paper up+down hwpair ${hw[i].toFixed(2)} s, veth ${ve[i].toFixed(2)} s; VF provisioning (2 PFs x 7 VFs) ${prov[i].toFixed(2)} s`);
}
fs.rmSync(stateDir, { recursive: true, force: true });
const h = median(hw);
const v = median(ve);
console.log(`VF provisioning median ${median(prov).toFixed(2)} s (sriov_numvfs 0 -> 7 on both PFs of a cable until all 14 VF netdevs exist)`);
console.log(`hwpair: ${h.toFixed(2)} s; anchor ${v.toFixed(2)} s; ratio ${(h / v).toFixed(2)}`);
