/** `hynet loadgen [NETNS:]IFACE`: MoonGen-style paced test traffic on a local interface. */
import { UsageError } from "../errors.js";
import { formatLatency } from "../units/format.js";
// The registry is the source of truth for the kind names --help lists; it loads the built-in generator too.
import { loadgens } from "../traffic/registry.js";
import { TEST_DST_MAC } from "../traffic/packet.js";
import type { LoadGenResult } from "../traffic/loadgen.js";
import type { CommandSpec } from "./spec.js";
import { num, resolveEndpoint } from "./options.js";

const fmtNs = (ns: number) => formatLatency(ns, 3);

export function loadgenLine(r: LoadGenResult): string {
  const g = r.gap_ns;
  const dev = r.requested_pps > 0 && r.sent > 1 ? ` (${(((r.achieved_pps - r.requested_pps) / r.requested_pps) * 100).toFixed(3)} %)` : "";
  return (
    `${r.aborted ? "stopped early: " : ""}sent ${r.sent} frames${r.warmup_sent ? ` (+${r.warmup_sent} warm-up)` : ""} in ${(r.duration_ns / 1e9).toFixed(3)} s; ` +
    `achieved ${r.achieved_pps.toFixed(1)} pps of ${r.requested_pps}${dev}; ` +
    `gaps mean ${fmtNs(g.mean)} std ${fmtNs(g.std)} p1 ${fmtNs(g.p1)} p50 ${fmtNs(g.p50)} p99 ${fmtNs(g.p99)}` +
    (r.late_bursts ? `; ${r.late_bursts} bursts left late` : "")
  );
}

export const loadgenCommand: CommandSpec = {
  name: "loadgen",
  summary: "send paced test traffic (MoonGen semantics) out of a local interface",
  description:
    "Sends Ethernet/IPv4/UDP test frames in the MoonSniff layout (id in the payload, marker 0x55, 10.0.0.10+n → 10.0.2.20:23432) " +
    "out of IFACE, optionally inside network namespace NETNS (a name under /run/netns or a running hynet host). " +
    "Pacing as MoonGen's: bursts of --burst frames back to back, bursts spaced so that the mean rate is --rate. " +
    "Reports frames sent, the achieved rate and the inter-departure gap distribution. Needs root.",
  args: [{ name: "endpoint", description: "[NETNS:]IFACE to send from", required: true }],
  options: [
    { name: "rate", type: "number", value: "PPS", default: 10000, description: "mean frames per second" },
    { name: "burst", type: "number", value: "N", default: 1, description: "frames sent back to back per burst" },
    { name: "flows", type: "number", value: "N", default: 1, description: "number of flows (source IPs 10.0.0.10 + n mod N)" },
    { name: "size", type: "number", value: "BYTES", default: 84, description: "frame size as MoonGen's -x (Ethernet frame without FCS, ≥ 47)" },
    { name: "packets", type: "number", value: "N", description: "measured frames to send (default: until --duration or Ctrl-C)" },
    { name: "duration", type: "number", value: "S", description: "send for this many seconds (rate × S frames)" },
    { name: "warm-up", type: "number", value: "S", default: 0, description: "send a short warm-up train (to port 23433), pause S seconds, then the measured traffic" },
    { name: "warm-up-only", type: "boolean", description: "send only the warm-up train (needs --warm-up > 0) and exit: a testbed runner then pauses until its timestamper is ready" },
    { name: "dst-mac", type: "string", value: "MAC", default: TEST_DST_MAC, description: "destination MAC of the test frames" },
    { name: "src-mac", type: "string", value: "MAC", description: "source MAC of the test frames (default 52:54:00:00:00:02)" },
    { name: "realtime", type: "boolean", description: "send from a real-time (SCHED_FIFO) thread so that other tasks cannot delay departures; it sleeps between departures and rests a fifth of the time, so that the kernel's real-time throttling does not stop it" },
    { name: "kind", type: "string", value: "KIND", default: "builtin", description: `load generator kind (${Object.keys(loadgens).join(", ")})` },
  ],
  examples: [
    "hynet loadgen lg:eth0 --rate 100000 --packets 1000000 --flows 10",
    "hynet loadgen h1:h1-eth0 --rate 50000 --burst 50 --duration 10 --warm-up 2",
  ],
  async run(args, opts, ctx) {
    const ep = await resolveEndpoint(args[0] ?? "", "endpoint", ctx.sys);
    const kind = String(opts.kind ?? "builtin");
    const gen = loadgens[kind];
    if (!gen) throw new UsageError(`unknown load generator kind "${kind}"`, { hint: `choose one of: ${Object.keys(loadgens).join(", ")}` });
    if (opts.packets !== undefined && opts.duration !== undefined) throw new UsageError("give --packets or --duration, not both");
    const r = await gen.run(
      {
        ...ep,
        rate: num(opts, "rate")!,
        burst: num(opts, "burst")!,
        flows: num(opts, "flows")!,
        size: num(opts, "size")!,
        packets: num(opts, "packets"),
        durationS: num(opts, "duration"),
        warmUpS: num(opts, "warmUp") ?? 0,
        warmUpOnly: opts.warmUpOnly === true,
        dstMac: opts.dstMac as string | undefined,
        srcMac: opts.srcMac as string | undefined,
        realtime: opts.realtime === true,
        signal: ctx.signal,
        onPhase: (phase) => ctx.sys.emit({ type: "log", level: "debug", scope: "loadgen", message: `phase: ${phase}` }),
      },
      ctx.sys,
    );
    ctx.sys.emit({ type: "result", scope: "loadgen", kind: "loadgen.result", line: loadgenLine(r), data: r });
    return r.aborted ? 130 : 0;
  },
};
