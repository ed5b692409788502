/** `hynet lab sriov -- CMD…`: run a command as root in an emulated machine with SR-IOV NICs. */
import { UsageError } from "../errors.js";
import type { CommandSpec } from "./spec.js";

export const labCommand: CommandSpec = {
  name: "lab",
  summary: "run a command in an emulated SR-IOV machine (QEMU igb NICs, cabled in pairs) to try hwpair links without the hardware",
  description:
    "Boots a QEMU q35 guest with four emulated Intel 82576 NICs (igb, up to 7 VFs each) cabled in two pairs, a vIOMMU, and this " +
    "machine's root shared read-only (so this hynet and its node runtime run inside unchanged; /run and /tmp are empty tmpfs). " +
    "Loads igb, igbvf and vfio-pci, writes the machine file for the PFs ($HYNET_MACHINE), runs the command after -- as root, " +
    "streams its output and exits with its exit code. `hynet` on PATH inside is this checkout. Nothing is left behind. Needs root " +
    "and QEMU >= 8 (bash scripts/setup.sh). See docs/sriov.md.",
  args: [{ name: "kind", description: "the lab: sriov", required: true }],
  options: [
    { name: "writable", type: "list", value: "DIR", description: "a host folder the command may write (shared read-write at the same path; repeatable)" },
    { name: "memory", type: "number", value: "MB", default: 1536, description: "guest memory in MiB" },
    { name: "timeout", type: "number", value: "S", default: 1800, description: "kill the guest after this many seconds" },
  ],
  examples: [
    "hynet lab sriov -- hynet up examples/paper/topology.yaml --link-kind hwpair",
    "hynet lab sriov -- hynet machine check",
    "hynet lab sriov --writable results -- sh -c 'hynet run examples/sriov/experiment.yaml --out /run/sriov && cp -r /run/sriov results/'",
  ],
  async run(args, opts, ctx) {
    if (args[0] !== "sriov") throw new UsageError(`unknown lab "${args[0]}"`, { hint: "hynet lab sriov -- CMD…" });
    if (ctx.rest.length === 0) throw new UsageError("no command given", { hint: "put the command after --, e.g. `hynet lab sriov -- hynet machine check`" });
    const { PrivilegeError } = await import("../errors.js");
    if (!ctx.sys.dryRun && !ctx.sys.isRoot()) throw new PrivilegeError("`hynet lab` shares the host's root with a guest that runs as root");
    const { runLab } = await import("../net/vm/lab.js");
    const writable = (opts.writable as string[] | undefined) ?? [];
    return runLab(ctx.sys, { argv: ctx.rest, cwd: process.cwd(), writable, memoryMb: Number(opts.memory), timeoutMs: Number(opts.timeout) * 1000, signal: ctx.signal }, process.stdout);
  },
};
