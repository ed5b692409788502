/**
 * Host facts recorded with every run (run.json `host`), so that a result
 * can be told apart from one taken on another kernel, CPU or boot setup —
 * the seed's artifact page lists exactly these for each node.
 */
import { createRequire } from "node:module";
import type { Sys } from "../sys/context.js";
import { KERNEL_FILES, machineFacts, readKernelTextIfAny, sysctlPath } from "../sys/proc.js";

export interface HostFacts {
  hostname: string;
  /** `uname -r`. */
  kernel: string;
  /** /proc/version: build, compiler, date. */
  kernel_version: string;
  /** Boot parameters (the seed tuned them: idle=poll, nosmt, …). */
  cmdline: string;
  os: string;
  cpu: string;
  cpus: number;
  memory_bytes: number;
  arch: string;
  /** cpufreq governor of CPU 0, where the machine has cpufreq. */
  governor: string | null;
  sysctl: Record<string, string | null>;
}

export interface Versions {
  hynet: string;
  node: string;
  duckdb: string;
  iproute2: string | null;
  zstd: string | null;
}

export function parseCpuModel(cpuinfo: string): string {
  const m = /^(model name|Model|cpu model|Processor)\s*:\s*(.+)$/m.exec(cpuinfo);
  return m ? m[2].trim() : "unknown";
}

export function parseOsRelease(text: string): string {
  const m = /^PRETTY_NAME="?([^"\n]*)"?$/m.exec(text);
  return m ? m[1] : "unknown";
}

const SYSCTLS = ["net/ipv4/ip_forward", "net/ipv4/conf/all/arp_ignore", "net/ipv4/conf/all/arp_announce", "net/core/busy_poll", "net/core/busy_read"];

export async function hostFacts(): Promise<HostFacts> {
  const read = async (f: string) => (await readKernelTextIfAny(f))?.trim();
  const [osrelease, version, cmdline, cpuinfo, osr, governor] = await Promise.all([
    read(KERNEL_FILES.osrelease),
    read(KERNEL_FILES.version),
    read(KERNEL_FILES.cmdline),
    readKernelTextIfAny(KERNEL_FILES.cpuinfo),
    readKernelTextIfAny("/etc/os-release"),
    read(KERNEL_FILES.governor),
  ]);
  const sysctl: Record<string, string | null> = {};
  for (const s of SYSCTLS) sysctl[s.replace(/\//g, ".")] = (await read(sysctlPath(s))) ?? null;
  const m = machineFacts();
  return {
    hostname: m.hostname,
    kernel: osrelease ?? "unknown",
    kernel_version: version ?? "unknown",
    cmdline: cmdline ?? "",
    os: osr ? parseOsRelease(osr) : "unknown",
    cpu: cpuinfo ? parseCpuModel(cpuinfo) : "unknown",
    cpus: m.cpus,
    memory_bytes: m.memoryBytes,
    arch: m.arch,
    governor: governor ?? null,
    sysctl,
  };
}

function firstLine(s: string): string {
  return s.split("\n")[0].trim();
}

/** Versions of hynet and the programs a run depends on; asked once per series. */
export async function versions(sys: Sys): Promise<Versions> {
  const require = createRequire(import.meta.url);
  // dist/experiment/host.js and src/experiment/host.ts are both two levels below the package root.
  const pkg = require("../../package.json") as { version: string };
  let duckdb = "unknown";
  try {
    const d = (await import("@duckdb/node-api")) as unknown as { version(): string };
    duckdb = d.version();
  } catch {
    // the store reports its own error when it is used
  }
  const ask = async (argv: string[]) => {
    try {
      const r = await sys.run(argv, { check: false, timeoutMs: 5000 });
      return r.code === 0 ? firstLine(r.stdout || r.stderr) || null : null;
    } catch {
      return null;
    }
  };
  const [ip, zstd] = await Promise.all([ask(["ip", "-V"]), ask(["zstd", "--version"])]);
  return { hynet: pkg.version, node: process.version, duckdb, iproute2: ip, zstd };
}
