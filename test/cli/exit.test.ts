/**
 * How commands end, through the built CLI as real subprocesses with time
 * limits: unwritable output paths, a closed stdout, signals (issue 17).
 */
import { describe, expect, it, vi } from "vitest";
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { writeRun } from "../report/fixture.js";
import { handleInterrupts, STOP_GRACE_MS } from "../../src/cli/exit.js";
import { ensureDir, removeEmptyDirs } from "../../src/sys/files.js";
import type { HynetEvent } from "../../src/events.js";

const BIN = path.resolve("bin/hynet.js");

function hynet(args: string[], timeout = 20_000) {
  return spawnSync(process.execPath, [BIN, ...args], { encoding: "utf8", timeout });
}

function scratch(): string {
  return mkdtempSync(path.join(tmpdir(), "hynet-exit-"));
}

/** A synthetic pair in a fresh folder, as `hynet synth` writes it. */
function pair(): string {
  const dir = scratch();
  const r = hynet(["synth", "--out", dir, "--name", "x", "--packets", "50"]);
  expect(r.status).toBe(0);
  return dir;
}

function oneFileError(r: ReturnType<typeof hynet>): void {
  expect(r.error).toBeUndefined(); // set when the time limit killed it
  expect(r.stderr.trim().split("\n")).toHaveLength(1);
  expect(r.stderr).toMatch(/^hynet: error\[FILE_[A-Z_]+\] /);
  expect(r.status).toBe(1);
}

describe("an output path hynet cannot create fails at once with one FILE_ line", () => {
  it("synth --out /proc/x (Node's recursive mkdir loops forever there)", () => {
    const t0 = Date.now();
    const r = hynet(["synth", "--out", "/proc/x", "--packets", "10"]);
    oneFileError(r);
    expect(r.stderr).toContain("/proc/x");
    expect(Date.now() - t0).toBeLessThan(10_000);
  });

  it("synth --out /proc: a folder that exists but takes no files is not reported as a missing file", () => {
    const r = hynet(["synth", "--out", "/proc", "--packets", "10"]);
    oneFileError(r);
    expect(r.stderr).toMatch(/^hynet: error\[FILE_CANNOT_CREATE\] \/proc\/latencies-pre\.pcap: cannot create file: \/proc exists but accepts no new files/);
  });

  it("evaluate --out /proc/x, leaving nothing", () => {
    oneFileError(hynet(["evaluate", pair(), "--out", "/proc/x/eval"]));
  });

  it("report --out /proc/x", () => {
    const results = scratch();
    writeRun(results, { rate: 50_000, node: "namespace", link: "veth", packets: 200 });
    oneFileError(hynet(["report", results, "--out", "/proc/x"]));
  });

  it("run --out /proc/x, before any network is made", () => {
    oneFileError(hynet(["run", "examples/quick/experiment.yaml", "--out", "/proc/x/results"]));
  });

  it("a read-only file system is reported as read-only, not as a missing file", () => {
    const mnt = scratch();
    const r = spawnSync("unshare", ["-m", "sh", "-c", `mount -t tmpfs -o ro none "${mnt}" && exec "${process.execPath}" "${BIN}" synth --out "${mnt}/d" --packets 10`], {
      encoding: "utf8",
      timeout: 20_000,
    });
    expect(r.stderr.trim()).toBe(`hynet: error[FILE_EROFS] ${mnt}/d: cannot create folder: read-only file system`);
    expect(r.status).toBe(1);
  });
});

describe("a closed stdout ends output quietly", () => {
  it("hynet plan … | head -1 prints one line, no stack, exit 0", () => {
    const r = spawnSync("bash", ["-c", `"${process.execPath}" "${BIN}" plan examples/paper/experiment.yaml | head -1; echo "exit \${PIPESTATUS[0]}" >&2`], { encoding: "utf8", timeout: 20_000 });
    expect(r.stdout.trim().split("\n")).toHaveLength(1);
    // Warnings (a loop kind this build lacks) may come first; no stack, no EPIPE.
    expect(r.stderr).not.toMatch(/EPIPE|Error|\n\s+at /);
    expect(r.stderr.trim().split("\n").at(-1)).toBe("exit 0");
  });

  /** The reader is gone before hynet writes its first byte: every write meets EPIPE. */
  async function readerGone(args: string[]): Promise<{ code: number | null; stderr: string }> {
    const p = spawn(process.execPath, [BIN, ...args], { stdio: ["ignore", "pipe", "pipe"] });
    p.stdout.destroy();
    let stderr = "";
    p.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => p.kill("SIGKILL"), 20_000);
    const code = await new Promise<number | null>((res) => p.on("close", (c) => res(c)));
    clearTimeout(timer);
    return { code, stderr };
  }

  it("plan with no reader", async () => {
    expect(await readerGone(["plan", "examples/quick/experiment.yaml"])).toEqual({ code: 0, stderr: "" });
  });

  it("up --dry-run with no reader", async () => {
    const r = await readerGone(["up", "examples/paper/topology.yaml", "--dry-run", "--prefix", "hx"]);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe("net: paper dry run: the commands above would bring up hx: 8 hosts, 0 switches, 8 links in 0 ms\n".replace(/in 0 ms/, r.stderr.match(/in \d+ ms/)?.[0] ?? "in ? ms"));
  });

  it("synth still writes its files when nobody reads its result", async () => {
    const dir = scratch();
    expect(await readerGone(["synth", "--out", dir, "--packets", "20"])).toEqual({ code: 0, stderr: "" });
    expect(readdirSync(dir).sort()).toEqual(["latencies-post.pcap", "latencies-pre.pcap"]);
  });
});

