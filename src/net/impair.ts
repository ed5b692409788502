/**
 * Link impairments on a running device: a pure planner from the model
 * (src/topo/impair.ts) to tc commands, and `applyImpairments`, which runs
 * them on a device in a namespace or inside a VM guest. netem does delay,
 * jitter and loss; tbf the rate (netem as its child when both are asked
 * for, so the rate shapes the delayed stream); pfifo a queue limit alone.
 * A qdisc the kernel lacks is one LINK_QDISC_MISSING error naming the qdisc
 * and the link, never a silent no-op.
 */
import { SystemError } from "../errors.js";
import type { Sys } from "../sys/index.js";
import { isUnknownQdiscError, qdiscPresence, runTc } from "../sys/tc.js";
import { describeImpairment, type Impairment } from "../topo/impair.js";
import type { CmdResult } from "./kinds.js";

/** Frames per queue when the file gives no `queue` (Linux's default txqueuelen). */
export const DEFAULT_QUEUE = 1000;
/** Bytes a queued frame is counted as where tbf limits bytes (a full Ethernet frame). */
const FRAME_BYTES = 1514;

/** One tc invocation (without `tc` and the namespace) and the qdisc it needs. */
export interface TcStep {
  args: string[];
  qdisc?: string;
  /** A failure is expected and harmless (removing a root qdisc that is not there). */
  mayFail?: boolean;
}

/** tc time syntax with nanosecond precision ("10ms", "250us", "1500ns"). */
function tcTime(ns: number): string {
  if (ns % 1e6 === 0) return `${ns / 1e6}ms`;
  if (ns % 1e3 === 0) return `${ns / 1e3}us`;
  return `${ns}ns`;
}

function needsNetem(i: Impairment): boolean {
  return i.delayNs !== undefined || Boolean(i.jitterNs) || i.loss !== undefined;
}

function netemArgs(i: Impairment): string[] {
  const a: string[] = [];
  if (i.delayNs !== undefined || i.jitterNs) {
    a.push("delay", tcTime(i.delayNs ?? 0));
    if (i.jitterNs) {
      a.push(tcTime(i.jitterNs));
      if (i.delayCorrelation !== undefined) a.push(`${i.delayCorrelation}%`);
      // netem's own default is uniform; it has no table named "uniform".
      if (i.distribution && i.distribution !== "uniform") a.push("distribution", i.distribution);
    }
  }
  if (typeof i.loss === "number") {
    a.push("loss", "random", `${i.loss}%`);
    if (i.lossCorrelation !== undefined) a.push(`${i.lossCorrelation}%`);
  } else if (i.loss) {
    a.push("loss", "gemodel", `${i.loss.p}%`, `${i.loss.r}%`, `${i.loss.bad}%`, `${i.loss.good}%`);
  }
  a.push("limit", String(i.queue ?? DEFAULT_QUEUE));
  return a;
}

/** tbf needs a bucket of at least one frame; one millisecond of the rate keeps its timer load low at high rates. */
export function tbfBurstBytes(rateBps: number): number {
  return Math.max(2 * FRAME_BYTES, Math.ceil(rateBps / 8 / 1000));
}

/**
 * The tc commands that give `ifname`'s egress exactly impairment `i`
 * (undefined or empty = back to the default qdisc). The root qdisc is
 * removed first, so nothing of an earlier setting survives.
 */
