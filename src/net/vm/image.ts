/**
 * The default guest: built on first use from Debian packages and cached.
 *
 *   kernel   Debian's current `linux-image-amd64` dependency, fetched with
 *            `apt-get download` (never installed on the host), unpacked
 *            with dpkg-deb; its vmlinux is extracted for direct PVH boot.
 *   initrd   a newc cpio made with `cpio` from busybox-static (a shell and
 *            every tool a host needs), iproute2's `ip` with its libraries
 *            (so the same `ip` commands work as on namespace hosts), the
 *            virtio modules of that kernel (with virtio_blk and squashfs for
 *            a root image, params.rootfs), guest/init and guest/agent.sh.
 *
 * Cache layout (`$HYNET_CACHE_DIR`, else /var/cache/hynet as root, else
 * ~/.cache/hynet): guest/<kernel package>/{vmlinuz,vmlinux,modules/,kernel.json}
 * and guest/<kernel package>/initrd-<hash>.cpio, where the hash covers the
 * guest scripts, the tools and modules copied in and this builder's version, so a
 * change to any of them builds a new initrd. Builds go to a temporary
 * folder renamed into place, so parallel first uses and crashes never leave
 * a half-built guest that looks complete.
 */
import { createHash, randomBytes } from "node:crypto";
import { promises as fsp, existsSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { SystemError } from "../../errors.js";
import { logger } from "../../events.js";
import type { Sys } from "../../sys/index.js";
import { ensureDir, writeFileAtomic } from "../../sys/files.js";
import { extractVmlinux, hasPvhNote } from "./kernel.js";

/** Bump when the initrd layout changes. */
const BUILDER_VERSION = 1;

/** Kernel modules the guest loads at boot, in dependency order (guest/init loads them in this order too). */
export const GUEST_MODULES = [
  "failover",
  "net_failover",
  "virtio_ring",
  "virtio",
  "virtio_pci_legacy_dev",
  "virtio_pci_modern_dev",
  "virtio_pci",
  "virtio_mmio",
  "virtio_net",
  "virtio_console",
  // A user-given root image (params.rootfs): the disk and squashfs (160 kB; ext4 and its helpers would add
  // 2.5 MB that every guest unpacks at boot, so other filesystems come with the user's own initrd).
  "virtio_blk",
  "squashfs",
  // Link impairments inside the guest (src/net/impair.ts): delay, jitter and loss, and rate.
  "sch_netem",
  "sch_tbf",
  // A VF passed through by link kind hwpair (igb's VF; the lab's NICs).
  "igbvf",
];

/** netem's delay distribution tables, where tc looks for them (Debian's iproute2 path), copied into the guest with tc. */
const TC_TABLES = ["normal", "pareto", "paretonormal"].map((d) => `/usr/lib/x86_64-linux-gnu/tc/${d}.dist`);

export interface GuestImage {
  /** What QEMU's -kernel gets: the PVH vmlinux when there is one, else the bzImage. */
  kernel: string;
  /** True when `kernel` is a vmlinux with a PVH entry (bootable by microvm without firmware). */
  pvh: boolean;
  initrd: string;
  /** The Debian package the kernel came from. */
  kernelPackage: string;
}

export function cacheRoot(): string {
  if (process.env.HYNET_CACHE_DIR) return process.env.HYNET_CACHE_DIR;
  const uid = typeof process.getuid === "function" ? process.getuid() : -1;
  return uid === 0 ? "/var/cache/hynet" : path.join(os.homedir(), ".cache", "hynet");
}

/** hynet's own folder (where package.json is), from this module's location in src/ or dist/. */
export function packageRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 8; i++) {
    if (existsSync(path.join(dir, "package.json")) && existsSync(path.join(dir, "guest"))) return dir;
    dir = path.dirname(dir);
  }
  throw new SystemError("GUEST_FILES_MISSING", "cannot find hynet's guest/ folder (guest/init, guest/agent.sh)", { hint: "reinstall hynet" });
}

