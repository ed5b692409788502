/**
 * The `moongen` load generator: MoonGen (DPDK) running hynet's own Lua
 * script (moongen/hynet-loadgen.lua, written from the seed's
 * timer-loadgen.lua as the spec describes it), with the seed's command line.
 * Its "interface" is the DPDK port ids `TX[,RX]` (RX only for MoonGen's
 * receive statistics; default TX+1). MoonGen's binary is $HYNET_MOONGEN
 * (default `MoonGen` on PATH); a testbed file sets it per role.
 */
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { SystemError, UsageError } from "../errors.js";
import { logger } from "../events.js";
import type { Sys } from "../sys/index.js";
import { spawnLines } from "../sys/lines.js";
import { validateLoadGenOptions } from "./builtin.js";
import type { LoadGenerator, LoadGenOptions, LoadGenPhase, LoadGenResult } from "./loadgen.js";

/** The script ships with hynet: two folders up from src/traffic and from dist/traffic alike. */
export const MOONGEN_SCRIPT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../moongen/hynet-loadgen.lua");

export function moongenBinary(env: NodeJS.ProcessEnv = process.env): string {
  return env.HYNET_MOONGEN || "MoonGen";
}

/** `TX[,RX]` DPDK port ids. */
export function parsePorts(spec: string): { tx: number; rx: number } {
  const m = /^(\d+)(?:,(\d+))?$/.exec(spec);
  if (!m) throw new UsageError(`the moongen load generator takes DPDK port ids TX[,RX] as its interface, got "${spec}"`, { hint: "e.g. 0,1 (see `dpdk-devbind.py --status` on the load generator)" });
  const tx = Number(m[1]);
  return { tx, rx: m[2] !== undefined ? Number(m[2]) : tx + 1 };
}

/** Measured packets: the count, or rate × duration (the seed: rate·90·10 for its ten repetitions of 90 s). */
export function packetCount(o: Pick<LoadGenOptions, "packets" | "durationS" | "rate">): number {
  if (o.packets !== undefined) return o.packets;
  if (o.durationS !== undefined) return Math.round(o.rate * o.durationS);
  throw new UsageError("the moongen load generator needs --packets or --duration (MoonGen's --packets)");
}

/** The seed's command line: `MoonGen timer-loadgen.lua -x SIZE --fix-packetrate RATE --packets N --flows F --burst B TX RX`, plus warm-up and MACs. */
export function moongenArgv(o: LoadGenOptions, binary = moongenBinary(), script = MOONGEN_SCRIPT): string[] {
  if (o.netns) throw new UsageError("the moongen load generator drives DPDK ports, not interfaces in a namespace", { hint: "give the port ids TX[,RX]" });
  const { tx, rx } = parsePorts(o.iface);
  return [
    binary, script,
    "-x", String(o.size), "--fix-packetrate", String(o.rate), "--packets", String(packetCount(o)),
    "--flows", String(o.flows), "--burst", String(o.burst), "--warm-up", String(o.warmUpS),
    ...(o.dstMac ? ["--dst-mac", o.dstMac] : []), ...(o.srcMac ? ["--src-mac", o.srcMac] : []),
    String(tx), String(rx),
  ];
}

export interface MoongenReport {
  phases: LoadGenPhase[];
  sent?: number;
  warmup?: number;
  firstNs?: number;
  lastNs?: number;
}

/** Read one stdout line of the script into `r`; returns the phase it announces, if any. */
export function readMoongenLine(line: string, r: MoongenReport): LoadGenPhase | undefined {
  const ph = /^hynet-phase (warmup|pause|measure|done)$/.exec(line.trim());
  if (ph) {
    r.phases.push(ph[1] as LoadGenPhase);
    return ph[1] as LoadGenPhase;
  }
  const res = /^hynet-result sent=(\d+) warmup=(\d+) first_ns=(\d+) last_ns=(\d+)$/.exec(line.trim());
  if (res) [r.sent, r.warmup, r.firstNs, r.lastNs] = res.slice(1).map(Number);
  return undefined;
}

export function moongenResult(o: Pick<LoadGenOptions, "rate" | "burst">, r: MoongenReport, aborted: boolean): LoadGenResult {
  const sent = r.sent ?? 0;
  const span = (r.lastNs ?? 0) - (r.firstNs ?? 0);
  const bursts = Math.ceil(sent / o.burst);
  return {
    sent,
    warmup_sent: r.warmup ?? 0,
    duration_ns: span,
    // Bursts counted by their start, as the built-in generator does.
    achieved_pps: span > 0 && bursts > 1 ? ((bursts - 1) * o.burst * 1e9) / span : 0,
    // MoonGen reports no per-frame departures: the gap distribution is not known.
    gap_ns: { mean: span > 0 && bursts > 1 ? span / (bursts - 1) : 0, std: 0, p1: 0, p50: 0, p99: 0 },
    requested_pps: o.rate,
    burst: o.burst,
    late_bursts: 0,
    aborted,
    realtime: true,
  };
}

export const moongenLoadGenerator: LoadGenerator = {
  name: "moongen",
  async run(o: LoadGenOptions, sys: Sys): Promise<LoadGenResult> {
    validateLoadGenOptions(o);
    const argv = moongenArgv(o);
    const log = logger(sys.emit, "loadgen");
    const report: MoongenReport = { phases: [] };
    if (sys.dryRun) {
      await sys.run(argv);
      return moongenResult(o, report, false);
    }
    const prog = spawnLines(sys, argv, (l) => {
      const ph = readMoongenLine(l, report);
      if (ph) void Promise.resolve(o.onPhase?.(ph)).catch(() => undefined);
      else log.debug(`MoonGen: ${l}`);
    });
    const p = prog.proc;
    // MoonGen ends its tasks on SIGINT (mg.running() turns false).
    const onAbort = () => p.kill("SIGINT");
    o.signal?.addEventListener("abort", onAbort, { once: true });
    try {
      const code = await p.exited;
      const aborted = o.signal?.aborted ?? false;
      if (code !== 0 && !aborted) throw new SystemError("MOONGEN_FAILED", `MoonGen exited ${code}: ${prog.stderr().trim().split("\n").slice(-1)[0] ?? ""}`, { hint: "check the DPDK ports (dpdk-devbind.py --status) and hugepages" });
      if (report.sent === undefined && !aborted) throw new SystemError("MOONGEN_FAILED", "MoonGen ended without hynet's result line", { hint: `is ${MOONGEN_SCRIPT} the script it ran?` });
      return moongenResult(o, report, aborted);
    } finally {
      o.signal?.removeEventListener("abort", onAbort);
    }
  },
};
