/** `hynet machine check`: what the machine really has (PFs, VFs, drivers, IOMMU groups) against its machine file. */
import { UsageError } from "../errors.js";
import type { CommandSpec, OptionSpec, Options } from "./spec.js";

/** `--machine FILE`, shared by every command that may bring hwpair links up or down. */
export const machineOption: OptionSpec = {
  name: "machine",
  type: "string",
  value: "FILE",
  description: "the machine file describing this machine's SR-IOV NICs (default $HYNET_MACHINE or /etc/hynet/machine.yaml; docs/sriov.md)",
};

/** Kinds are stateless and read the machine file themselves: the option reaches them through the environment. */
export function useMachineOption(opts: Options): void {
  if (typeof opts.machine === "string") process.env.HYNET_MACHINE = opts.machine;
}

export const machineCommand: CommandSpec = {
  name: "machine",
  summary: "check this machine's SR-IOV NICs against its machine file (for link kind hwpair)",
  description:
    "`hynet machine check` reads the machine file (--machine FILE, else $HYNET_MACHINE, else /etc/hynet/machine.yaml) and prints, " +
    "for each PF it names, what sysfs says: PCI address, driver, sriov_totalvfs, sriov_numvfs, IOMMU group, and each VF's netdev and " +
    "driver (a VF without a netdev here is in use: in a namespace or passed to a guest). Exits 1 when the machine cannot give what the file asks.",
  args: [{ name: "action", description: "check", required: true }],
  options: [machineOption],
  examples: ["hynet machine check", "hynet machine check --machine lab-machine.yaml"],
  async run(args, opts, ctx) {
    if (args[0] !== "check") throw new UsageError(`unknown action "${args[0]}"`, { hint: "hynet machine check" });
    useMachineOption(opts);
    const { checkMachine } = await import("../net/machine-check.js");
    const r = await checkMachine();
    for (const line of r.lines) ctx.sys.emit({ type: "result", scope: "net", kind: "machine.check", line, data: null });
    ctx.sys.emit({ type: "result", scope: "net", kind: "machine.check", line: r.problems.length ? `NOT usable: ${r.problems.join("; ")}` : "usable for hwpair links", data: r });
    return r.problems.length ? 1 : 0;
  },
};
