/** Shared by the VM tests. */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";

/** VM tests fail (never skip) when QEMU or the guest build tools are missing. */
export function requireQemu(): void {
  for (const p of ["qemu-system-x86_64", "busybox", "cpio", "apt-get", "dpkg-deb", "xz", "taskset"]) {
    if (spawnSync("sh", ["-c", `command -v ${p}`]).status !== 0) throw new Error(`${p} is missing: run bash scripts/setup.sh`);
  }
}

/** PIDs of QEMU processes whose command line mentions `dir` (the test's state folder). */
export function qemuPidsWith(dir: string): number[] {
  const out: number[] = [];
  for (const d of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(d)) continue;
    let cmd = "";
    try {
      cmd = fs.readFileSync(`/proc/${d}/cmdline`, "utf8");
    } catch {
      continue;
    }
    if (cmd.startsWith("qemu-system") && cmd.includes(dir)) out.push(Number(d));
  }
  return out;
}
