import { describe, expect, it } from "vitest";
import { Topo, parseCidr, inSubnet, isUnicastMac } from "../../src/topo/index.js";

describe("Topo builder", () => {
  it("builds a chain the Mininet way", () => {
    const t = new Topo("chain");
    const hs = ["h1", "h2", "h3"].map((h) => t.addHost(h, { sysctls: { "net.ipv4.ip_forward": 1 } }));
    t.addLink(hs[0], hs[1], { a: { addrs: ["10.0.0.1/24"] }, b: { addrs: ["10.0.0.2/24"], mtu: 9000 } });
    t.addLink(hs[1], hs[2]);
    t.addRoute("h1", { dst: "10.0.1.0/24", via: "10.0.0.2" });
    t.addNeighbor("h1", { ip: "10.0.0.2", mac: "02:00:00:00:00:02" });
    const topo = t.build();
    expect(topo.name).toBe("chain");
    expect(topo.links.map((l) => `${l.a.ifname}-${l.b.ifname}`)).toEqual(["h1-eth0-h2-eth0", "h2-eth1-h3-eth0"]);
    expect(topo.links[0].b.mtu).toBe(9000);
    expect(topo.hosts[0].neighbors).toEqual([{ ip: "10.0.0.2", mac: "02:00:00:00:00:02", dev: "h1-eth0" }]);
  });

  it("rejects what the file loader rejects, naming the field", () => {
    const t = new Topo();
    t.addHost("h1");
    expect(() => t.addHost("h1")).toThrow(/hosts\.h1: "h1" is already the name of a node/);
    t.addLink("h1", "h2");
    expect(() => t.build()).toThrow(/links\[0\]\.b\.node: unknown node "h2"/);
    expect(() => t.addRoute("zz", { dst: "default", via: "10.0.0.1" })).toThrow(/unknown host "zz"/);
  });
});

describe("addresses", () => {
  it("parses CIDRs of both families and rejects the rest", () => {
    expect(parseCidr("10.0.3.100/24")).toEqual({ ip: "10.0.3.100", prefix: 24, family: 4 });
    expect(parseCidr("fd00::1/64")).toEqual({ ip: "fd00::1", prefix: 64, family: 6 });
    for (const bad of ["10.0.3.100", "10.0.3.100/33", "10.0.3/24", "fd00::1/129", "x/1", "10.0.0.1/ 24"]) expect(parseCidr(bad)).toBeUndefined();
  });

  it("knows subnet membership", () => {
    expect(inSubnet("10.0.2.20", parseCidr("10.0.2.101/24")!)).toBe(true);
    expect(inSubnet("10.0.3.20", parseCidr("10.0.2.101/24")!)).toBe(false);
    expect(inSubnet("10.0.2.20", parseCidr("10.0.2.20/32")!)).toBe(true);
    expect(inSubnet("10.0.2.21", parseCidr("10.0.2.20/32")!)).toBe(false);
    expect(inSubnet("fd00::ffff", parseCidr("fd00::1/64")!)).toBe(true);
    expect(inSubnet("fd00:0:0:1::1", parseCidr("fd00::1/64")!)).toBe(false);
    expect(inSubnet("::ffff:10.0.0.1", parseCidr("::ffff:10.0.0.0/120")!)).toBe(true);
    expect(inSubnet("10.0.0.1", parseCidr("fd00::1/64")!)).toBe(false);
  });

  it("accepts unicast MACs only", () => {
    expect(isUnicastMac("3e:e5:a8:40:0d:00")).toBe(true);
    expect(isUnicastMac("56:54:00:00:00:01")).toBe(true);
    expect(isUnicastMac("01:00:5e:00:00:01")).toBe(false);
    expect(isUnicastMac("3e:e5:a8:40:0d")).toBe(false);
  });
});
