import { describe, expect, it } from "vitest";
import { mkdtempSync, readFileSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { interruptRows, parseInterrupts, parseSoftirqs, softirqRows, startIrqSampler } from "../../src/experiment/irq.js";
import { createSys } from "../../src/sys/index.js";

const INTERRUPTS = `           CPU0       CPU1       
 24:          1          0  IO-APIC   5-edge      ACPI:Ged
 28:         17        123 PCI-MSIX-0000:00:01.0   0-edge      virtio0-config
NMI:          0          2   Non-maskable interrupts
LOC:     912345    1234567   Local timer interrupts
ERR:          0
MIS:          0
`;

const SOFTIRQS = `                    CPU0       CPU1       
          HI:          0          0
       TIMER:      18264      19811
      NET_RX:       9631      11322
`;

describe("IRQ parsing", () => {
  it("reads per-CPU counters of /proc/interrupts and leaves out machine-wide rows", () => {
    const c = parseInterrupts(INTERRUPTS);
    expect(c.length).toBe(8);
    expect(c[0]).toEqual({ cpu: 0, irq: "24", count: 1, name: "IO-APIC 5-edge ACPI:Ged" });
    expect(c[3]).toEqual({ cpu: 1, irq: "28", count: 123, name: "PCI-MSIX-0000:00:01.0 0-edge virtio0-config" });
    expect(c.find((x) => x.irq === "LOC" && x.cpu === 1)?.count).toBe(1234567);
    expect(c.some((x) => x.irq === "ERR" || x.irq === "MIS")).toBe(false);
  });

  it("maps columns to the CPU numbers in the header (offline CPUs leave gaps)", () => {
    const c = parseSoftirqs("      CPU0  CPU2\n NET_RX:  5  7\n");
    expect(c).toEqual([
      { cpu: 0, irq: "NET_RX", count: 5, name: "" },
      { cpu: 2, irq: "NET_RX", count: 7, name: "" },
    ]);
  });

  it("writes CSV rows with the sample time", () => {
    const s = parseSoftirqs(SOFTIRQS);
    expect(softirqRows(5n, s.slice(4, 6))).toBe("5,0,NET_RX,9631\n5,1,NET_RX,11322\n");
    expect(interruptRows(7n, parseInterrupts(INTERRUPTS).slice(0, 1))).toBe("7,0,24,1,IO-APIC 5-edge ACPI:Ged\n");
    expect(interruptRows(8n, parseInterrupts("  CPU0\n 40:  3  PCI-MSI 1-edge eth0, eth1\n"))).toBe("8,0,40,3,PCI-MSI 1-edge eth0; eth1\n");
  });

  it("samples files at the given interval into interrupts.csv and softirqs.csv", async () => {
    const d = mkdtempSync(path.join(tmpdir(), "hynet-irq-"));
    const intFile = path.join(d, "interrupts");
    const softFile = path.join(d, "softirqs");
    writeFileSync(intFile, INTERRUPTS);
    writeFileSync(softFile, SOFTIRQS);
    const s = await startIrqSampler({ dir: path.join(d, "irq"), intervalMs: 50, interruptsFile: intFile, softirqsFile: softFile }, createSys());
    expect(existsSync(path.join(d, "irq", "interrupts.csv"))).toBe(false);
    await new Promise((r) => setTimeout(r, 180));
    const n = await s.stop();
    expect(n).toBeGreaterThanOrEqual(3);
    const ints = readFileSync(path.join(d, "irq", "interrupts.csv"), "utf8").trim().split("\n");
    const softs = readFileSync(path.join(d, "irq", "softirqs.csv"), "utf8").trim().split("\n");
    expect(ints[0]).toBe("ts_ns,cpu,irq,count,name");
    expect(softs[0]).toBe("ts_ns,cpu,softirq,count");
    expect(ints.length).toBe(1 + 8 * n);
    expect(softs.length).toBe(1 + 6 * n);
    const ts = softs.slice(1).map((l) => BigInt(l.split(",")[0]));
    for (let i = 1; i < ts.length; i++) expect(ts[i] >= ts[i - 1]).toBe(true);
  });

  it("reads the real /proc files", async () => {
    const c = parseSoftirqs(readFileSync("/proc/softirqs", "utf8"));
    expect(c.some((x) => x.irq === "NET_RX")).toBe(true);
    expect(parseInterrupts(readFileSync("/proc/interrupts", "utf8")).some((x) => x.irq === "LOC")).toBe(true);
  });
});
