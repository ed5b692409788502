/**
 * A guest booted from a user-given root image (params.rootfs): a squashfs
 * built here holding only busybox, a marker file and a program of its own.
 * hynet's initramfs mounts it from the virtio disk and switches into it,
 * keeping its agent, so cmd() runs inside the image; the image file is never
 * written (snapshot=on). One guest, linked to a namespace host. Bad params
 * fail before any guest boots, with one line naming the host and the cause;
 * an image that lacks a mount point fails at boot with the reason on the console.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { Topo } from "../../src/topo/index.js";
import { Net } from "../../src/net/index.js";
import { netnsWith, requireRoot, sh, sweep, testSys, tmpDir, uniquePrefix } from "../net/helpers.js";
import { qemuPidsWith, requireQemu } from "./helpers.js";

const prefix = uniquePrefix();
const stateDir = tmpDir("vmrf");
const work = tmpDir("vmrf-img");
const marker = crypto.randomBytes(8).toString("hex");
const image = path.join(work, "root.squashfs");
let imageSum = "";
let net: Net | undefined;

function topo(params: Record<string, unknown>) {
  const t = new Topo();
  t.addHost("ns1", { kind: "namespace" });
  t.addHost("r1", { kind: "vm", memory: "256M", extra: params });
  t.addLink("ns1", "r1", { a: { addrs: ["10.0.7.1/24"] }, b: { ifname: "eth0", addrs: ["10.0.7.2/24"] } });
  return t.build();
}

beforeAll(async () => {
  requireRoot();
  requireQemu();
  if (sh(["sh", "-c", "command -v mksquashfs || true"]).trim() === "") throw new Error("mksquashfs is missing: run bash scripts/setup.sh (squashfs-tools)");
  // The image: busybox as its userland, the empty mount points hynet's init needs, a marker and a program of its own.
  const root = path.join(work, "root");
  for (const d of ["bin", "etc", "usr/bin", "proc", "sys", "dev", "run", "tmp"]) fs.mkdirSync(path.join(root, d), { recursive: true });
  fs.copyFileSync("/bin/busybox", path.join(root, "bin", "busybox"));
  fs.symlinkSync("busybox", path.join(root, "bin", "sh"));
  fs.writeFileSync(path.join(root, "etc", "hynet-marker"), `${marker}\n`);
  fs.writeFileSync(path.join(root, "usr", "bin", "only-in-image"), "#!/bin/sh\necho \"image program, args: $*\"\n", { mode: 0o755 });
  sh(["mksquashfs", root, image, "-quiet", "-no-progress", "-noappend", "-all-root"]);
  imageSum = crypto.createHash("sha256").update(fs.readFileSync(image)).digest("hex");
  net = new Net(topo({ rootfs: image }), { host: "vm", link: "veth" }, testSys(), { prefix, stateDir });
  await net.start();
}, 300_000);

afterAll(async () => {
  try {
    await net?.stop();
    expect(netnsWith(prefix)).toEqual([]);
    expect(qemuPidsWith(stateDir)).toEqual([]);
  } finally {
    await sweep(stateDir, prefix);
    fs.rmSync(work, { recursive: true, force: true });
  }
}, 60_000);

describe("a vm host with a user-given root image", () => {
  it("runs commands inside the image: its marker, its own program, / is the squashfs", async () => {
    const g = net!.get("r1");
    const m = await g.cmd(["cat", "/etc/hynet-marker"]);
    expect(m).toEqual({ code: 0, stdout: `${marker}\n`, stderr: "" });
    expect(await g.cmd(["only-in-image", "a b", "c"])).toEqual({ code: 0, stdout: "image program, args: a b c\n", stderr: "" });
    const mounts = (await g.cmd(["cat", "/proc/mounts"])).stdout;
    expect(mounts).toMatch(/^\/dev\/vda \/ squashfs ro[ ,]/m);
    expect((await g.cmd(["hostname"])).stdout.trim()).toBe("r1");
  });

  it("is configured from the topology and reachable over its link", async () => {
    const g = net!.get("r1");
    expect((await g.cmd(["ip", "-4", "-o", "addr", "show", "dev", "eth0"])).stdout).toMatch(/inet 10\.0\.7\.2\/24/);
    const ping = await net!.get("ns1").cmd(["ping", "-c", "2", "-W", "5", "10.0.7.2"]);
    expect(ping.code).toBe(0);
  });

  it("keeps the image read-only: a write fails in the guest and the file is unchanged", async () => {
    const w = await net!.get("r1").cmd(["sh", "-c", "echo x > /etc/new-file"]);
    expect(w.code).not.toBe(0);
    expect(w.stderr).toMatch(/Read-only file system/);
    expect(crypto.createHash("sha256").update(fs.readFileSync(image)).digest("hex")).toBe(imageSum);
  });

  it("refuses a missing image or a bad format with one line naming the host and cause", async () => {
    const missing = path.join(work, "nope.img");
    const a = new Net(topo({ rootfs: missing }), { host: "vm", link: "veth" }, testSys(), { prefix: `${prefix}b`, stateDir });
    await expect(a.start()).rejects.toMatchObject({ code: "VM_BAD_PARAM", message: `host r1: cannot read root image ${missing}` });
    const b = new Net(topo({ rootfs: image, rootfs_format: "vmdk" }), { host: "vm", link: "veth" }, testSys(), { prefix: `${prefix}b`, stateDir });
    await expect(b.start()).rejects.toMatchObject({ code: "VM_BAD_PARAM", message: 'host r1: rootfs_format "vmdk" is not raw or qcow2' });
    expect(netnsWith(`${prefix}b`)).toEqual([]);
  }, 120_000);

  it("fails an image without the mount points with VM_NOT_READY whose console tail says which one", async () => {
    const bare = path.join(work, "bare");
    fs.mkdirSync(path.join(bare, "proc"), { recursive: true });
    for (const d of ["sys", "dev"]) fs.mkdirSync(path.join(bare, d));
    const img = path.join(work, "bare.squashfs");
    sh(["mksquashfs", bare, img, "-quiet", "-no-progress", "-noappend", "-all-root"]);
    const c = new Net(topo({ rootfs: img, boot_timeout: 120 }), { host: "vm", link: "veth" }, testSys(), { prefix: `${prefix}c`, stateDir });
    const err = await c.start().then(
      () => undefined,
      (e: unknown) => e as { code: string; message: string },
    );
    expect(err?.code).toBe("VM_NOT_READY");
    expect(err?.message).toMatch(/^guest r1 stopped before it became ready; console .*console\.log\) ends with:\n/);
    expect(err?.message).toContain("hynet: the root image has no /run directory (it needs empty proc, sys, dev, run, tmp)");
    expect(netnsWith(`${prefix}c`)).toEqual([]);
  }, 180_000);
});
