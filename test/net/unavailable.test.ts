/** Why a machine cannot run a network now: the kinds' read-only probes and the host's qdiscs. */
import { afterEach, describe, expect, it } from "vitest";
import { Net, nodeKind } from "../../src/net/index.js";
import { parseTopology } from "../../src/topo/index.js";
import { qdiscPresence } from "../../src/sys/tc.js";
import { testSys } from "./helpers.js";

const PATH = process.env.PATH;
afterEach(() => {
  process.env.PATH = PATH;
});

const TWO = (params: string, kind = "") => parseTopology(`hosts:\n  h1:${kind}\n  h2:\nlinks:\n  - a: h1\n    b: h2\n    params: ${params}\n`, "two.yaml");

describe("unavailable()", () => {
  it("vm and vm_opt say so when QEMU is not on the PATH, and nothing when it is", async () => {
    for (const k of ["vm", "vm_opt"]) {
      expect(await nodeKind(k).unavailable?.(testSys())).toBeUndefined();
      process.env.PATH = "/nonexistent";
      expect(await nodeKind(k).unavailable?.(testSys())).toMatch(/^QEMU \(qemu-system-x86_64\) is not installed/);
      process.env.PATH = PATH;
    }
  });

  it("a network names the kind that cannot run, or the impairment whose qdisc the kernel lacks", async () => {
    const net = (t: ReturnType<typeof TWO>) => new Net(t, { host: "namespace", link: "veth" }, testSys(), { prefix: "tun1" });
    expect(await net(TWO("{ rate: 1mbit }")).unavailable()).toBeUndefined();
    const delayed = await net(TWO("{ b_to_a: { delay: 1ms } }")).unavailable();
    if ((await qdiscPresence("netem")) === "no") expect(delayed).toMatch(/^link 0 \(h2:h2-eth0 → h1:h1-eth0\): this machine's kernel has no "netem"/);
    else expect(delayed).toBeUndefined();
    // The same delay leaving a VM guest runs inside the guest: the host's kernel does not matter.
    expect(await net(TWO("{ a_to_b: { delay: 1ms } }", " { kind: vm }")).unavailable()).toBeUndefined();
    process.env.PATH = "/nonexistent";
    expect(await net(TWO("{ a_to_b: { delay: 1ms } }", " { kind: vm }")).unavailable()).toMatch(/^node kind vm: QEMU/);
  });
});