export function tcCommands(ifname: string, i: Impairment | undefined): TcStep[] {
  const dev = ["dev", ifname];
  const steps: TcStep[] = [{ args: ["qdisc", "del", ...dev, "root"], mayFail: true }];
  if (!i || Object.keys(i).length === 0) return steps;
  const netem = needsNetem(i);
  if (i.rateBps !== undefined) {
    const limit = (i.queue ?? DEFAULT_QUEUE) * FRAME_BYTES;
    steps.push({ args: ["qdisc", "add", ...dev, "root", "handle", "1:", "tbf", "rate", `${i.rateBps}bit`, "burst", String(tbfBurstBytes(i.rateBps)), "limit", String(limit)], qdisc: "tbf" });
    if (netem) steps.push({ args: ["qdisc", "add", ...dev, "parent", "1:1", "handle", "10:", "netem", ...netemArgs(i)], qdisc: "netem" });
  } else if (netem) {
    steps.push({ args: ["qdisc", "add", ...dev, "root", "handle", "1:", "netem", ...netemArgs(i)], qdisc: "netem" });
  } else if (i.queue !== undefined) {
    steps.push({ args: ["qdisc", "add", ...dev, "root", "handle", "1:", "pfifo", "limit", String(i.queue)], qdisc: "pfifo" });
  }
  return steps;
}

/** The qdiscs impairment `i` needs (for up-front checks). */
export function qdiscsNeeded(i: Impairment | undefined): string[] {
  return [...new Set(tcCommands("x", i).flatMap((s) => (s.qdisc ? [s.qdisc] : [])))];
}

/** A qdisc the kernel that must run it does not have. */
export class LinkQdiscMissingError extends SystemError {
  constructor(qdisc: string, link: string, where: string, file?: string) {
    super("LINK_QDISC_MISSING", `${link}: ${where} has no "${qdisc}" queueing discipline (sch_${qdisc}), which its impairments need`, {
      ...(file ? { file } : {}),
      hint:
        qdisc === "netem"
          ? "delay, jitter and loss need netem: use a kernel built with CONFIG_NET_SCH_NETEM, or VM hosts (--host-kind vm: their Debian kernel has it), or remove those keys from the link"
          : `use a kernel built with CONFIG_NET_SCH_${qdisc.toUpperCase()}, or remove the impairment that needs it`,
    });
  }
}

/** Where impairments go: a device in a namespace on this machine, or an interface inside a guest. */
export interface ImpairTarget {
  /** Namespace of the device; undefined = root namespace (ignored for guests). */
  netns?: string;
  ifname: string;
  /** Set for an interface inside a VM guest: runs a program there (the node kind's cmd). */
  guest?: (argv: string[]) => Promise<CmdResult>;
  /** How errors name the link, e.g. `link 2 (h1:eth0 → h2:eth0)`. */
  link: string;
}

/** Why this machine cannot give a device on it impairment `i` (undefined = it can). Read-only. */
export async function hostImpairmentProblem(i: Impairment | undefined): Promise<{ qdisc: string } | undefined> {
  for (const q of qdiscsNeeded(i)) {
    if (q !== "pfifo" && (await qdiscPresence(q)) === "no") return { qdisc: q };
  }
  return undefined;
}

/**
 * Give the egress of `where` exactly impairment `imp` (undefined = none).
 * Hosted devices are checked before anything changes; a guest's kernel
 * answers for itself (tc there says when it lacks a qdisc).
 */
export async function applyImpairments(ctx: { sys: Sys }, where: ImpairTarget, imp: Impairment | undefined): Promise<void> {
  const inGuest = where.guest !== undefined;
  const machine = inGuest ? "the guest's kernel" : "this machine's kernel";
  if (!inGuest && !ctx.sys.dryRun) {
    const p = await hostImpairmentProblem(imp);
    if (p) throw new LinkQdiscMissingError(p.qdisc, where.link, machine);
  }
  for (const step of tcCommands(where.ifname, imp)) {
    const r = where.guest ? await where.guest(["tc", ...step.args]) : await runTc(ctx.sys, where.netns, step.args);
    if (r.code === 0 || step.mayFail) continue;
    if (step.qdisc && isUnknownQdiscError(r.stderr)) throw new LinkQdiscMissingError(step.qdisc, where.link, machine);
    throw new SystemError("LINK_IMPAIR_FAILED", `${where.link}: tc could not set ${describeImpairment(imp ?? {})} on ${where.ifname}: ${r.stderr.trim() || `exit ${r.code}`}`, {
      hint: "check the values (tc qdisc add … prints the same complaint)",
    });
  }
}
