/** The fidelity note of VM runs: read from run.json, shown on the run page and the series page, warned about when vCPUs outnumber cores. */
import { describe, expect, it } from "vitest";
import { mkdtempSync, mkdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { fidelityText, findRuns } from "../../src/report/discover.js";
import { indexPage, runPage } from "../../src/report/html.js";
import type { RunMeta } from "../../src/report/meta.js";
import { fidelityWarning } from "../../src/experiment/runnable.js";

const OVER = { accel: "tcg", host_cores: 2, guest_vcpus: 14, guests: 7, oversubscribed: true };

describe("fidelity note", () => {
  it("is read from run.json into the run's reference, in words", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "hynet-fid-"));
    for (const [name, fidelity] of [["nodevm", OVER], ["nodenamespace", undefined]] as const) {
      mkdirSync(path.join(dir, name));
      writeFileSync(path.join(dir, name, "run.json"), JSON.stringify({ name, status: "ok", variables: {}, ...(fidelity ? { fidelity } : {}) }));
    }
    const runs = await findRuns(dir);
    expect(runs.find((r) => r.name === "nodevm")?.fidelity).toBe("guests on TCG: 14 vCPUs on 2 host cores (oversubscribed: guests take turns on the cores)");
    expect(runs.find((r) => r.name === "nodenamespace")?.fidelity).toBeUndefined();
    expect(fidelityText({ accel: "kvm", host_cores: 32, guest_vcpus: 14, oversubscribed: false })).toBe("guests on KVM: 14 vCPUs on 32 host cores");
  });

  it("appears on the run page and once per distinct note on the series page", () => {
    const meta = (name: string, fidelity?: string): RunMeta => ({ name, variables: {}, status: "ok", href: `runs/${name}`, figures: [], notes: [], ...(fidelity ? { fidelity } : {}) });
    const note = fidelityText(OVER)!;
    expect(runPage(meta("a", note), undefined, { svg: true, png: false, pdf: false })).toContain(`Fidelity: ${note}`);
    const index = indexPage({ title: "t", resultsDir: "/r", generatedAt: "now", runs: [meta("a", note), meta("b", note), meta("c")], overlays: [], formats: { svg: true, png: false, pdf: false } });
    expect(index).toContain(`Fidelity (2 runs): ${note}`);
  });

  it("warns only when the guests' vCPUs outnumber the host's cores", () => {
    expect(fidelityWarning(OVER)).toBe('7 guests ask for 14 vCPUs on 2 host cores (TCG): they take turns on the cores, so the latencies measure that contention more than the network (docs/vm.md, "Fidelity")');
    expect(fidelityWarning({ ...OVER, host_cores: 16, oversubscribed: false })).toBeUndefined();
  });
});
