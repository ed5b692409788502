/**
 * The built-in timestamper on its own, and `hynet calibrate`'s floor
 * measurement, on real namespaces. Needs root (fails otherwise).
 */
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { builtinTimestamper } from "../../src/capture/builtin.js";
import { calibrate } from "../../src/capture/calibration.js";
import { startBarePair } from "../../src/net/bare-pair.js";
import { captureFileNames } from "../../src/capture/timestamper.js";
import { statsCsv, timestampingOf } from "../../src/capture/stats.js";
import { builtinLoadGenerator } from "../../src/traffic/builtin.js";
import { evaluatePair, DEFAULT_PARAMS, loadCalibration } from "../../src/evaluate/index.js";
import { readFrames } from "../../src/evaluate/readers/index.js";
import { requireRoot, sys, uniquePrefix, vethPair, type VethPair } from "../traffic/helpers.js";

let dir: string;
let veth: VethPair;
beforeAll(async () => {
  requireRoot();
  dir = await mkdtemp(path.join(tmpdir(), "hynet-capture-"));
  veth = await vethPair("k");
});
afterAll(async () => {
  await veth?.destroy();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe("file names and stats", () => {
  it("follow the seed's names", () => {
    expect(captureFileNames()).toEqual({ pre: "latencies-pre.pcap", post: "latencies-post.pcap", stats: "latencies-stats.csv", meta: "latencies-capture.json" });
    expect(captureFileNames("rate50000").post).toBe("latencies-post-rate50000.pcap");
  });
  it("write one CSV row per sample and tap", () => {
    const s = { frames: 3, bytes: 252, drops: 1, freezes: 0, hwFrames: 0, afterStop: 0, hwEnabled: false, realtime: false, samples: [{ tsNs: 10n, frames: 0, bytes: 0, drops: 0 }, { tsNs: 20n, frames: 3, bytes: 252, drops: 1 }] };
    expect(statsCsv([{ tap: "pre", endpoint: "ns:eth0", stats: s, timestamping: "software" }])).toBe(
      "ts_ns,tap,endpoint,frames,bytes,kernel_drops,timestamping\n10,pre,ns:eth0,0,0,0,software\n20,pre,ns:eth0,3,252,1,software\n",
    );
    expect(timestampingOf({ frames: 3, hwFrames: 3 })).toBe("hardware");
    expect(timestampingOf({ frames: 3, hwFrames: 2 })).toBe("software");
    expect(timestampingOf({ frames: 0, hwFrames: 0 })).toBe("software");
  });
});

describe("the built-in timestamper", () => {
  it("stops by itself after --duration and leaves valid, header-only captures when nothing passed", async () => {
    const quiet = await vethPair("q");
    try {
      const s = await builtinTimestamper.start({ pre: quiet.a, post: quiet.b, outDir: dir, name: "idle", snaplen: 84, durationS: 0.3 }, sys);
      await sys.sleep(600);
      const r = await s.stop();
      expect(r.pre_frames).toBe(0);
      const info = await readFrames(r.pre, () => {});
      expect(info).toMatchObject({ format: "pcap", resolution: "ns", frames: 0, snaplen: 84, linktypes: [1] });
      const meta = JSON.parse(await readFile(path.join(dir, "latencies-capture-idle.json"), "utf8"));
      expect(meta).toMatchObject({ timestamping: "software", resolution: "ns", snaplen: 84 });
    } finally {
      await quiet.destroy();
    }
  });

  it("a tap whose interface is deleted mid-capture ends like a stop: no real-time busy loop, the file kept", async () => {
    const gone = await vethPair("g");
    try {
      const before = process.cpuUsage();
      const s = await builtinTimestamper.start({ pre: gone.a, post: gone.b, outDir: dir, name: "gone", snaplen: 84, realtime: true }, sys);
      await sys.sleep(300);
      await sys.run(["ip", "-n", gone.a.netns, "link", "del", gone.a.iface]);
      await sys.sleep(1500);
      const r = await s.stop();
      const used = process.cpuUsage(before);
      // The old loop re-polled a socket with a pending error and spun one capture thread per tap at SCHED_FIFO.
      expect((used.user + used.system) / 1e6).toBeLessThan(0.8);
      expect(existsSync(r.pre)).toBe(true);
      expect((await readFrames(r.pre, () => {})).format).toBe("pcap");
    } finally {
      await gone.destroy();
    }
  });

  it("`hynet capture` writes the pcaps and the stats CSV, says there were no drops, and stops cleanly at Ctrl-C", async () => {
    expect(existsSync("dist/cli/main.js"), "build first: npm run build").toBe(true);
    const out = path.join(dir, "cli");
    const child = spawn(process.execPath, ["bin/hynet.js", "capture", "--pre", `${veth.a.netns}:${veth.a.iface}`, "--post", `${veth.b.netns}:${veth.b.iface}`, "--out", out, "--name", "smoke"]);
    let stdout = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on("close", resolve));
    // The capture has started once its temporary files exist.
    const started = async () => existsSync(out) && (await readdir(out)).some((f) => f.startsWith(".latencies-post-smoke.pcap.partial-"));
    for (let i = 0; i < 600 && !(await started()); i++) await sys.sleep(100);
    expect(await started(), "the capture did not start within 60 s").toBe(true);
    await builtinLoadGenerator.run({ ...veth.a, rate: 10000, burst: 1, flows: 2, size: 84, packets: 2000, warmUpS: 0 }, sys);
    await sys.sleep(100);
    child.kill("SIGINT");
    expect(await exited).toBe(0);
    const m = /pre (\d+) frames → .*latencies-pre-smoke\.pcap; post (\d+) frames → .*latencies-post-smoke\.pcap; software timestamps; no kernel drops/.exec(stdout);
    expect(m, stdout).not.toBeNull();
    expect(Number(m![1])).toBe(2000);
    expect(Number(m![2])).toBe(2000);
    expect((await readdir(out)).sort()).toEqual(["latencies-capture-smoke.json", "latencies-post-smoke.pcap", "latencies-pre-smoke.pcap", "latencies-stats-smoke.csv"]);
  });
});

describe("calibration", () => {
  it("measures the floor across a bare veth pair, writes summary.json for evaluate --calibration, and removes its namespaces", async () => {
    const prefix = uniquePrefix("f").slice(0, 8);
    const out = path.join(dir, "calibration");
    const r = await calibrate({ outDir: out, rate: 10000, packets: 3000, size: 84, burst: 1, snaplen: 84, prefix }, sys, {
      loadgen: builtinLoadGenerator,
      timestamper: builtinTimestamper,
      network: startBarePair,
      evaluate: (pre, post, o) => evaluatePair(pre, post, o, { ...DEFAULT_PARAMS, formats: ["csv"] }, sys),
    });
    expect(r.matched).toBe(3000);
    expect(r.latency_ns.min!).toBeGreaterThan(0);
    expect(r.latency_ns.p50!).toBeLessThan(1_000_000);
    const c = await loadCalibration(r.summary);
    expect(c.floor_p50_ns).toBe(r.latency_ns.p50);
    const j = JSON.parse(await readFile(r.summary, "utf8"));
    expect(j.calibration).toMatchObject({ kind: "timestamper-floor", timestamping: "software", packets: 3000, sent: 3000, pre_dropped: 0, post_dropped: 0 });
    const { stdout } = await sys.run(["ip", "netns", "list"]);
    expect(stdout).not.toContain(prefix);
  });
});