async function tmpDirIn(parent: string): Promise<string> {
  await ensureDir(parent);
  const d = path.join(parent, `.tmp-${process.pid}-${randomBytes(3).toString("hex")}`);
  await fsp.mkdir(d);
  return d;
}

/** Move a finished build into place; if another process finished first, keep theirs. */
async function publish(tmp: string, final: string): Promise<void> {
  try {
    await fsp.rename(tmp, final);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== "ENOTEMPTY" && code !== "EEXIST") throw e;
  }
  await fsp.rm(tmp, { recursive: true, force: true });
}

/** The kernel package `linux-image-amd64` currently depends on, from apt's lists. */
export function kernelPackageFrom(aptCacheDepends: string): string | undefined {
  return /Depends:\s*(linux-image-[0-9][^\s]*)/.exec(aptCacheDepends)?.[1];
}

/** The kernel built most recently into the cache, if any. */
async function cachedKernelPackage(root: string): Promise<string | undefined> {
  const dir = path.join(root, "guest");
  const names = await fsp.readdir(dir).catch(() => [] as string[]);
  let best: { pkg: string; t: number } | undefined;
  for (const n of names) {
    if (!n.startsWith("linux-image-")) continue;
    const st = await fsp.stat(path.join(dir, n, "kernel.json")).catch(() => undefined);
    if (st && (!best || st.mtimeMs > best.t)) best = { pkg: n, t: st.mtimeMs };
  }
  return best?.pkg;
}

/**
 * Which kernel package to boot: HYNET_GUEST_KERNEL_PKG, else the one already
 * cached (asking apt costs seconds on a busy machine, and a fixed kernel
 * keeps measurements comparable; remove the cache to move to a newer one),
 * else what `linux-image-amd64` depends on now.
 */
async function kernelPackage(sys: Sys, root: string): Promise<string> {
  if (process.env.HYNET_GUEST_KERNEL_PKG) return process.env.HYNET_GUEST_KERNEL_PKG;
  const cached = await cachedKernelPackage(root);
  if (cached) return cached;
  const r = await sys.run(["apt-cache", "depends", "linux-image-amd64"], { check: false });
  const pkg = kernelPackageFrom(r.stdout);
  if (!pkg) {
    if (sys.dryRun) return "linux-image-amd64";
    throw new SystemError("GUEST_KERNEL_UNKNOWN", "cannot find Debian's kernel package (apt-cache knows no linux-image-amd64)", {
      hint: "run `apt-get update` once, or set HYNET_GUEST_KERNEL_PKG=linux-image-<version>-amd64",
    });
  }
  return pkg;
}

interface KernelDir {
  dir: string;
  kernel: string;
  pvh: boolean;
  release: string;
}

