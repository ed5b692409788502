/**
 * The QEMU command line of one guest, as plain data in → argv out (no
 * system calls), so it can be checked by tests and printed by --dry-run.
 *
 * Choices for a fast, quiet boot (each measured, see docs/vm.md):
 * direct kernel boot (-kernel/-initrd/-append) of a PVH vmlinux on the
 * `microvm` machine (no PCI bus, no firmware tables to scan, no option
 * ROMs), -nodefaults -no-user-config (no VGA, no default NIC, no floppy),
 * the serial console into a file, the agent and QMP on Unix sockets, and
 * -daemonize so the guest outlives the process that started it (`hynet up`).
 */

export type Accel = "kvm" | "tcg";
export type Machine = "microvm" | "pc" | "q35";

export interface NicConfig {
  /** Host-side tap the NIC is connected to. */
  tap: string;
  mac: string;
  /** A PCI device (a VF bound to vfio-pci) passed to the guest instead of a virtio NIC on the tap. */
  vfio?: string;
}

export interface GuestConfig {
  name: string;
  qemu?: string;
  accel: Accel;
  machine: Machine;
  kernel: string;
  initrd: string;
  /** A user-given root image: a virtio disk, its writes kept in a temporary overlay (snapshot=on), never in the file. */
  rootfs?: { path: string; format: "raw" | "qcow2" };
  /** The full kernel command line (see guestCmdline). */
  cmdline: string;
  cpus: number;
  memoryMb: number;
  nics: NicConfig[];
  agentSocket: string;
  qmpSocket: string;
  consoleLog: string;
  pidFile: string;
}

/** The kernel command line: hynet's base, the machine's needs, then the kind's and the user's words. */
export function guestCmdline(o: { name: string; accel: Accel; machine: Machine; tscKhz?: number; extra?: string[] }): string {
  const words = ["console=ttyS0", "panic=-1", "quiet", `hynet.name=${o.name}`];
  // microvm has no timer (no HPET, no ACPI PM timer) to calibrate the TSC against under TCG; the guest reads the host's TSC.
  if (o.machine === "microvm" && o.accel === "tcg" && o.tscKhz) words.push(`tsc_early_khz=${o.tscKhz}`);
  for (const w of o.extra ?? []) if (w.trim()) words.push(...w.trim().split(/\s+/));
  return words.join(" ");
}

/** Parse "256M", "4G", "1048576" (bytes), "512" (MB if small) into MiB. */
export function memoryMb(spec: string | undefined, fallback: number): number {
  if (spec === undefined) return fallback;
  const m = /^(\d+)([KMGT]?)$/i.exec(spec.trim());
  if (!m) return fallback;
  const n = Number(m[1]);
  switch (m[2].toUpperCase()) {
    case "K":
      return Math.max(1, Math.ceil(n / 1024));
    case "M":
      return n;
    case "G":
      return n * 1024;
    case "T":
      return n * 1024 * 1024;
    default:
      // A bare number is bytes (as the topology schema documents), unless it is too small to be.
      return n < 1 << 20 ? n : Math.ceil(n / (1 << 20));
  }
}

export function qemuArgv(c: GuestConfig): string[] {
  const micro = c.machine === "microvm";
  const machine = micro
    ? // pit/pic/rtc: the Debian kernel's early boot wants legacy timers; acpi: describes the virtio-mmio devices (its virtio_mmio has no command-line devices).
      // No x-option-roms=off: QEMU >= 8 boots a PVH kernel on microvm through its pvh option ROM (without it the guest never starts).
      "microvm,pit=on,pic=on,rtc=on,acpi=on"
    : c.machine;
  const bus = micro ? "device" : "pci";
  const noRom = micro ? "" : ",romfile=";
  const argv = [
    c.qemu ?? "qemu-system-x86_64",
    // debug-threads: vCPU threads are named "CPU n/TCG" (or /KVM), so `top -H` and tests can tell them apart.
    "-name", `hynet-${c.name},debug-threads=on`,
    "-machine", `${machine},accel=${c.accel}`,
    // TCG keeps QEMU's default CPU model: fewer features to emulate.
    ...(c.accel === "kvm" ? ["-cpu", "host"] : []),
    "-smp", String(c.cpus),
    "-m", `${c.memoryMb}M`,
    "-nodefaults", "-no-user-config", "-display", "none", "-no-reboot",
    "-kernel", c.kernel, "-initrd", c.initrd, "-append", c.cmdline,
    "-chardev", `file,id=con,path=${c.consoleLog}`, "-serial", "chardev:con",
    "-chardev", `socket,id=agent,path=${c.agentSocket},server=on,wait=off`,
    "-device", `virtio-serial-${bus}${noRom}`,
    "-device", "virtserialport,chardev=agent,name=hynet.agent",
    "-qmp", `unix:${c.qmpSocket},server=on,wait=off`,
  ];
  if (c.rootfs) {
    // QEMU's -drive splits options at commas; a comma in a path is written twice.
    argv.push("-drive", `file=${c.rootfs.path.replace(/,/g, ",,")},format=${c.rootfs.format},if=none,id=root,snapshot=on`);
    argv.push("-device", `virtio-blk-${bus},drive=root${noRom}`);
  }
  c.nics.forEach((n, i) => {
    if (n.vfio) return void argv.push("-device", `vfio-pci,host=${n.vfio}`);
    argv.push("-netdev", `tap,id=n${i},ifname=${n.tap},script=no,downscript=no`);
    argv.push("-device", `virtio-net-${bus},netdev=n${i},mac=${n.mac}${noRom}`);
  });
  argv.push("-daemonize", "-pidfile", c.pidFile);
  return argv;
}
