/** Sysctls written inside a namespace by the addon (src/sys/packetio.ts setNetnsSysctls, native/src/netns.c). Needs root. */
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSys } from "../../src/sys/index.js";
import { setNetnsSysctls } from "../../src/sys/packetio.js";

const sys = createSys();
const ns = `hysc${randomBytes(3).toString("hex")}`;
const read = async (key: string) => (await sys.run(["ip", "netns", "exec", ns, "sysctl", "-n", key])).stdout.trim();

beforeAll(async () => {
  await sys.run(["ip", "netns", "add", ns]);
  await sys.run(["ip", "-n", ns, "link", "add", "d0.5", "type", "veth", "peer", "name", "d1"]);
});
afterAll(async () => {
  await sys.run(["ip", "netns", "del", ns], { check: false });
});

describe("sysctls inside a namespace", () => {
  it("sets dotted keys, slashed keys for names with dots, and `*` for every interface, in that namespace only", async () => {
    const hostForward = (await sys.run(["sysctl", "-n", "net.ipv4.ip_forward"])).stdout.trim();
    setNetnsSysctls(ns, { "net.ipv4.ip_forward": hostForward === "1" ? 0 : 1, "net/ipv4/conf/d0.5/arp_ignore": 2, "net.ipv4.conf.*.rp_filter": 2 });
    expect(await read("net.ipv4.ip_forward")).toBe(hostForward === "1" ? "0" : "1");
    expect((await sys.run(["sysctl", "-n", "net.ipv4.ip_forward"])).stdout.trim()).toBe(hostForward);
    expect(await read("net/ipv4/conf/d0.5/arp_ignore")).toBe("2");
    for (const i of ["all", "lo", "d0.5"]) expect(await read(`net/ipv4/conf/${i}/rp_filter`)).toBe("2");
  });

  it("names the namespace, key and file of a sysctl the kernel does not have, and the namespace that does not exist", () => {
    expect(() => setNetnsSysctls(ns, { "net.ipv4.no_such_knob": 1 })).toThrow(
      expect.objectContaining({ code: "SYSCTL_FAILED", message: `cannot set sysctl: ${ns}: cannot set net.ipv4.no_such_knob (/proc/sys/net/ipv4/no_such_knob): No such file or directory` }),
    );
    expect(() => setNetnsSysctls(`${ns}x`, { "net.ipv4.ip_forward": 1 })).toThrow(expect.objectContaining({ code: "SYSCTL_FAILED", message: expect.stringContaining(`no network namespace "${ns}x"`) }));
  });
});
