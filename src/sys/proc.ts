/**
 * Raw reads of the kernel's text interfaces (/proc, /sys). Only src/sys
 * touches them; parsing lives with the code that needs the numbers
 * (e.g. src/experiment/irq.ts), so it can be tested on hand-written text.
 */
import { promises as fsp } from "node:fs";
import * as os from "node:os";
import { fileError } from "../errors.js";

/** The kernel files hynet reads, by what they tell. */
export const KERNEL_FILES = {
  osrelease: "/proc/sys/kernel/osrelease",
  version: "/proc/version",
  cmdline: "/proc/cmdline",
  cpuinfo: "/proc/cpuinfo",
  governor: "/sys/devices/system/cpu/cpu0/cpufreq/scaling_governor",
  interrupts: "/proc/interrupts",
  softirqs: "/proc/softirqs",
} as const;

/**
 * sysctl key → /proc/sys path, as sysctl(8) reads it: dots separate the
 * components, or slashes when a component (an interface name) has dots. The
 * same inside a VM guest and in a namespace.
 */
export function sysctlPath(key: string): string {
  const p = key.includes("/") ? key : key.replace(/[./]/g, (c) => (c === "." ? "/" : "."));
  return `/proc/sys/${p}`;
}

/** The text of a /proc or /sys file; throws a FileError naming it when it cannot be read. */
export async function readKernelText(file: string): Promise<string> {
  try {
    return await fsp.readFile(file, "utf8");
  } catch (e) {
    throw fileError(e, file, "read");
  }
}

/** Like readKernelText, but undefined where the file does not exist on this machine (no cpufreq in a VM, …). */
export async function readKernelTextIfAny(file: string): Promise<string | undefined> {
  try {
    return await fsp.readFile(file, "utf8");
  } catch {
    return undefined;
  }
}

/** The facts Node.js itself knows about the machine, gathered here so callers stay free of `os`. */
export function machineFacts(): { hostname: string; cpus: number; memoryBytes: number; arch: string; platform: string } {
  return { hostname: os.hostname(), cpus: os.cpus().length, memoryBytes: os.totalmem(), arch: os.arch(), platform: os.platform() };
}
