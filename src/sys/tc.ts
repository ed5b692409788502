/**
 * Traffic control (tc) on this machine: which queueing disciplines the
 * running kernel has, read from files only (a probe must change nothing),
 * and running tc in a namespace through Sys so --dry-run prints it.
 */
import { promises as fsp } from "node:fs";
import * as os from "node:os";
import { gunzipSync } from "node:zlib";
import type { Sys } from "./context.js";
import type { RunResult } from "./exec.js";
import { readKernelTextIfAny } from "./proc.js";

/** "yes": built in, loaded or loadable; "no": the kernel's configuration says it is absent; "unknown": nothing to read. */
export type QdiscPresence = "yes" | "no" | "unknown";

async function kernelConfig(): Promise<string | undefined> {
  const gz = await fsp.readFile("/proc/config.gz").catch(() => undefined);
  if (gz) return gunzipSync(gz).toString("utf8");
  return readKernelTextIfAny(`/boot/config-${os.release()}`);
}

/** tc's name for a qdisc → the kernel's config symbol (sch_netem ↔ CONFIG_NET_SCH_NETEM). */
function configSymbol(qdisc: string): string {
  return `CONFIG_NET_SCH_${qdisc.toUpperCase()}`;
}

/** Whether the running kernel has qdisc `kind` (netem, tbf, htb, …). Read-only. */
export async function qdiscPresence(kind: string): Promise<QdiscPresence> {
  const mod = `sch_${kind}`;
  const loaded = await fsp.stat(`/sys/module/${mod}`).then(() => true, () => false);
  if (loaded) return "yes";
  const cfg = await kernelConfig();
  if (cfg !== undefined) {
    const m = new RegExp(`^${configSymbol(kind)}=([ym])$`, "m").exec(cfg);
    if (!m) return "no";
    if (m[1] === "y") return "yes";
    // A module: present only if the file is installed for this kernel.
  }
  const dir = `/lib/modules/${os.release()}`;
  const builtin = await readKernelTextIfAny(`${dir}/modules.builtin`);
  if (builtin?.split("\n").some((l) => l.endsWith(`/${mod}.ko`))) return "yes";
  const files = await fsp.readdir(`${dir}/kernel/net/sched`).catch(() => undefined);
  if (files) return files.some((f) => f.startsWith(`${mod}.ko`)) ? "yes" : "no";
  return cfg !== undefined ? "no" : "unknown";
}

/** Run `tc ARGS` in namespace `netns` (root namespace when undefined); never throws for a non-zero exit. */
export function runTc(sys: Sys, netns: string | undefined, args: string[]): Promise<RunResult> {
  return sys.run(["tc", ...(netns ? ["-n", netns] : []), ...args], { check: false });
}

/** tc's answer when the kernel lacks the qdisc kind a command names. */
export function isUnknownQdiscError(stderr: string): boolean {
  return /Specified qdisc kind is unknown|Unknown qdisc|qdisc kind is unknown/i.test(stderr);
}