async function ensureKernel(sys: Sys, root: string, pkg: string, modules: readonly string[] = GUEST_MODULES): Promise<KernelDir> {
  const dir = path.join(root, "guest", pkg);
  const meta = path.join(dir, "kernel.json");
  if (existsSync(meta) && !sys.dryRun) await addModules(sys, root, dir, pkg, GUEST_MODULES);
  if (!existsSync(meta) && !sys.dryRun) {
    const log = logger(sys.emit, "vm");
    log.info(`building the guest kernel from Debian's ${pkg} (once; cached in ${dir})`);
    const tmp = await tmpDirIn(path.join(root, "guest"));
    try {
      const { deb, x } = await unpackDeb(sys, tmp, pkg, ["./boot/vmlinuz-*", ...GUEST_MODULES.map((m) => `./lib/modules/*/${m}.ko*`)]);
      const vmlinuz = (await fsp.readdir(path.join(x, "boot"))).find((f) => f.startsWith("vmlinuz-"));
      if (!vmlinuz) throw new SystemError("GUEST_KERNEL_DOWNLOAD", `${pkg} holds no /boot/vmlinuz-*`);
      const release = vmlinuz.slice("vmlinuz-".length);
      await fsp.rename(path.join(x, "boot", vmlinuz), path.join(tmp, "vmlinuz"));
      const mods = path.join(tmp, "modules");
      await fsp.mkdir(mods);
      await moveModules(sys, path.join(x, "lib", "modules", release), mods);
      const missing = GUEST_MODULES.filter((m) => !existsSync(path.join(mods, `${m}.ko`)));
      // A module built into the kernel is not a file: only warn, the guest loads what is there.
      if (missing.length) log.debug(`guest kernel ${release}: modules not found as files (built in?): ${missing.join(", ")}`);
      let pvh = await extractVmlinux(sys, path.join(tmp, "vmlinuz"), path.join(tmp, "vmlinux"));
      if (pvh) pvh = hasPvhNote(await fsp.readFile(path.join(tmp, "vmlinux")));
      if (!pvh) await fsp.rm(path.join(tmp, "vmlinux"), { force: true });
      await fsp.rm(x, { recursive: true, force: true });
      await fsp.rm(path.join(tmp, deb), { force: true });
      await writeFileAtomic(path.join(tmp, "kernel.json"), JSON.stringify({ package: pkg, release, pvh, modules: GUEST_MODULES }, null, 2) + "\n");
      await publish(tmp, dir);
    } catch (e) {
      await fsp.rm(tmp, { recursive: true, force: true });
      throw e;
    }
  }
  if (existsSync(meta) && !sys.dryRun && modules !== GUEST_MODULES) await addModules(sys, root, dir, pkg, modules);
  if (sys.dryRun && !existsSync(meta)) return { dir, kernel: path.join(dir, "vmlinux"), pvh: true, release: "?" };
  const m = JSON.parse(await fsp.readFile(meta, "utf8")) as { release: string; pvh: boolean };
  return { dir, kernel: path.join(dir, m.pvh ? "vmlinux" : "vmlinuz"), pvh: m.pvh, release: m.release };
}

/** Download a kernel package and unpack only the files matching `patterns` (the whole package unpacks to ~400 MB). */
async function unpackDeb(sys: Sys, tmp: string, pkg: string, patterns: string[]): Promise<{ deb: string; x: string }> {
  await sys.run(["apt-get", "download", "-q", pkg], { cwd: tmp });
  const deb = (await fsp.readdir(tmp)).find((f) => f.endsWith(".deb"));
  if (!deb) throw new SystemError("GUEST_KERNEL_DOWNLOAD", `apt-get download ${pkg} left no .deb`);
  const x = path.join(tmp, "x");
  await fsp.mkdir(x);
  // --wildcards with no match is an error for tar; a module built into the kernel has no file, so tolerate that.
  await sys.run(["sh", "-c", `dpkg-deb --fsys-tarfile "$0" | tar -x -C "$1" --wildcards ${patterns.map((p) => `'${p}'`).join(" ")} 2>/dev/null; exit 0`, path.join(tmp, deb), x]);
  return { deb, x };
}

/** Move the .ko files under `from` flat into `to`, decompressed. */
async function moveModules(sys: Sys, from: string, to: string): Promise<void> {
  for (const f of await fsp.readdir(from, { recursive: true }).catch(() => [] as string[])) {
    const base = path.basename(f);
    if (!/\.ko(\.xz|\.zst)?$/.test(base)) continue;
    await fsp.rename(path.join(from, f), path.join(to, base));
    if (base.endsWith(".ko.xz")) await sys.run(["xz", "-d", "-f", path.join(to, base)]);
    if (base.endsWith(".ko.zst")) await sys.run(["zstd", "-dqf", "--rm", path.join(to, base)]);
  }
}

/**
 * A kernel cached before GUEST_MODULES grew (e.g. before root images) keeps its kernel (measurements stay
 * comparable) and gets only the missing modules, from the same package.
 */
