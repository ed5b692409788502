/** One smoke test of `hynet evaluate` through the built CLI (npm test builds dist first). */
import { describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { copyFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { files, makePair, read, tmp, type Pkt } from "./helpers.js";

const PRE: Pkt[] = [0, 1, 2].map((id) => ({ id, t: id * 1000 }));
const POST: Pkt[] = [0, 1, 2].map((id) => ({ id, t: id * 1000 + 700 }));

describe("hynet evaluate (CLI)", () => {
  it("evaluates a folder of pairs in parallel; a bad capture gives one error line and exit 1", async () => {
    const a = await makePair(PRE, POST, "x");
    await makePair(PRE, POST, "y").then((b) => {
      // both pairs in one folder
      copyFileSync(b.pre, path.join(a.dir, "latencies-pre-y.pcap"));
      copyFileSync(b.post, path.join(a.dir, "latencies-post-y.pcap"));
    });
    const out = tmp();
    const r = spawnSync(process.execPath, ["bin/hynet.js", "evaluate", a.dir, "--out", out, "--format", "csv", "--jobs", "2", "--reporter", "json"], { encoding: "utf8" });
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    const results = r.stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l))
      .filter((e) => e.type === "result");
    expect(results.map((e) => path.basename(e.data.pre)).sort()).toEqual(["latencies-pre-x.pcap", "latencies-pre-y.pcap"]);
    expect(results[0].data.latency_ns.p50).toBe(700);
    expect(files(out).length).toBe(2 * 13);
    expect(read(out, "latencies-pre-x.pcap.bucket_size100.trim_ms0.hist.csv")).toBe("latency_bucket,count\n700,3\n");

    writeFileSync(path.join(a.dir, "latencies-post-x.pcap"), "nope");
    const bad = spawnSync(process.execPath, ["bin/hynet.js", "evaluate", path.join(a.dir, "latencies-pre-x.pcap"), "--out", tmp()], { encoding: "utf8" });
    expect(bad.status).toBe(1);
    expect(bad.stdout).toBe("");
    expect(bad.stderr.trim().split("\n")).toEqual([
      `hynet: error[CAPTURE_NOT_A_CAPTURE] ${path.join(a.dir, "latencies-post-x.pcap")} (byte 0): not a pcap or pcapng capture: it starts with bytes 6e6f7065 (hint: hynet reads pcap (µs or ns) and pcapng, plain or compressed with zstd or gzip)`,
    ]);
  });
});
