/** `hynet machine check`: the machine file against what sysfs shows. */
import { hasIommu, listSriovPfs, readPf } from "../sys/sriov.js";
import { loadMachine, slots } from "./machine.js";
import { sysfsRoot, vfsTakenByOthers } from "./sriov.js";

export interface MachineReport {
  file: string;
  lines: string[];
  problems: string[];
}

export async function checkMachine(root = sysfsRoot()): Promise<MachineReport> {
  const m = await loadMachine();
  const lines: string[] = [`machine file ${m.file}: ${m.pairs.length} cabled PF pair(s), ${m.vfs} VFs per PF, VLANs ${m.vlanBase}…${m.vlanBase + slots(m).length - 1}`];
  const problems: string[] = [];
  const iommu = hasIommu(root);
  lines.push(`IOMMU groups: ${iommu ? "yes" : "none (VF passthrough to VM hosts needs intel_iommu=on / amd_iommu=on)"}`);
  const taken = vfsTakenByOthers("");
  const pfs = [...m.pairs.flatMap((p, i) => [{ pf: p.a, role: `pair ${i} a` }, { pf: p.b, role: `pair ${i} b` }]), ...m.loadgen.map((pf) => ({ pf, role: "loadgen" }))];
  for (const { pf, role } of pfs) {
    const info = readPf(pf, root);
    if (!info) {
      lines.push(`${pf} (${role}): NOT FOUND`);
      problems.push(`${pf} is not an SR-IOV network device here`);
      continue;
    }
    lines.push(
      `${pf} (${role}): ${info.bdf} driver ${info.driver ?? "none"}, sriov_totalvfs ${info.totalVfs}, sriov_numvfs ${info.numVfs}, IOMMU group ${info.iommuGroup ?? "none"}`,
    );
    if (!info.driver) problems.push(`${pf} has no driver`);
    const want = role === "loadgen" ? 1 : m.vfs;
    if (info.totalVfs < want) problems.push(`${pf} offers ${info.totalVfs} VFs, the file wants ${want}`);
    if (info.numVfs !== 0 && info.numVfs < want) problems.push(`${pf} has ${info.numVfs} VFs set by someone else (hynet changes only 0)`);
    for (const vf of info.vfs) {
      const held = taken.has(`${pf}#${vf.index}`) ? ", held by a hynet network" : "";
      lines.push(`  vf ${vf.index}: ${vf.bdf} driver ${vf.driver ?? "none"}, ${vf.netdev ? `netdev ${vf.netdev}` : "in use (no netdev here)"}${held}, IOMMU group ${vf.iommuGroup ?? "none"}`);
    }
  }
  const others = listSriovPfs(root).filter((n) => !pfs.some((p) => p.pf === n));
  if (others.length) lines.push(`other SR-IOV PFs here, not in the file: ${others.join(", ")}`);
  return { file: m.file, lines, problems };
}
