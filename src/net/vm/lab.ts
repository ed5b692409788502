/**
 * The SR-IOV lab: a QEMU q35 guest with four emulated Intel 82576 NICs
 * (`-device igb`, SR-IOV with up to 7 VFs each), each behind its own PCIe
 * root port, cabled in pairs by QEMU hubs (`-netdev hubport`), a vIOMMU
 * (`-device intel-iommu`) so VFs have IOMMU groups, and the host's root
 * shared read-only over 9p — so this checkout and its node runtime run
 * inside unchanged. guest/lab-init loads the drivers, writes the machine
 * file, runs one command as root and powers off.
 *
 * Parallel-safe and leaves nothing behind: each run has its own job folder
 * (removed at the end), QEMU runs in the foreground under `setpriv
 * --pdeathsig KILL` (it dies with the process that started it, even after a
 * kill -9), and the guest's namespaces, VFs and state live and die with it.
 */
import { mkdtempSync, promises as fsp, readdirSync, rmSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { Writable } from "node:stream";
import { SystemError, UsageError } from "../../errors.js";
import { logger } from "../../events.js";
import type { Sys } from "../../sys/index.js";
import { chooseAccel } from "./accel.js";
import { cacheRoot, defaultGuestImage, LAB_MODULES, labGuestImage, packageRoot, type GuestImage } from "./image.js";
import type { Accel } from "./qemu-args.js";

import { LAB_MACHINE_FILE, LAB_TMPFS_DIRS, processAlive } from "../../sys/qemu.js";

export { LAB_MACHINE_FILE };

/** Emulated cables, each joining two igb PFs. */
const CABLES = 2;

export interface LabOptions {
  /** The command to run inside, as root. */
  argv: string[];
  /** Its working folder (a host path; visible read-only inside unless also writable). */
  cwd: string;
  /** Host folders the command may write to (shared read-write at the same path). */
  writable?: string[];
  /** Environment for the command (on top of PATH, HOME, HYNET_MACHINE). */
  env?: Record<string, string>;
  memoryMb?: number;
  cpus?: number;
  /** Kill the guest after this long (default 30 min). */
  timeoutMs?: number;
  signal?: AbortSignal;
}

const shq = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/** The script the guest runs in the host's root: environment, a `hynet` of this checkout on PATH, the command. */
export function jobScript(o: LabOptions, jobDir: string): string {
  const env: Record<string, string> = {
    PATH: `${jobDir}/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin`,
    HOME: "/root",
    HYNET_MACHINE: LAB_MACHINE_FILE,
    HYNET_LAB: "1",
    ...o.env,
  };
  const lines = ["set -e", ...Object.entries(env).map(([k, v]) => `export ${k}=${shq(v)}`), `cd ${shq(o.cwd)}`, `set +e`, `${o.argv.map(shq).join(" ")}`];
  return lines.join("\n") + "\n";
}

function checkPath(p: string, what: string): void {
  if (!path.isAbsolute(p) || /[\s,:]/.test(p)) throw new UsageError(`${what} ${p} must be an absolute path without spaces, commas or colons`, { hint: "the lab passes it on the guest's kernel command line" });
}


/**
 * Folders the command needs to read that the guest's tmpfs would hide (a
 * checkout or working folder under /tmp, as a CI clone may be), minus those
 * already shared writable or lying inside another one.
 */
export function hiddenFolders(wanted: string[], writable: string[]): string[] {
  const under = (p: string, dir: string) => p === dir || p.startsWith(dir + "/");
  const hidden = [...new Set(wanted)].filter((p) => LAB_TMPFS_DIRS.some((m) => under(p, m)) && !writable.some((w) => under(p, w)));
  return hidden.filter((p) => !hidden.some((q) => q !== p && under(p, q)));
}

/** QEMU's command line for one lab run. Pure: data in, argv out. */
export function labQemuArgv(o: { image: GuestImage; accel: Accel; jobDir: string; writable: string[]; readonly?: string[]; memoryMb: number; cpus: number }): string[] {
  const readonly = o.readonly ?? [];
  const append = [
    "console=ttyS0", "panic=-1", "quiet", "intel_iommu=on",
    `hynet.lab=${o.jobDir}`, `hynet.modules=${LAB_MODULES.join(",")}`,
    ...o.writable.map((w, i) => `hynet.rw=rw${i}:${w}`),
    ...readonly.map((r, i) => `hynet.ro=ro${i}:${r}`),
  ].join(" ");
  const argv = [
    // --pdeathsig: the guest ends with the hynet process that started it, however that one ends.
    "setpriv", "--pdeathsig", "KILL", "--",
    "qemu-system-x86_64", "-name", "hynet-lab,debug-threads=on",
    "-machine", `q35,accel=${o.accel}`, ...(o.accel === "kvm" ? ["-cpu", "host"] : []),
    "-smp", String(o.cpus), "-m", `${o.memoryMb}M`,
    "-nodefaults", "-no-user-config", "-display", "none", "-no-reboot",
    // The vIOMMU comes before every other PCI device (QEMU's rule); no interrupt remapping: TCG has no split irqchip.
    "-device", "intel-iommu,intremap=off",
    "-kernel", o.image.kernel, "-initrd", o.image.initrd, "-append", append,
    "-chardev", `file,id=con,path=${path.join(o.jobDir, "console.log")}`, "-serial", "chardev:con",
    "-chardev", "stdio,id=out,signal=off", "-serial", "chardev:out",
    "-fsdev", "local,id=hostroot,path=/,security_model=none,readonly=on", "-device", "virtio-9p-pci,fsdev=hostroot,mount_tag=hostroot,romfile=",
    "-fsdev", `local,id=job,path=${o.jobDir},security_model=none`, "-device", "virtio-9p-pci,fsdev=job,mount_tag=job,romfile=",
  ];
  o.writable.forEach((w, i) => argv.push("-fsdev", `local,id=rw${i},path=${w},security_model=none`, "-device", `virtio-9p-pci,fsdev=rw${i},mount_tag=rw${i},romfile=`));
  readonly.forEach((r, i) => argv.push("-fsdev", `local,id=ro${i},path=${r},security_model=none,readonly=on`, "-device", `virtio-9p-pci,fsdev=ro${i},mount_tag=ro${i},romfile=`));
  for (let c = 0; c < CABLES; c++) {
    for (const end of [0, 1]) {
      const i = c * 2 + end;
      argv.push("-netdev", `hubport,id=c${c}e${end},hubid=${c}`);
      argv.push("-device", `pcie-root-port,id=rp${i},chassis=${i + 1},slot=${i + 1}`);
      argv.push("-device", `igb,bus=rp${i},netdev=c${c}e${end},mac=52:54:00:5a:0${c}:0${end},romfile=`);
    }
  }
  return argv;
}

/** Job folders of lab runs whose process is gone (a kill -9 skips their removal): their guest died with them. */
function removeOrphanJobDirs(): void {
  for (const name of readdirSync(os.tmpdir())) {
    const pid = Number(/^hynet-lab-(\d+)-/.exec(name)?.[1]);
    if (pid > 0 && !processAlive(pid)) rmSync(path.join(os.tmpdir(), name), { recursive: true, force: true });
  }
}

/** Boot the lab, run `o.argv` inside as root, stream its output to `out`; resolves with its exit code. */
export async function runLab(sys: Sys, o: LabOptions, out: Writable): Promise<number> {
  const log = logger(sys.emit, "lab");
  const writable = (o.writable ?? []).map((w) => path.resolve(w));
  for (const w of writable) checkPath(w, "writable folder");
  const image = await labGuestImage(sys);
  // The cache is read-only inside: VM hosts there need their guest image built out here first.
  await defaultGuestImage(sys);
  const accel = await chooseAccel(sys, image, cacheRoot());
  if (!sys.dryRun) removeOrphanJobDirs();
  const jobDir = sys.dryRun ? path.join(os.tmpdir(), "hynet-lab-XXXXXX") : mkdtempSync(path.join(os.tmpdir(), `hynet-lab-${process.pid}-`));
  checkPath(jobDir, "temporary folder");
  try {
    const checkout = packageRoot();
    if (!sys.dryRun) {
      await fsp.mkdir(path.join(jobDir, "bin"));
      await fsp.writeFile(path.join(jobDir, "bin", "hynet"), `#!/bin/sh\nexec node ${shq(path.join(checkout, "bin", "hynet.js"))} "$@"\n`, { mode: 0o755 });
      await fsp.writeFile(path.join(jobDir, "job.sh"), jobScript(o, jobDir));
    }
    const readonly = hiddenFolders([checkout, path.resolve(o.cwd)], writable);
    for (const r of readonly) checkPath(r, "folder");
    const argv = labQemuArgv({ image, accel: accel.accel, jobDir, writable, readonly, memoryMb: o.memoryMb ?? 1536, cpus: o.cpus ?? Math.min(2, os.cpus().length) });
    log.info(`booting the SR-IOV lab (${accel.accel}: ${accel.reason}); 4 igb PFs on 2 cables, host root read-only`);
    if (sys.dryRun) {
      await sys.run(argv);
      return 0;
    }
    const q = sys.spawn(argv, { stdio: ["ignore", "pipe", "pipe"] });
    q.stdout!.pipe(out, { end: false });
    const err: Buffer[] = [];
    q.stderr!.on("data", (b: Buffer) => err.push(b));
    const timer = setTimeout(() => q.kill("SIGKILL"), o.timeoutMs ?? 30 * 60_000);
    const onAbort = () => q.kill("SIGKILL");
    o.signal?.addEventListener("abort", onAbort, { once: true });
    const code = await q.exited.finally(() => {
      clearTimeout(timer);
      o.signal?.removeEventListener("abort", onAbort);
    });
    const rc = (await fsp.readFile(path.join(jobDir, "rc"), "utf8").catch(() => "")).trim();
    if (!/^\d+$/.test(rc)) {
      const consoleText = (await fsp.readFile(path.join(jobDir, "console.log"), "utf8").catch(() => "")).replace(/\r/g, "").split("\n").filter(Boolean).slice(-12).join("\n");
      throw new SystemError("LAB_FAILED", `the lab guest ended (QEMU exit ${code}) before the command finished: ${Buffer.concat(err).toString().trim() || "no message"}\nconsole ends with:\n${consoleText || "(empty)"}`, {
        hint: "QEMU >= 8 with igb is needed (`bash scripts/setup.sh`); HYNET_ACCEL=tcg if KVM misbehaves",
      });
    }
    return Number(rc);
  } finally {
    if (!sys.dryRun) await fsp.rm(jobDir, { recursive: true, force: true });
  }
}