async function addModules(sys: Sys, root: string, dir: string, pkg: string, modules: readonly string[]): Promise<void> {
  const meta = path.join(dir, "kernel.json");
  const m = JSON.parse(await fsp.readFile(meta, "utf8")) as { release: string; pvh: boolean; modules?: string[] };
  const want = modules.filter((g) => !(m.modules ?? []).includes(g) && !existsSync(path.join(dir, "modules", `${g}.ko`)));
  if (!want.length) return;
  logger(sys.emit, "vm").info(`adding modules ${want.join(", ")} to the cached guest kernel ${pkg} (once)`);
  const tmp = await tmpDirIn(path.join(root, "guest"));
  try {
    const { x } = await unpackDeb(sys, tmp, pkg, want.map((g) => `./lib/modules/*/${g}.ko*`));
    await moveModules(sys, path.join(x, "lib", "modules", m.release), path.join(dir, "modules"));
    await writeFileAtomic(meta, JSON.stringify({ ...m, modules: [...new Set([...(m.modules ?? []), ...modules])] }, null, 2) + "\n");
  } finally {
    await fsp.rm(tmp, { recursive: true, force: true });
  }
}

/** Host programs copied into the guest, with the shared libraries each needs. */
async function hostProgram(sys: Sys, name: string): Promise<string> {
  for (const d of ["/usr/sbin", "/usr/bin", "/sbin", "/bin"]) {
    const p = path.join(d, name);
    if (existsSync(p)) return fsp.realpath(p);
  }
  throw new SystemError("PROGRAM_MISSING", `program not found: ${name}`, { hint: "run `bash scripts/setup.sh` to install hynet's system dependencies" });
}

