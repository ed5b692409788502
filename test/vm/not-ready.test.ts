/**
 * Guests that never become ready: the error names the guest, shows the
 * console's tail, and start() leaves no QEMU process, namespace, tap or
 * state behind.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as fs from "node:fs";
import * as path from "node:path";
import { Topo } from "../../src/topo/index.js";
import { Net } from "../../src/net/index.js";
import { defaultGuestImage } from "../../src/net/vm/image.js";
import { netnsWith, requireRoot, sh, sweep, testSys, tmpDir, uniquePrefix } from "../net/helpers.js";
import { qemuPidsWith, requireQemu } from "./helpers.js";

const prefix = uniquePrefix();
const stateDir = tmpDir("vmnr");
const work = tmpDir("vmnr-img");
let kernel = "";

beforeAll(async () => {
  requireRoot();
  requireQemu();
  kernel = (await defaultGuestImage(testSys())).kernel;
}, 600_000);

afterAll(async () => {
  await sweep(stateDir, prefix);
  fs.rmSync(work, { recursive: true, force: true });
});

function topo(params: Record<string, unknown>) {
  const t = new Topo();
  t.addHost("ns1", { kind: "namespace" });
  t.addHost("bad", { extra: params });
  t.addLink("ns1", "bad", { a: { addrs: ["10.0.6.1/24"] }, b: { addrs: ["10.0.6.2/24"] } });
  return t.build();
}

function expectNothingLeft() {
  expect(netnsWith(prefix)).toEqual([]);
  expect(qemuPidsWith(stateDir)).toEqual([]);
  expect(fs.readdirSync(stateDir)).toEqual([]);
}

describe("a guest that never becomes ready", () => {
  it("whose init fails: VM_NOT_READY with the kernel's panic in the console tail, nothing left", async () => {
    // An initramfs whose /init prints a line and exits: the kernel panics, QEMU (-no-reboot) ends.
    const root = path.join(work, "root");
    fs.mkdirSync(path.join(root, "bin"), { recursive: true });
    fs.copyFileSync("/bin/busybox", path.join(root, "bin", "busybox"));
    fs.writeFileSync(path.join(root, "init"), "#!/bin/busybox sh\n/bin/busybox echo 'bogus init: giving up' > /dev/ttyS0\nexit 1\n", { mode: 0o755 });
    const initrd = path.join(work, "bogus.cpio");
    sh(["sh", "-c", `cd "${root}" && printf 'init\\nbin\\nbin/busybox\\n' | cpio -o -H newc --quiet > "${initrd}"`]);
    const net = new Net(topo({ kernel, initrd, boot_timeout: 120 }), { host: "vm", link: "veth" }, testSys(), { prefix, stateDir });
    const err = await net.start().then(
      () => undefined,
      (e: unknown) => e as { code: string; message: string },
    );
    expect(err?.code).toBe("VM_NOT_READY");
    expect(err?.message).toMatch(/^guest bad stopped before it became ready; console .*console\.log\) ends with:\n/);
    expect(err?.message).toMatch(/Kernel panic - not syncing: Attempted to kill init/);
    expectNothingLeft();
  }, 300_000);

  it("that is too slow for its boot_timeout: VM_NOT_READY after the timeout, nothing left", async () => {
    const net = new Net(topo({ boot_timeout: 0.3 }), { host: "vm", link: "veth" }, testSys(), { prefix, stateDir });
    const t0 = performance.now();
    await expect(net.start()).rejects.toMatchObject({ code: "VM_NOT_READY", message: expect.stringMatching(/^guest bad did not become ready within 0\.3 s; console/) });
    expect(performance.now() - t0).toBeLessThan(60_000);
    expectNothingLeft();
  }, 300_000);
});
