/** `hynet capture --pre … --post …`: the local timestamper (MoonSniff semantics). */
import { UsageError } from "../errors.js";
// The registry is the source of truth for the kind names --help lists; it loads the built-in timestamper too.
import { timestampers } from "../capture/registry.js";
import type { CaptureResult } from "../capture/timestamper.js";
import type { CommandSpec } from "./spec.js";
import { num, resolveEndpoint } from "./options.js";

export function captureLine(r: CaptureResult): string {
  const drops = r.pre_dropped + r.post_dropped;
  return (
    `pre ${r.pre_frames} frames → ${r.pre}; post ${r.post_frames} frames → ${r.post}; ` +
    `${r.timestamping} timestamps; ` +
    (drops ? `KERNEL DROPPED ${r.pre_dropped} (pre) + ${r.post_dropped} (post) frames` : "no kernel drops")
  );
}

export const captureCommand: CommandSpec = {
  name: "capture",
  summary: "timestamp frames on a pre and a post tap into nanosecond pcaps (MoonSniff semantics)",
  description:
    "Captures every frame on two interfaces, each optionally inside a network namespace, with nanosecond timestamps " +
    "(hardware where the NIC stamps frames, software otherwise) into DIR/latencies-pre[-NAME].pcap and DIR/latencies-post[-NAME].pcap, " +
    "plus DIR/latencies-stats[-NAME].csv (per-second counts and kernel drops) and DIR/latencies-capture[-NAME].json (which timestamping was used). " +
    "Runs for --duration seconds or until Ctrl-C. Needs root.",
  args: [],
  options: [
    { name: "pre", type: "string", value: "[NETNS:]IFACE", description: "the tap before the network under test (required)" },
    { name: "post", type: "string", value: "[NETNS:]IFACE", description: "the tap after the network under test (required)" },
    { name: "duration", type: "number", value: "S", description: "stop after S seconds (default: at Ctrl-C)" },
    { name: "snaplen", type: "number", value: "N", default: 84, description: "bytes kept per frame" },
    { name: "out", type: "string", value: "DIR", default: ".", description: "folder for the captures" },
    { name: "name", type: "string", value: "NAME", description: "suffix for the file names: latencies-pre-NAME.pcap" },
    { name: "realtime", type: "boolean", description: "capture from real-time (SCHED_FIFO) threads so that a busy machine cannot starve the rings into drops" },
    { name: "kind", type: "string", value: "KIND", default: "builtin", description: `timestamper kind (${Object.keys(timestampers).join(", ")})` },
  ],
  examples: [
    "hynet capture --pre lg:lg-eth0 --post sink:sink-eth0 --duration 105 --snaplen 84 --out results/run1",
    "hynet capture --pre h1:h1-eth0 --post h7:h7-eth1 --name rate50000 --out .",
  ],
  stopsOnInterrupt: true,
  async run(_args, opts, ctx) {
    if (opts.pre === undefined || opts.post === undefined) throw new UsageError("capture needs both --pre and --post", { hint: "e.g. --pre lg:veth0 --post sink:veth1" });
    const kind = String(opts.kind ?? "builtin");
    const ts = timestampers[kind];
    if (!ts) throw new UsageError(`unknown timestamper kind "${kind}"`, { hint: `choose one of: ${Object.keys(timestampers).join(", ")}` });
    const durationS = num(opts, "duration");
    const session = await ts.start(
      {
        pre: await resolveEndpoint(String(opts.pre), "--pre", ctx.sys),
        post: await resolveEndpoint(String(opts.post), "--post", ctx.sys),
        outDir: String(opts.out ?? "."),
        name: opts.name as string | undefined,
        snaplen: num(opts, "snaplen")!,
        durationS,
        realtime: opts.realtime === true,
      },
      ctx.sys,
    );
    if (!ctx.sys.dryRun) await ctx.sys.sleep(durationS !== undefined ? durationS * 1000 : 2 ** 31 - 1, ctx.signal);
    const r = await session.stop();
    ctx.sys.emit({ type: "result", scope: "capture", kind: "capture.result", line: captureLine(r), data: r });
    return 0;
  },
};