/** Shared libraries of a program as ldd lists them (none for a static one). */
export function lddPaths(lddOut: string): string[] {
  const out = new Set<string>();
  for (const line of lddOut.split("\n")) {
    const m = /(\/\S+)\s+\(0x/.exec(line) ?? /=>\s+(\/\S+)/.exec(line);
    if (m) out.add(m[1]);
  }
  return [...out];
}

async function copyInto(stage: string, src: string, dest = src): Promise<void> {
  const to = path.join(stage, dest);
  await fsp.mkdir(path.dirname(to), { recursive: true });
  await fsp.copyFile(src, to);
}

async function walk(dir: string, rel = "."): Promise<string[]> {
  const out: string[] = [rel];
  for (const e of await fsp.readdir(path.join(dir, rel), { withFileTypes: true })) {
    const r = `${rel}/${e.name}`;
    if (e.isDirectory()) out.push(...(await walk(dir, r)));
    else out.push(r);
  }
  return out;
}

async function buildInitrd(sys: Sys, k: KernelDir, guestDir: string, o: { init?: string; modules?: readonly string[] } = {}): Promise<string> {
  const init = await fsp.readFile(path.join(guestDir, o.init ?? "init"));
  const agent = await fsp.readFile(path.join(guestDir, "agent.sh"));
  const busybox = await hostProgram(sys, "busybox");
  const ip = await hostProgram(sys, "ip");
  const tc = await hostProgram(sys, "tc");
  const h = createHash("sha256");
  h.update(`v${BUILDER_VERSION}\0`).update(init).update("\0").update(agent);
  // Only GUEST_MODULES go in (the cache may hold more); the set is part of the initrd's identity.
  const modules = (o.modules ?? GUEST_MODULES).map((m) => `${m}.ko`).filter((f) => existsSync(path.join(k.dir, "modules", f)));
  h.update(`\0${modules.join(",")}`);
  for (const p of [busybox, ip, tc]) {
    const st = await fsp.stat(p);
    h.update(`\0${p}:${st.size}:${st.mtimeMs}`);
  }
  const out = path.join(k.dir, `initrd-${h.digest("hex").slice(0, 16)}.cpio`);
  if (existsSync(out) || sys.dryRun) return out;

  const tmp = await tmpDirIn(k.dir);
  try {
    const stage = path.join(tmp, "root");
    for (const d of ["bin", "sbin", "usr/bin", "usr/sbin", "lib/modules", "proc", "sys", "dev", "run", "tmp", "etc", "root"]) {
      await fsp.mkdir(path.join(stage, d), { recursive: true });
    }
    await copyInto(stage, busybox, "bin/busybox");
    const applets = (await sys.run([busybox, "--list"])).stdout.split("\n").map((s) => s.trim()).filter((a) => /^[\w.[\]-]+$/.test(a) && a !== "busybox");
    for (const a of applets) await fsp.symlink("busybox", path.join(stage, "bin", a));
    // iproute2's ip replaces busybox's (which lacks e.g. `neigh replace … nud permanent`, `-j`).
    await fsp.rm(path.join(stage, "bin", "ip"), { force: true });
    await copyInto(stage, ip, "bin/ip");
    await fsp.rm(path.join(stage, "bin", "tc"), { force: true });
    await copyInto(stage, tc, "bin/tc");
    for (const t of TC_TABLES.filter((f) => existsSync(f))) await copyInto(stage, t, t);
    for (const prog of [busybox, ip, tc]) {
      const r = await sys.run(["ldd", prog], { check: false });
      for (const lib of lddPaths(r.stdout)) await copyInto(stage, await fsp.realpath(lib), lib);
    }
    for (const f of modules) await copyInto(stage, path.join(k.dir, "modules", f), `lib/modules/${f}`);
    await fsp.writeFile(path.join(stage, "init"), init, { mode: 0o755 });
    await fsp.writeFile(path.join(stage, "bin", "hynet-agent"), agent, { mode: 0o755 });
    await fsp.writeFile(path.join(stage, "etc", "passwd"), "root:x:0:0:root:/root:/bin/sh\n");
    await fsp.writeFile(path.join(stage, "etc", "group"), "root:x:0:\n");
    const list = (await walk(stage)).map((p) => p.replace(/^\.\/?/, "")).filter(Boolean);
    // Uncompressed: unpacking a few MB is faster in a TCG guest than decompressing them.
    const cpio = path.join(tmp, "initrd.cpio");
    await sys.run(["cpio", "-o", "-H", "newc", "--quiet", "-R", "0:0", "-O", cpio], { cwd: stage, input: list.join("\n") + "\n" });
    await fsp.rename(cpio, out);
  } finally {
    await fsp.rm(tmp, { recursive: true, force: true });
  }
  return out;
}

/** The default guest, built on first use. */
export async function defaultGuestImage(sys: Sys, o: { cacheDir?: string } = {}): Promise<GuestImage> {
  const root = o.cacheDir ?? cacheRoot();
  const pkg = await kernelPackage(sys, root);
  const k = await ensureKernel(sys, root, pkg);
  const initrd = await buildInitrd(sys, k, path.join(packageRoot(), "guest"));
  return { kernel: k.kernel, pvh: k.pvh, initrd, kernelPackage: pkg };
}

/**
 * Modules the SR-IOV lab guest loads, in dependency order (guest/lab-init loads them in this order):
 * the host's root over 9p, the igb PF and igbvf VF drivers, vfio-pci for VF passthrough, veth and
 * the bridge for the veth comparison.
 */
export const LAB_MODULES = [
  ...GUEST_MODULES,
  "netfs", "fscache", "9pnet", "9pnet_virtio", "9p",
  "dca", "i2c-algo-bit", "igb",
  "irqbypass", "vfio", "vfio_iommu_type1", "vfio_virqfd", "vfio-pci-core", "vfio-pci",
  "veth", "llc", "stp", "bridge",
];

/** The SR-IOV lab's guest (src/net/vm/lab.ts): the same cached kernel, its own init and modules; built on first use. */
export async function labGuestImage(sys: Sys, o: { cacheDir?: string } = {}): Promise<GuestImage> {
  const root = o.cacheDir ?? cacheRoot();
  const pkg = await kernelPackage(sys, root);
  const k = await ensureKernel(sys, root, pkg, LAB_MODULES);
  const initrd = await buildInitrd(sys, k, path.join(packageRoot(), "guest"), { init: "lab-init", modules: LAB_MODULES });
  // q35 boots the compressed kernel through its firmware; the PVH vmlinux is for microvm.
  return { kernel: path.join(k.dir, "vmlinuz"), pvh: false, initrd, kernelPackage: pkg };
}
