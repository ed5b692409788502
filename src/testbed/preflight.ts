/**
 * Checks per role before the first run, one line each with a fix-it hint:
 * the machine answers, hynet runs there as root, the tools and ports the
 * testbed file names exist, and the DuT is tuned the way the paper's was.
 * One SSH command per role gathers the facts; judging them is plain code.
 */
import { HynetError, SystemError } from "../errors.js";
import type { Experiment } from "../experiment/file.js";
import type { Sys } from "../sys/context.js";
import { shellLine, shq } from "../sys/ssh.js";
import type { TestbedSession } from "./deps.js";
import { hynetArgv, ROLES, type Role } from "./file.js";

/** The DuT's boot parameters in the paper (spec/paper-experiment.md). */
export const PAPER_BOOT_PARAMS = ["nosmt", "idle=poll", "intel_idle.max_cstate=0", "intel_pstate=disable", "amd_pstate=disable", "tsc=reliable", "mce=ignore_ce", "audit=0", "nmi_watchdog=0", "skew_tick=1", "nosoftlockup", "intel_iommu=on", "iommu=pt"];

export type Level = "ok" | "warn" | "fail";

export interface Finding {
  role: Role;
  machine: string;
  check: string;
  level: Level;
  detail: string;
  hint?: string;
}

export type Facts = Record<string, string>;

/** The shell script that prints one `key=value` line per fact. */
export function factsScript(o: { hynet: string[]; workDir: string; nics: string[]; files: Record<string, string> }): string {
  const lines = [
    `echo uid=$(id -u)`,
    `if [ "$(id -u)" = 0 ] || sudo -n true 2>/dev/null; then echo root=yes; else echo root=no; fi`,
    `echo hynet=$(${shellLine(o.hynet)} --version 2>/dev/null | head -n 1)`,
    `echo cmdline=$(cat /proc/cmdline)`,
    `echo kernel=$(uname -r)`,
    `echo governor=$(cat /sys/devices/system/cpu/cpu0/cpufreq/scaling_governor 2>/dev/null)`,
    `echo iommu_groups=$(ls /sys/kernel/iommu_groups 2>/dev/null | wc -l)`,
    `echo hugepages=$(awk '/^HugePages_Total/{print $2}' /proc/meminfo)`,
    `mkdir -p ${shq(o.workDir)} && echo free_kb=$(df -Pk ${shq(o.workDir)} | awk 'NR==2{print $4}')`,
    ...o.nics.map((n) => `if [ -e /sys/class/net/${shq(n)} ]; then echo nic.${n}=yes; else echo nic.${n}=no; fi`),
    ...Object.entries(o.files).map(([k, f]) => `if command -v ${shq(f)} >/dev/null 2>&1 || [ -e ${shq(f)} ]; then echo file.${k}=yes; else echo file.${k}=no; fi`),
  ];
  return lines.join("; ");
}

export function parseFacts(out: string): Facts {
  const f: Facts = {};
  for (const l of out.split("\n")) {
    const i = l.indexOf("=");
    if (i > 0) f[l.slice(0, i)] = l.slice(i + 1).trim();
  }
  return f;
}

/** A name is an interface (checked in /sys/class/net) unless it is a DPDK port number. */
const isIface = (p: string | undefined): p is string => p !== undefined && !/^\d+(,\d+)?$/.test(p);

interface RoleNeeds {
  nics: string[];
  files: Record<string, string>;
  dpdk: boolean;
}

function needsOf(role: Role, s: TestbedSession, exp: Experiment): RoleNeeds {
  const r = s.tb.roles;
  if (role === "loadgen") {
    const dpdk = exp.loadgen === "moongen";
    return { nics: dpdk ? [] : [r.loadgen.tx].filter(isIface), files: dpdk ? { moongen: r.loadgen.moongen } : {}, dpdk };
  }
  if (role === "timestamper") {
    const dpdk = exp.timestamper === "moonsniff";
    return { nics: dpdk ? [] : [r.timestamper.pre, r.timestamper.post].filter(isIface), files: dpdk ? { moongen: r.timestamper.moongen, moonsniff: r.timestamper.moonsniff } : {}, dpdk };
  }
  return { nics: [], files: {}, dpdk: false };
}

