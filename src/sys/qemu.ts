/**
 * System-level helpers for QEMU guests: the Unix sockets QEMU serves (the
 * guest agent's virtio-serial port, QMP), and the few host facts the guest
 * configuration needs. The protocols themselves live in src/net/vm.
 */
import * as net from "node:net";
import { existsSync, readFileSync, promises as fsp } from "node:fs";
import { SystemError } from "../errors.js";

/**
 * Connect to a Unix socket, retrying while it does not exist yet or its
 * listener's queue is full (QEMU serves one client at a time on a chardev
 * socket and queues one more), until `deadline` (monotonic ms).
 */
export async function connectUnix(path: string, deadlineMs: number, signal?: AbortSignal): Promise<net.Socket> {
  for (;;) {
    try {
      return await new Promise<net.Socket>((resolve, reject) => {
        const s = net.createConnection({ path });
        s.once("connect", () => {
          s.removeAllListeners("error");
          resolve(s);
        });
        s.once("error", (e) => {
          s.destroy();
          reject(e);
        });
      });
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code ?? "";
      if (!["ENOENT", "ECONNREFUSED", "EAGAIN"].includes(code) || performance.now() >= deadlineMs || signal?.aborted) {
        throw new SystemError("SOCKET_CONNECT", `cannot connect to ${path}: ${(e as Error).message}`, { cause: e });
      }
      await new Promise((r) => setTimeout(r, code === "EAGAIN" ? 5 : 20));
    }
  }
}

/** Is a process with this PID alive (and not a zombie)? */
export function processAlive(pid: number): boolean {
  if (!(pid > 0)) return false;
  try {
    process.kill(pid, 0);
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
  // Synchronous on purpose: wait loops poll it. A QEMU we spawned can linger as a zombie until reaped.
  try {
    return !/^\d+ \(.*\) Z /.test(readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return false;
  }
}

/** The absolute path of `program` on $PATH, or undefined (read-only: nothing is run). */
export function findOnPath(program: string): string | undefined {
  for (const dir of (process.env.PATH ?? "").split(":")) {
    if (dir && existsSync(`${dir}/${program}`)) return `${dir}/${program}`;
  }
  return undefined;
}

/** Whether the KVM device node exists (it says nothing about whether KVM works: see src/net/vm/accel.ts). */
export function kvmDeviceExists(): boolean {
  return existsSync("/dev/kvm");
}

/**
 * The host's TSC frequency in kHz, when the CPU has an invariant TSC and
 * the kernel reports it. Under TCG a guest reads the host's TSC, and QEMU's
 * microvm machine has no timer the guest kernel could calibrate it against.
 */
export async function hostTscKhz(): Promise<number | undefined> {
  let text: string;
  try {
    text = await fsp.readFile("/proc/cpuinfo", "utf8");
  } catch {
    return undefined;
  }
  const first = text.split("\n\n")[0] ?? "";
  const flags = /^flags\s*:\s*(.*)$/m.exec(first)?.[1]?.split(/\s+/) ?? [];
  if (!flags.includes("constant_tsc") || !flags.includes("tsc_known_freq")) return undefined;
  const mhz = Number(/^cpu MHz\s*:\s*([\d.]+)$/m.exec(first)?.[1]);
  return Number.isFinite(mhz) && mhz > 0 ? Math.round(mhz * 1000) : undefined;
}

/** The number of CPUs the kernel has online (for checking pinning requests). */
export async function onlineCpus(): Promise<number[]> {
  try {
    const s = (await fsp.readFile("/sys/devices/system/cpu/online", "utf8")).trim();
    const out: number[] = [];
    for (const part of s.split(",")) {
      const [a, b] = part.split("-").map(Number);
      for (let c = a; c <= (b ?? a); c++) out.push(c);
    }
    return out;
  } catch {
    return [];
  }
}

/** Where the SR-IOV lab's machine file is inside its guest (guest/lab-init writes it there). */
export const LAB_MACHINE_FILE = "/run/hynet-lab/machine.yaml";

/** The lab's guest mounts tmpfs on these (guest/lab-init): a host folder below one is hidden inside unless shared on its own. */
export const LAB_TMPFS_DIRS = ["/tmp", "/var/tmp", "/run"];
