/** `hynet synth --out DIR …`: a pre/post capture pair of MoonSniff traffic with known ground truth. */
import { UsageError } from "../errors.js";
import type { SynthOptions } from "../traffic/synth.js";
import { DEFAULT_START_NS } from "../traffic/synth-defaults.js";
import type { CommandSpec, Options } from "./spec.js";
import { num, reqNum } from "./options.js";

function parseStartNs(v: unknown): bigint {
  const s = String(v).trim();
  if (!/^\d+$/.test(s)) throw new UsageError(`--start-ns must be an integer number of nanoseconds since the epoch, got "${s}"`);
  return BigInt(s);
}

export function synthOptionsFrom(opts: Options): SynthOptions {
  if (opts.out === undefined) throw new UsageError("synth needs --out DIR", { hint: "e.g. hynet synth --out /tmp/pair --packets 1000" });
  return {
    outDir: String(opts.out),
    name: opts.name === undefined ? undefined : String(opts.name),
    rate: reqNum(opts, "rate"),
    burst: reqNum(opts, "burst"),
    flows: reqNum(opts, "flows"),
    size: reqNum(opts, "size"),
    packets: reqNum(opts, "packets"),
    startNs: parseStartNs(opts.startNs),
    latency: { baseNs: reqNum(opts, "latency"), jitterNs: reqNum(opts, "jitter"), tailProb: reqNum(opts, "tailProb"), tailNs: reqNum(opts, "tailLatency") },
    loss: reqNum(opts, "loss"),
    duplicates: reqNum(opts, "duplicates"),
    reorder: reqNum(opts, "reorder"),
    noise: reqNum(opts, "noise"),
    startId: reqNum(opts, "startId"),
    resolution: opts.resolution as "us" | "ns",
    format: opts.format as "pcap" | "pcapng",
    compression: opts.compress as "none" | "zstd" | "gzip",
    byteOrder: opts.byteOrder as "le" | "be",
    vlan: num(opts, "vlan"),
    qinq: num(opts, "qinq"),
    snaplen: num(opts, "snaplen"),
    seed: reqNum(opts, "seed"),
  };
}

export const synthCommand: CommandSpec = {
  name: "synth",
  summary: "write a synthetic pre/post capture pair of MoonSniff test traffic with known latency, loss, duplicates and reordering",
  description:
    "Writes DIR/latencies-pre[-NAME].pcap and DIR/latencies-post[-NAME].pcap (.pcapng with --format pcapng; plus .zst or .gz with --compress). " +
    "Pre frames follow the pacing of the load generator: bursts of --burst frames back to back at 10 Gbit/s line rate, bursts spaced so the mean rate is --rate. " +
    "Each frame reaches post after --latency ns plus a uniform 0…--jitter ns, or with probability --tail-prob after --tail-latency ns (plus jitter). " +
    "The same --seed gives byte-identical files. Prints the ground truth (sent, lost, duplicated, reordered, noise) as the result. See docs/synth.md.",
  args: [],
  options: [
    { name: "out", type: "string", value: "DIR", description: "folder for the two captures (required; created if missing)" },
    { name: "name", type: "string", value: "NAME", description: "suffix for the file names: latencies-pre-NAME.pcap (default: none)" },
    { name: "rate", type: "number", value: "PPS", default: 1_000_000, description: "mean packets per second" },
    { name: "burst", type: "number", value: "N", default: 1, description: "frames per burst, sent back to back at 10 Gbit/s line rate" },
    { name: "flows", type: "number", value: "N", default: 1, description: "source IPs 10.0.0.10 + (n mod N), as the load generator" },
    { name: "size", type: "number", value: "BYTES", default: 84, description: "frame size without FCS and without VLAN tags (47…9000)" },
    { name: "packets", type: "number", value: "N", default: 1000, description: "test packets to send" },
    { name: "start-ns", type: "string", value: "NS", default: DEFAULT_START_NS.toString(), description: "timestamp of the first pre frame, ns since the epoch (fixed so output is reproducible)" },
    { name: "latency", type: "number", value: "NS", default: 5000, description: "base latency pre → post in ns" },
    { name: "jitter", type: "number", value: "NS", default: 0, description: "uniform extra latency 0…NS ns added to every packet" },
    { name: "tail-prob", type: "number", value: "P", default: 0, description: "probability that a packet takes --tail-latency instead of --latency" },
    { name: "tail-latency", type: "number", value: "NS", default: 100_000, description: "latency of the heavy tail in ns (jitter is added too)" },
    { name: "loss", type: "number", value: "RATIO", default: 0, description: "probability that a packet never reaches post" },
    { name: "duplicates", type: "number", value: "RATIO", default: 0, description: "probability that a packet reaches post twice (the copy one frame time later)" },
    { name: "reorder", type: "number", value: "RATIO", default: 0, description: "probability that a post arrival is swapped with the next one" },
    { name: "noise", type: "number", value: "N", default: 0, description: "non-test frames (ARP, TCP, ICMP, UDP with 2 payload bytes) spread through each file" },
    { name: "start-id", type: "number", value: "ID", default: 0, description: "id of the first packet; ids wrap at 2^32 (with --packets, crosses 65536 or 2^32)" },
    { name: "resolution", type: "string", value: "RES", default: "ns", choices: ["us", "ns"], description: "timestamp resolution of the files" },
    { name: "format", type: "string", value: "FMT", default: "pcap", choices: ["pcap", "pcapng"], description: "capture format" },
    { name: "compress", type: "string", value: "ALG", default: "none", choices: ["none", "zstd", "gzip"], description: "compress both files (.zst / .gz appended to the names)" },
    { name: "byte-order", type: "string", value: "ORDER", default: "le", choices: ["le", "be"], description: "byte order of the file headers and records" },
    { name: "vlan", type: "number", value: "ID", description: "add an 802.1Q tag with this VLAN id to every frame" },
    { name: "qinq", type: "number", value: "ID", description: "also add an outer 802.1ad S-tag with this VLAN id (needs --vlan)" },
    { name: "snaplen", type: "number", value: "BYTES", description: "cut frames to this many bytes, as a capture's snap length (default: keep whole frames)" },
    { name: "seed", type: "number", value: "N", default: 1, description: "seed of the random generator; the same seed gives the same files" },
  ],
  examples: [
    "hynet synth --out /tmp/pair --packets 2000000 --rate 1000000",
    "hynet synth --out /tmp/pair --name lossy --packets 100000 --loss 0.01 --duplicates 0.001 --reorder 0.001 --noise 100",
    "hynet synth --out /tmp/pair --latency 5000 --jitter 500 --tail-prob 0.001 --tail-latency 100000 --compress zstd",
    "hynet synth --out /tmp/pair --start-id 4294967000 --packets 1000 --resolution us --format pcapng --vlan 100 --qinq 200",
  ],
  async run(_args, opts, ctx) {
    const { synthesize } = await import("../traffic/synth.js");
    await synthesize({ ...synthOptionsFrom(opts), signal: ctx.signal }, ctx.sys);
    return 0;
  },
};