describe("one signal ends a command within seconds, exit 130", () => {
  it("SIGTERM during a long synth", async () => {
    const dir = scratch();
    const p = spawn(process.execPath, [BIN, "synth", "--out", dir, "--packets", "200000000"], { stdio: ["ignore", "pipe", "pipe"] });
    let stderr = "";
    p.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    await new Promise((r) => setTimeout(r, 1500));
    const t0 = Date.now();
    p.kill("SIGTERM");
    const timer = setTimeout(() => p.kill("SIGKILL"), 20_000);
    const code = await new Promise<number | null>((res) => p.on("close", (c) => res(c)));
    clearTimeout(timer);
    expect(Date.now() - t0).toBeLessThan(STOP_GRACE_MS + 2000);
    expect(code).toBe(130);
    expect(stderr).toMatch(/SIGTERM: stopping/);
    expect(stderr.trim().split("\n").at(-1)).toMatch(/^hynet: error\[ABORTED\]/);
    // Nothing that looks complete is left: only finished files are renamed into place.
    expect(readdirSync(dir).filter((n) => !n.startsWith("."))).toEqual([]);
  });

  it("a command stuck after the signal is ended after the grace period; events extend it", () => {
    vi.useFakeTimers();
    const exits: number[] = [];
    const events: HynetEvent[] = [];
    const it = handleInterrupts(
      (e) => events.push(e),
      ((c: number) => {
        exits.push(c);
        return undefined as never;
      }) as (c: number) => never,
    );
    try {
      const emit = it.watch((e) => events.push(e));
      process.emit("SIGTERM", "SIGTERM");
      expect(it.signal.aborted).toBe(true);
      vi.advanceTimersByTime(STOP_GRACE_MS - 100);
      emit({ type: "log", level: "info", scope: "net", message: "still cleaning up" });
      vi.advanceTimersByTime(STOP_GRACE_MS - 100);
      expect(exits).toEqual([]);
      vi.advanceTimersByTime(200);
      expect(exits).toEqual([130]);
      process.emit("SIGINT", "SIGINT");
      expect(exits).toEqual([130, 130]);
    } finally {
      it.dispose();
      vi.useRealTimers();
    }
  });
});

describe("evaluate leaves no folder behind on bad input", () => {
  it("a post capture that is not a capture", () => {
    const dir = pair();
    const out = path.join(scratch(), "eval");
    writeFileSync(path.join(dir, "latencies-post-x.pcap"), "nope");
    const r = hynet(["evaluate", path.join(dir, "latencies-pre-x.pcap"), "--out", out]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^hynet: error\[CAPTURE_NOT_A_CAPTURE\]/);
    expect(existsSync(out)).toBe(false);
  });
});

describe("what one command writes, the next reads", () => {
  it("synth --out D without --name, then evaluate D", () => {
    const dir = scratch();
    expect(hynet(["synth", "--out", dir, "--packets", "100"]).status).toBe(0);
    const r = hynet(["evaluate", dir, "--reporter", "json"]);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(existsSync(path.join(dir, "latencies-pre.pcap.summary.json"))).toBe(true);
  });
});

describe("output folders made for a command that then fails", () => {
  it("ensureDir reports what it made; removeEmptyDirs takes back the empty ones only", async () => {
    const base = scratch();
    const made = await ensureDir(path.join(base, "a", "b", "c"));
    expect(made).toEqual(["a", "a/b", "a/b/c"].map((d) => path.join(base, d)));
    expect(await ensureDir(path.join(base, "a", "b"))).toEqual([]);
    writeFileSync(path.join(base, "a", "keep"), "x");
    await removeEmptyDirs(made);
    expect(existsSync(path.join(base, "a", "b"))).toBe(false);
    expect(readdirSync(path.join(base, "a"))).toEqual(["keep"]);
  });
});
