/** Bad arguments give one clear error naming the cause. Needs root for the endpoint checks. */
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import * as path from "node:path";
import { promisify } from "node:util";
import { beforeAll, describe, expect, it } from "vitest";
import { HynetError } from "../../src/errors.js";
import { builtinLoadGenerator } from "../../src/traffic/builtin.js";
import { builtinTimestamper } from "../../src/capture/builtin.js";
import { startSend, type SendParams } from "../../src/sys/packetio.js";
import { makeTemplate } from "../../src/traffic/packet.js";
import { parseEndpoint } from "../../src/traffic/endpoint.js";
import type { LoadGenOptions } from "../../src/traffic/loadgen.js";
import { requireRoot, sys } from "./helpers.js";

const base: LoadGenOptions = { iface: "lo", rate: 1000, burst: 1, flows: 1, size: 84, packets: 10, warmUpS: 0 };

async function failure(p: Promise<unknown>): Promise<HynetError> {
  const e = await p.then(
    () => undefined,
    (x: unknown) => x,
  );
  expect(e).toBeInstanceOf(HynetError);
  return e as HynetError;
}

beforeAll(() => requireRoot());

describe("load generator arguments", () => {
  it.each([
    [{ rate: 0 }, /--rate must be a positive number/],
    [{ rate: -5 }, /--rate/],
    [{ rate: Number.NaN }, /--rate/],
    [{ size: 46 }, /--size 46 is outside 47…9000 bytes/],
    [{ size: 9001 }, /--size/],
    [{ burst: 0 }, /--burst must be a whole number ≥ 1/],
    [{ flows: 1.5 }, /--flows/],
    [{ packets: 0 }, /--packets/],
    [{ durationS: 0, packets: undefined }, /--duration/],
    [{ warmUpS: -1 }, /--warm-up/],
    [{ dstMac: "3e:e5:a8:40:0d" }, /--dst-mac "3e:e5:a8:40:0d" is not a MAC address/],
  ] as [Partial<LoadGenOptions>, RegExp][])("%o is refused", async (o, msg) => {
    const e = await failure(builtinLoadGenerator.run({ ...base, ...o }, sys));
    expect(e.code).toBe("USAGE");
    expect(e.message).toMatch(msg);
  });

  it("an unknown interface is named", async () => {
    const e = await failure(builtinLoadGenerator.run({ ...base, iface: "hynoif0" }, sys));
    expect(e.code).toBe("IFACE_UNKNOWN");
    expect(e.message).toContain('"hynoif0"');
  });

  it("an unknown namespace is named", async () => {
    const e = await failure(builtinLoadGenerator.run({ ...base, netns: "hynonetns0", iface: "eth0" }, sys));
    expect(e.code).toBe("NETNS_UNKNOWN");
    expect(e.message).toContain("/run/netns/hynonetns0");
  });
});

describe("the addon's send options (no defaults in C)", () => {
  const t = makeTemplate({ size: 84, flows: 1 });
  const good: SendParams = { iface: "lo", frame: t.frame, flows: 1, srcIpBase: t.srcIpBase, count: 1, rate: 1000, burst: 1 };
  it("the same options with every number given are accepted", async () => {
    const s = await startSend(good).done;
    expect(s.sent).toBe(1);
  });
  it.each([
    [{ rate: undefined }, "option rate is missing; expected a number"],
    [{ rate: 0 }, "option rate is 0; expected a number above 0 up to 1000000000"],
    [{ rate: Number.NaN }, "option rate is nan; expected a number above 0"],
    [{ rate: -1 }, "option rate is -1; expected a number above 0"],
    [{ rate: "1000" }, "option rate is not a number; expected a number"],
    [{ burst: 0 }, "option burst is 0; expected a whole number from 1 up to 4294967295"],
    [{ burst: 2.5 }, "option burst is 2.5; expected a whole number from 1"],
    [{ burst: undefined }, "option burst is missing"],
    [{ flows: 0 }, "option flows is 0; expected a whole number from 1"],
    [{ count: -1 }, "option count is -1; expected a whole number from 0 up to 9007199254740992"],
    [{ durationNs: Number.POSITIVE_INFINITY }, "option durationNs is inf; expected a whole number from 0"],
    [{ srcIpBase: 2 ** 32 }, "option srcIpBase is 4.29497e+09; expected a whole number from 0 up to 4294967295"],
  ] as [Record<string, unknown>, string][])("%o is refused by the addon as a UsageError naming the option", (o, msg) => {
    let caught: unknown;
    try {
      startSend({ ...good, ...o } as SendParams);
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(HynetError);
    const e = caught as HynetError;
    expect(e.code).toBe("USAGE");
    expect(e.message.startsWith(`lo: packetio.send: ${msg}`)).toBe(true);
  });
});

describe("capture arguments", () => {
  it("an unknown post interface fails before anything is written", async () => {
    const e = await failure(builtinTimestamper.start({ pre: { iface: "lo" }, post: { iface: "hynoif1" }, outDir: "/tmp", name: "never", snaplen: 84 }, sys));
    expect(e.code).toBe("IFACE_UNKNOWN");
    expect(existsSync("/tmp/latencies-pre-never.pcap")).toBe(false);
  });
  it("snaplen below an Ethernet header is refused", async () => {
    const e = await failure(builtinTimestamper.start({ pre: { iface: "lo" }, post: { iface: "lo" }, outDir: "/tmp", snaplen: 10 }, sys));
    expect(e.message).toMatch(/--snaplen/);
  });
});

describe("[NETNS:]IFACE", () => {
  it("parses both forms", () => {
    expect(parseEndpoint("eth0")).toEqual({ iface: "eth0" });
    expect(parseEndpoint("h1:h1-eth0")).toEqual({ netns: "h1", iface: "h1-eth0" });
  });
  it("refuses names Linux would refuse", () => {
    expect(() => parseEndpoint("ns:averyveryverylongname")).toThrow(/not an interface name/);
    expect(() => parseEndpoint(":eth0")).toThrow(/empty namespace/);
    expect(() => parseEndpoint("")).toThrow(/not an interface name/);
  });
});

describe("the CLI without privileges", () => {
  it("says in one line that it needs root", async () => {
    const bin = path.resolve("bin/hynet.js");
    expect(existsSync(path.resolve("dist/cli/main.js")), "build first: npm run build").toBe(true);
    const r = await promisify(execFile)("setpriv", ["--reuid=nobody", "--regid=nogroup", "--clear-groups", process.execPath, bin, "loadgen", "lo", "--packets", "10"]).then(
      () => ({ code: 0, stderr: "" }),
      (e: { code: number; stderr: string }) => e,
    );
    expect(r.code).toBe(1);
    const lines = r.stderr.trim().split("\n");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^hynet: error\[NEED_ROOT\] lo: .*CAP_NET_RAW/);
  });
});
