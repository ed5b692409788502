/**
 * bench/vm: boot-to-ready of VM hosts, with the accelerator used.
 *
 *   hynet 1 guest   boot-to-ready of a one-host topology with node kind
 *                   `vm` (256 MB, 1 vCPU): from starting QEMU to the guest's
 *                   agent answering (the kind's "ready in" figure). The whole
 *                   Net.start() (namespace, image check, configuration in the
 *                   guest) is printed too.
 *   hynet paper     the same for examples/paper/topology.yaml with the seven
 *                   chain hosts as `vm` guests booting in parallel (256 MB,
 *                   1 vCPU each; lg stays a namespace).
 *   anchor          the same kernel and initramfs started by a plain
 *                   `qemu-system-x86_64` command line — default machine and
 *                   firmware (SeaBIOS, option ROMs, bzImage), only the
 *                   virtio-serial port the guest's init waits for added —
 *                   timed from start to the same ready marker on the
 *                   console ("hynet: ready").
 * Repetitions alternate between hynet and the anchor so both see the same
 * machine load; the median counts.
 *
 *   npm run bench -- vm [--reps 3] [--paper-reps 1]
 *
 * Last line: `vm: <hynet 1-guest s>; anchor <plain qemu s>; ratio <hynet / anchor>`.
 */
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { loadTopology, Topo, type Topology } from "../../src/topo/index.js";
import { Net } from "../../src/net/index.js";
import { createSys } from "../../src/sys/index.js";
import type { HynetEvent } from "../../src/events.js";
import { defaultGuestImage } from "../../src/net/vm/image.js";

const { values } = parseArgs({ options: { reps: { type: "string", default: "3" }, "paper-reps": { type: "string", default: "1" } } });
const REPS = Number(values.reps);
const PAPER_REPS = Number(values["paper-reps"]);

if (process.getuid?.() !== 0) {
  console.error("bench/vm creates namespaces and taps: run it as root");
  process.exit(1);
}

const here = path.dirname(new URL(import.meta.url).pathname);
const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), "hynet-bench-vm-"));
let accel = "?";
let readyS = NaN;
const sys = createSys({
  emit: (e: HynetEvent) => {
    if (e.type !== "log") return;
    if (/accelerator (\w+)/.test(e.message)) accel = /accelerator (\w+ \([^)]*\))/.exec(e.message)?.[1] ?? accel;
    const m = /guests? ready in ([\d.]+) s/.exec(e.message);
    if (m) readyS = Number(m[1]);
  },
});

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Boot-to-ready and the whole Net.start(), in seconds. */
async function hynetStart(topo: Topology): Promise<{ ready: number; start: number }> {
  const net = new Net(topo, { host: "vm", link: "veth" }, sys, { stateDir });
  readyS = NaN;
  const t0 = performance.now();
  try {
    await net.start();
    return { ready: readyS, start: (performance.now() - t0) / 1000 };
  } finally {
    await net.stop();
  }
}

function oneGuest(): Topology {
  const t = new Topo("one");
  t.addHost("g1", { memory: "256M", cpus: 1 });
  return t.build();
}

async function paperTopo(): Promise<Topology> {
  const topo = await loadTopology(path.join(here, "../../examples/paper/topology.yaml"));
  for (const h of topo.hosts) {
    if (h.role === "loadgen") h.kind = "namespace";
    else h.params = { ...h.params, cpus: 1, memory: "256M" };
  }
  return topo;
}

/** Plain QEMU: default machine (pc), SeaBIOS, default devices and ROMs, the bzImage; time to the console marker. */
async function anchor(vmlinuz: string, initrd: string): Promise<number> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "hynet-bench-vm-anchor-"));
  const log = path.join(dir, "console.log");
  const argv = [
    "-m", "256", "-display", "none",
    "-kernel", vmlinuz, "-initrd", initrd, "-append", "console=ttyS0 hynet.name=anchor",
    "-serial", `file:${log}`,
    "-chardev", `socket,id=agent,path=${path.join(dir, "agent.sock")},server=on,wait=off`,
    "-device", "virtio-serial", "-device", "virtserialport,chardev=agent,name=hynet.agent",
  ];
  const t0 = performance.now();
  const q = spawn("qemu-system-x86_64", argv, { stdio: "ignore" });
  try {
    for (;;) {
      if (q.exitCode !== null) throw new Error(`plain qemu exited (${q.exitCode}) before its guest was ready`);
      if (performance.now() - t0 > 300_000) throw new Error("plain qemu guest not ready within 300 s");
      if (fs.existsSync(log) && fs.readFileSync(log, "utf8").includes("hynet: ready")) return (performance.now() - t0) / 1000;
      await new Promise((r) => setTimeout(r, 20));
    }
  } finally {
    q.kill("SIGKILL");
    await new Promise((r) => q.once("close", r));
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

try {
  const img = await defaultGuestImage(sys);
  const vmlinuz = path.join(path.dirname(img.kernel), "vmlinuz");
  // Warm-up (not counted): page cache, accelerator probe.
  await hynetStart(oneGuest());
  const one: number[] = [];
  const oneStart: number[] = [];
  const plain: number[] = [];
  for (let i = 0; i < REPS; i++) {
    const h = await hynetStart(oneGuest());
    one.push(h.ready);
    oneStart.push(h.start);
    plain.push(await anchor(vmlinuz, img.initrd));
    console.log(`rep ${i + 1}: hynet 1 guest ready ${h.ready.toFixed(2)} s (Net.start ${h.start.toFixed(2)} s), plain qemu ${plain.at(-1)!.toFixed(2)} s`);
  }
  const paper: number[] = [];
  const paperStart: number[] = [];
  const ptopo = await paperTopo();
  for (let i = 0; i < PAPER_REPS; i++) {
    const h = await hynetStart(ptopo);
    paper.push(h.ready);
    paperStart.push(h.start);
    console.log(`rep ${i + 1}: hynet paper, 7 guests in parallel ready ${h.ready.toFixed(2)} s (Net.start ${h.start.toFixed(2)} s)`);
  }
  const load = os.loadavg()[0].toFixed(1);
  console.log(`accelerator: ${accel}; ${os.cpus().length} cores; load average ${load}`);
  console.log(`hynet boot-to-ready: 1 guest ${median(one).toFixed(2)} s, 7 guests (paper) ${median(paper).toFixed(2)} s (median of ${REPS} / ${PAPER_REPS})`);
  console.log(`hynet Net.start(): 1 guest ${median(oneStart).toFixed(2)} s, 7 guests (paper) ${median(paperStart).toFixed(2)} s`);
  console.log(`anchor (plain qemu, default machine + firmware): ${median(plain).toFixed(2)} s`);
  console.log(`vm: ${median(one).toFixed(2)} s; anchor ${median(plain).toFixed(2)} s; ratio ${(median(one) / median(plain)).toFixed(2)}`);
} finally {
  fs.rmSync(stateDir, { recursive: true, force: true });
}
