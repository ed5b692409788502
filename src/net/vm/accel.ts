/**
 * Which accelerator guests run with. A /dev/kvm that opens proves nothing:
 * on some machines QEMU starts with -accel kvm and the guest then hangs
 * (a CPU without vmx/svm behind a device node that exists). So KVM counts
 * as usable only when a probe guest boots to its init under KVM within a
 * few seconds; the answer is cached per (QEMU, host kernel, CPU), and
 * `HYNET_ACCEL=kvm|tcg` overrides it.
 */
import * as os from "node:os";
import * as path from "node:path";
import { promises as fsp, existsSync } from "node:fs";
import type { Sys } from "../../sys/index.js";
import { writeFileAtomic, ensureDir } from "../../sys/files.js";
import { kvmDeviceExists } from "../../sys/qemu.js";
import { UsageError } from "../../errors.js";
import type { Accel } from "./qemu-args.js";
import type { GuestImage } from "./image.js";

export interface AccelChoice {
  accel: Accel;
  /** Why, in words for the log: "KVM probe boot succeeded", "no /dev/kvm", … */
  reason: string;
}

const PROBE_TIMEOUT_MS = 8000;

async function probeKey(sys: Sys): Promise<string> {
  const v = (await sys.run(["qemu-system-x86_64", "--version"], { check: false })).stdout.split("\n")[0] ?? "";
  const cpu = os.cpus()[0]?.model ?? "";
  return `${v}|${os.release()}|${cpu}`;
}

/** Boot the guest kernel under KVM with an init that ends at once: QEMU exits by itself when KVM works. */
async function probeKvm(sys: Sys, image: GuestImage, dir: string): Promise<boolean> {
  const log = path.join(dir, `kvm-probe-${process.pid}.log`);
  try {
    const r = await sys.run(
      [
        "qemu-system-x86_64", "-machine", "pc,accel=kvm", "-cpu", "host", "-m", "128M",
        "-nodefaults", "-no-user-config", "-display", "none", "-no-reboot",
        "-kernel", image.kernel, "-initrd", image.initrd,
        "-append", "console=ttyS0 panic=-1 rdinit=/bin/true",
        "-chardev", `file,id=con,path=${log}`, "-serial", "chardev:con",
      ],
      { check: false, timeoutMs: PROBE_TIMEOUT_MS },
    );
    const text = await fsp.readFile(log, "utf8").catch(() => "");
    return r.code === 0 && /Run \/bin\/true|Kernel panic/.test(text);
  } catch {
    return false; // timed out: the guest hung
  } finally {
    await fsp.rm(log, { force: true });
  }
}

export async function chooseAccel(sys: Sys, image: GuestImage, cacheDir: string): Promise<AccelChoice> {
  const forced = process.env.HYNET_ACCEL;
  if (forced) {
    if (forced !== "kvm" && forced !== "tcg") throw new UsageError(`HYNET_ACCEL must be "kvm" or "tcg", not "${forced}"`);
    return { accel: forced, reason: "set by HYNET_ACCEL" };
  }
  if (!kvmDeviceExists()) return { accel: "tcg", reason: "no /dev/kvm" };
  if (sys.dryRun) return { accel: "kvm", reason: "dry run: /dev/kvm exists (not probed)" };
  const file = path.join(cacheDir, "accel.json");
  const key = await probeKey(sys);
  if (existsSync(file)) {
    try {
      const c = JSON.parse(await fsp.readFile(file, "utf8")) as { key: string; kvm: boolean };
      if (c.key === key) return c.kvm ? { accel: "kvm", reason: "KVM probe boot succeeded (cached)" } : { accel: "tcg", reason: "/dev/kvm exists but a probe guest hangs under KVM (cached)" };
    } catch {
      /* a damaged cache is probed again */
    }
  }
  await ensureDir(cacheDir);
  const kvm = await probeKvm(sys, image, cacheDir);
  await writeFileAtomic(file, JSON.stringify({ key, kvm, probed: new Date().toISOString() }) + "\n");
  return kvm ? { accel: "kvm", reason: "KVM probe boot succeeded" } : { accel: "tcg", reason: "/dev/kvm exists but a probe guest hangs under KVM" };
}
