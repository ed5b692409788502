/**
 * hwpair on real (emulated) SR-IOV: one `hynet lab sriov` boot runs
 * test/sriov/lab-checks.sh (namespace hosts) and lab-vm-checks.sh (a VM
 * host's VF through vfio-pci) inside a q35 guest with four igb PFs, and
 * each test asserts one of their CHECK lines. Fails (never skips) without root,
 * QEMU >= 8 with igb, or a built dist/.
 */
import { spawn, spawnSync } from "node:child_process";
import { beforeAll, describe, expect, it } from "vitest";
import { CLI, ROOT, requireBuild, requireRoot } from "../net/helpers.js";

let out = "";
const checks = new Map<string, string>();
const check = (name: string) => {
  if (!checks.has(name)) throw new Error(`the lab printed no CHECK ${name}; its output:\n${out.slice(-4000)}`);
  return checks.get(name)!;
};

/** The lab's whole output, gathered without blocking the test worker (vitest's RPC needs its event loop). */
function runLab(argv: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const c = spawn("node", [CLI, "lab", "sriov", "--", ...argv], { cwd: ROOT });
    let stdout = "";
    let stderr = "";
    c.stdout.on("data", (b: Buffer) => (stdout += b.toString()));
    c.stderr.on("data", (b: Buffer) => (stderr += b.toString()));
    const timer = setTimeout(() => c.kill("SIGKILL"), 1_500_000);
    c.on("close", (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
  });
}

beforeAll(async () => {
  requireRoot();
  requireBuild();
  const help = spawnSync("qemu-system-x86_64", ["-device", "help"], { encoding: "utf8" });
  if (!/"igb"/.test(help.stdout)) throw new Error("QEMU has no igb device (QEMU >= 8 needed): run bash scripts/setup.sh");
  const r = await runLab(["sh", "-c", "sh test/sriov/lab-checks.sh; sh test/sriov/lab-vm-checks.sh"]);
  out = `${r.stdout}\n${r.stderr}`;
  for (const m of r.stdout.matchAll(/^CHECK (\S+) ?(.*)$/gm)) checks.set(m[1], m[2].trim());
  if (r.status !== 0) throw new Error(`hynet lab exited ${r.status}:\n${out.slice(-4000)}`);
}, 1_600_000);

describe("hwpair links on igb VFs in the lab", () => {
  it("starts with no VFs, and brings the paper topology up on VF pairs tagged VLAN k+1, spoofchk off, trust on", () => {
    expect(check("numvfs-before")).toBe("0,0,0,0");
    expect(check("up")).toBe("0");
    expect(check("numvfs-up")).toBe("7,7,7,7");
    expect(check("vf0-settings")).toBe("1");
  });

  it("gives the namespace host the VF netdev renamed to the topology's ifname, with its MAC", () => {
    expect(check("h1-lg-mac")).toBe("3e:e5:a8:40:0d:00");
    expect(check("h1-lg-driver")).toBe("igbvf");
  });

  it("carries test traffic from the load generator through all seven hosts (TTL 64 → 57)", () => {
    expect(Number(check("rx-ttl57"))).toBeGreaterThanOrEqual(3);
  });

  it("keeps a VF on another VLAN away from a pair's wire, and lets it in on the pair's VLAN", () => {
    expect(check("other-vlan-ping")).not.toBe("0");
    expect(check("same-vlan-ping")).toBe("0");
  });

  it("restores sriov_numvfs on `hynet down` and leaves no namespace", () => {
    expect(check("down")).toBe("0");
    expect(check("numvfs-down")).toBe("0,0,0,0");
    expect(check("netns-down")).toBe("0");
  });

  it("restores them with `hynet clean` after a kill -9 during `hynet up`", () => {
    expect(check("killed-numvfs")).toBe("7");
    expect(check("clean")).toBe("0");
    expect(check("numvfs-clean")).toBe("0,0,0,0");
    expect(check("netns-clean")).toBe("0");
    expect(check("pfs-clean")).toBe("4");
  });

  it("passes a VF to a VM host through vfio-pci: bound, QEMU runs with it, igbvf gets it back afterwards", () => {
    expect(check("vm-vf-driver")).toBe("vfio-pci");
    expect(check("vm-vf-override")).toBe("vfio-pci");
    expect(Number(check("vm-qemu-vfio")), out.slice(out.indexOf("CHECK vm-"))).toBeGreaterThanOrEqual(1);
    // The nested guest (TCG inside the lab's TCG) may not boot within the time; when it does, it talks over the VF.
    if (check("vm-up") === "0") expect(check("vm-ping")).toBe("0");
    expect(check("vm-vf-after")).toBe("igbvf");
    expect(check("vm-numvfs-after")).toBe("7,7");
    expect(check("vm-netns-after")).toBe("0");
  });
});
