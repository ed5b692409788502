/**
 * The machine file: what a DuT has (not what a topology wants) — its PF
 * pairs cabled to each other, how many VFs hynet may make on each PF, the
 * VLAN the first VF pair gets, and the PFs cabled to the load generator.
 * Default /etc/hynet/machine.yaml; `--machine FILE` (or $HYNET_MACHINE)
 * names another. Errors carry the file and line, as topology errors do.
 *
 *   pairs:
 *     - { a: enp100s0f0, b: enp33s0f0 }   # VF k of a and VF k of b are one wire (VLAN vlan_base + k)
 *   vfs: 14
 *   vlan_base: 1
 *   loadgen: [enp100s0f1, enp33s0f1]
 */
import { LineCounter, parseDocument } from "yaml";
import { z } from "zod";
import { InputError, SystemError } from "../errors.js";
import { readText } from "../sys/files.js";
import { lineOf } from "../topo/load.js";

export const DEFAULT_MACHINE_FILE = "/etc/hynet/machine.yaml";

const ifname = z.string().regex(/^[^\s/]{1,15}$/, "a network interface name (at most 15 characters, no spaces or /)");

const machineSchema = z.strictObject({
  pairs: z.array(z.strictObject({ a: ifname, b: ifname })).min(1, "name at least one pair of PFs cabled to each other"),
  vfs: z.number().int().min(1).max(256),
  vlan_base: z.number().int().min(1).max(4094).default(1),
  loadgen: z.array(ifname).default([]),
});

export interface PfPair {
  a: string;
  b: string;
}

export interface Machine {
  file: string;
  pairs: PfPair[];
  /** VFs hynet makes on each PF of a pair. */
  vfs: number;
  vlanBase: number;
  loadgen: string[];
}

/** One wire: VF `vf` on both PFs of `pair`, tagged `vlan`. `slot` counts wires over all pairs. */
export interface VfPairSlot {
  slot: number;
  pair: PfPair;
  vf: number;
  vlan: number;
}

/** Every wire the machine offers, in the order links take them. */
export function slots(m: Machine): VfPairSlot[] {
  return m.pairs.flatMap((pair, p) => Array.from({ length: m.vfs }, (_, vf) => ({ slot: p * m.vfs + vf, pair, vf, vlan: m.vlanBase + p * m.vfs + vf })));
}

/** The machine file in effect: the option, else $HYNET_MACHINE, else /etc/hynet/machine.yaml. */
export function machineFile(file?: string): string {
  return file ?? process.env.HYNET_MACHINE ?? DEFAULT_MACHINE_FILE;
}

export function parseMachine(text: string, file: string): Machine {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: false });
  if (doc.errors.length) {
    const e = doc.errors[0];
    throw new InputError("MACHINE_YAML", `not valid YAML: ${e.message.split("\n")[0]}`, { file, line: lc.linePos(e.pos[0]).line });
  }
  const parsed = machineSchema.safeParse(doc.toJS() ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const p = issue.path.filter((x): x is string | number => typeof x !== "symbol");
    const fieldPath = issue.code === "unrecognized_keys" ? [...p, issue.keys[0]] : p;
    const what = issue.code === "unrecognized_keys" ? `unknown field "${issue.keys[0]}"` : issue.message.replace(/^Invalid input: /, "");
    throw new InputError("MACHINE_SCHEMA", `${fieldPath.join(".") || "machine file"}: ${what}`, {
      file,
      line: lineOf(doc, lc, fieldPath) ?? 1,
      hint: "docs/sriov.md describes the machine file (pairs, vfs, vlan_base, loadgen)",
    });
  }
  const d = parsed.data;
  const pfs = [...d.pairs.flatMap((x) => [x.a, x.b]), ...d.loadgen];
  const twice = pfs.find((pf, i) => pfs.indexOf(pf) !== i);
  if (twice) throw new InputError("MACHINE_SCHEMA", `PF ${twice} is named twice`, { file, line: lineOf(doc, lc, ["pairs"]) ?? 1, hint: "each PF is in one pair, or faces the load generator" });
  return { file, pairs: d.pairs, vfs: d.vfs, vlanBase: d.vlan_base, loadgen: d.loadgen };
}

export async function loadMachine(file?: string): Promise<Machine> {
  const f = machineFile(file);
  let text: string;
  try {
    text = await readText(f);
  } catch (e) {
    throw new SystemError("MACHINE_FILE_MISSING", `cannot read the machine file ${f}: ${(e as Error).message}`, {
      hint: "describe the SR-IOV NICs in /etc/hynet/machine.yaml or pass --machine FILE (docs/sriov.md); without SR-IOV hardware try `hynet lab sriov -- …`",
    });
  }
  return parseMachine(text, f);
}

/** Render a machine file (the lab writes one for its emulated NICs). */
export function machineYaml(m: Omit<Machine, "file">): string {
  const pairs = m.pairs.map((p) => `  - { a: ${p.a}, b: ${p.b} }`).join("\n");
  return `# Written by hynet: SR-IOV NICs of this machine (docs/sriov.md)\npairs:\n${pairs}\nvfs: ${m.vfs}\nvlan_base: ${m.vlanBase}\nloadgen: [${m.loadgen.join(", ")}]\n`;
}