/** Judge one role's facts. */
export function judge(role: Role, machine: string, f: Facts, needs: RoleNeeds, o: { minFreeGb?: number; hynet: string; local?: boolean }): Finding[] {
  const out: Finding[] = [];
  const add = (check: string, level: Level, detail: string, hint?: string) => out.push({ role, machine, check, level, detail, hint });
  add("root", f.root === "yes" ? "ok" : "fail", f.uid === "0" ? "uid 0" : f.root === "yes" ? "sudo -n works" : `uid ${f.uid ?? "?"}, no password-less sudo`, f.root === "yes" ? undefined : `log in as root, or allow \`sudo -n\` and set \`sudo: true\` for the role`);
  // On this machine the runner itself is the hynet that works there.
  if (!o.local) add("hynet", f.hynet ? "ok" : "fail", f.hynet ? `hynet ${f.hynet}` : `\`${o.hynet} --version\` did not answer`, f.hynet ? undefined : `install hynet there (npm i -g hynet) or set \`roles.${role}.hynet\` to its path`);
  for (const [k, v] of Object.entries(f)) {
    if (k.startsWith("nic.")) add(`interface ${k.slice(4)}`, v === "yes" ? "ok" : "fail", v === "yes" ? "present" : "missing", v === "yes" ? undefined : `\`ip link\` there lists the interfaces; fix \`roles.${role}\` in the testbed file`);
    if (k.startsWith("file.")) add(k.slice(5), v === "yes" ? "ok" : "fail", v === "yes" ? "present" : `${needs.files[k.slice(5)]} not found`, v === "yes" ? undefined : `install MoonGen there (it builds MoonSniff too) or set \`roles.${role}.${k.slice(5)}\``);
  }
  if (needs.dpdk) {
    const hp = Number(f.hugepages ?? 0);
    add("hugepages", hp > 0 ? "ok" : "fail", `${hp} huge pages`, hp > 0 ? undefined : "DPDK needs huge pages: `echo 1024 > /sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages`");
    const g = Number(f.iommu_groups ?? 0);
    add("iommu", g > 0 ? "ok" : "warn", `${g} IOMMU groups`, g > 0 ? undefined : "boot with intel_iommu=on iommu=pt to bind NICs to vfio-pci");
  }
  if (role === "dut") {
    const have = new Set((f.cmdline ?? "").split(/\s+/));
    const missing = PAPER_BOOT_PARAMS.filter((p) => !have.has(p));
    add("boot parameters", missing.length ? "warn" : "ok", missing.length ? `kernel ${f.kernel ?? "?"} lacks ${missing.join(" ")}` : "as the paper's", missing.length ? "add them to GRUB_CMDLINE_LINUX and reboot for the paper's numbers" : undefined);
    const gov = f.governor || "none";
    add("cpu governor", gov === "performance" ? "ok" : "warn", gov, gov === "performance" ? undefined : "`cpupower frequency-set -g performance` (the paper's setting)");
    const g = Number(f.iommu_groups ?? 0);
    add("iommu", g > 0 ? "ok" : "warn", `${g} IOMMU groups`, g > 0 ? undefined : "SR-IOV pairs (link hwpair) need intel_iommu=on iommu=pt");
  }
  if (o.minFreeGb !== undefined) {
    const gb = Number(f.free_kb ?? 0) / 1024 / 1024;
    add("free disk", gb >= o.minFreeGb ? "ok" : "warn", `${gb.toFixed(1)} GB free in the work folder`, gb >= o.minFreeGb ? undefined : `captures of a 90 s run at 1 Mpps need about ${o.minFreeGb} GB; free space or move work_dir`);
  }
  return out;
}

export function findingLine(x: Finding): string {
  const tag = x.level === "ok" ? "ok  " : x.level === "warn" ? "WARN" : "FAIL";
  return `preflight ${tag} ${x.role}@${x.machine} ${x.check}: ${x.detail}${x.hint ? ` (fix: ${x.hint})` : ""}`;
}

/** Run the checks for every role; print one line per finding; throw when one failed. */
export async function preflight(s: TestbedSession, exp: Experiment, sys: Sys): Promise<Finding[]> {
  const all: Finding[] = [];
  await Promise.all(
    ROLES.map(async (role) => {
      const remote = s.remotes[role];
      const rs = s.tb.roles[role];
      const needs = needsOf(role, s, exp);
      const machine = remote.target.name;
      const script = factsScript({ hynet: hynetArgv(rs), workDir: rs.work_dir, nics: needs.nics, files: needs.files });
      try {
        const r = await remote.sh(script, { timeoutMs: 30_000 });
        if (sys.dryRun) return;
        all.push({ role, machine, check: "reachable", level: "ok", detail: remote.target.local ? "this machine" : `ssh ${remote.target.address}` });
        all.push(...judge(role, machine, parseFacts(r.stdout), needs, { minFreeGb: role === "timestamper" || role === "evaluator" ? s.tb.roles.timestamper.min_free_gb : undefined, hynet: rs.hynet, local: remote.target.local }));
      } catch (e) {
        const msg = e instanceof HynetError ? e.message : String(e);
        all.push({ role, machine, check: "reachable", level: "fail", detail: msg, hint: e instanceof HynetError ? e.hint : undefined });
      }
    }),
  );
  all.sort((a, b) => ROLES.indexOf(a.role) - ROLES.indexOf(b.role));
  for (const x of all) sys.emit({ type: "result", scope: "testbed", kind: "testbed.preflight", line: findingLine(x), data: x });
  const failed = all.filter((x) => x.level === "fail");
  if (failed.length) {
    const first = failed[0];
    throw new SystemError("TESTBED_PREFLIGHT", `${failed.length} preflight check${failed.length > 1 ? "s" : ""} failed (first: ${first.role}@${first.machine} ${first.check}: ${first.detail})`, {
      file: s.tb.file,
      hint: first.hint ?? "fix the lines marked FAIL above and run again",
    });
  }
  return all;
}
