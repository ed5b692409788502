import { describe, expect, it } from "vitest";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { loadTopology, parseTopology, TopoError } from "../../src/topo/index.js";
import { fails } from "./helpers.js";
import { renderError } from "../../src/cli/render.js";

const PAPER = path.join(import.meta.dirname, "../../examples/paper/topology.yaml");


describe("the paper topology file", () => {
  it("has 7 chain hosts and lg, 6 chain links in alternating direction with /24 and /32 ends", async () => {
    const t = await loadTopology(PAPER);
    expect(t.name).toBe("paper");
    expect(t.hosts.map((h) => h.name)).toEqual(["lg", "h1", "h2", "h3", "h4", "h5", "h6", "h7"]);
    expect(t.hosts[0].role).toBe("loadgen");
    for (let i = 0; i < 6; i++) {
      const l = t.links[i];
      const [left, right] = i % 2 === 0 ? [l.a, l.b] : [l.b, l.a];
      expect(l.a.node).toBe(i % 2 === 0 ? `h${i + 1}` : `h${i + 2}`); // created from the other side on odd links
      expect(left.node).toBe(`h${i + 1}`);
      expect(left.addrs).toEqual([`10.0.3.1${String(i).padStart(2, "0")}/24`]);
      expect(right.node).toBe(`h${i + 2}`);
      expect(right.addrs).toEqual([`10.0.3.2${String(i).padStart(2, "0")}/32`]);
      const h = t.hosts.find((x) => x.name === `h${i + 1}`)!;
      expect(h.routes).toEqual([{ dst: "10.0.2.20/32", via: `10.0.3.2${String(i).padStart(2, "0")}` }]);
      expect(h.sysctls["net.ipv4.ip_forward"]).toBe(1);
      expect(h.sysctls["net.ipv4.conf.all.arp_ignore"]).toBe(1);
      expect(h.sysctls["net.ipv4.conf.all.arp_announce"]).toBe(1);
    }
    // Mininet's default interface names, in link order.
    expect(t.links.slice(0, 3).map((l) => [l.a.ifname, l.b.ifname])).toEqual([
      ["h1-eth0", "h2-eth0"],
      ["h3-eth0", "h2-eth1"],
      ["h3-eth1", "h4-eth0"],
    ]);
    const h1lg = t.links.flatMap((l) => [l.a, l.b]).find((e) => e.ifname === "h1-lg")!;
    expect(h1lg).toMatchObject({ node: "h1", addrs: ["10.0.0.101/24"], mac: "3e:e5:a8:40:0d:00" });
    const h7 = t.hosts.find((x) => x.name === "h7")!;
    expect(h7.neighbors).toEqual([{ ip: "10.0.2.20", mac: "56:54:00:00:00:01", dev: "h7-lg" }]);
    expect(h7.params).toEqual({ cpus: 2, cpuPin: [30, 31], memory: "4G" });
    // The seed's pinning: host i gets c, c+1 with c = (i even ? 24 : 8) + 2*floor(i/2).
    t.hosts.slice(1).forEach((h, i) => {
      const c = (i % 2 === 0 ? 24 : 8) + 2 * Math.floor(i / 2);
      expect(h.params.cpuPin).toEqual([c, c + 1]);
    });
    expect(t.hosts[0].sysctls["net.ipv4.ip_forward"]).toBeUndefined();
  });
});

describe("bad topology files: one clear error naming file, line and field", () => {
  it("unknown host in a link", () => {
    const e = fails("hosts:\n  h1:\n  h2:\nlinks:\n  - { a: h1, b: h2 }\n  - a: h1\n    b: h9\n");
    expect(e.code).toBe("TOPO_UNKNOWN_NODE");
    expect(e.line).toBe(7);
    expect(e.message).toBe('links[1].b.node: unknown node "h9"');
    expect(renderError(e).line).toMatch(/^hynet: error\[TOPO_UNKNOWN_NODE\] t\.yaml:7: links\[1\]\.b\.node: unknown node "h9" \(hint: .*h1, h2/);
  });

  it("duplicate host names (YAML keys)", () => {
    const e = fails("hosts:\n  h1: {}\n  h2: {}\n  h1: {}\n");
    expect(e.code).toBe("TOPO_DUPLICATE_NAME");
    expect(e.line).toBe(4);
  });

  it("a switch named like a host", () => {
    const e = fails("hosts:\n  h1:\nswitches:\n  h1:\n");
    expect(e.code).toBe("TOPO_DUPLICATE_NAME");
    expect(e.line).toBe(4);
    expect(e.message).toMatch(/^switches\.h1: "h1" is also the name of a host/);
  });

  it("two interfaces with the same name on one host", () => {
    const e = fails("hosts: { h1: , h2: , h3: }\nlinks:\n  - { a: { node: h1, ifname: x }, b: h2 }\n  - { a: { node: h1, ifname: x }, b: h3 }\n");
    expect(e.code).toBe("TOPO_DUPLICATE_NAME");
    expect(e.line).toBe(4);
    expect(e.message).toBe('links[1].a.ifname: node h1 has two interfaces named "x"');
  });

  it("bad CIDR", () => {
    const e = fails("hosts: { h1: , h2: }\nlinks:\n  - a: { node: h1, addrs: [10.0.0.1/24] }\n    b: { node: h2, addrs: [10.0.0.300/24] }\n");
    expect(e.code).toBe("TOPO_BAD_CIDR");
    expect(e.line).toBe(4);
    expect(e.message).toMatch(/^links\[0\]\.b\.addrs\[0\]: "10\.0\.0\.300\/24" is not an IPv4\/IPv6 address with prefix length/);
    expect(fails("hosts: { h1: , h2: }\nlinks:\n  - { a: { node: h1, addrs: 10.0.0.1 }, b: h2 }\n").code).toBe("TOPO_BAD_CIDR");
    expect(fails("hosts: { h1: , h2: }\nlinks:\n  - { a: { node: h1, addrs: fd00::1/129 }, b: h2 }\n").code).toBe("TOPO_BAD_CIDR");
    const r = fails("hosts:\n  h1:\n    routes:\n      - { dst: 10.0.2.0/33, via: 10.0.0.1 }\n");
    expect([r.code, r.line, r.message.split(":")[0]]).toEqual(["TOPO_BAD_CIDR", 4, "hosts.h1.routes[0].dst"]);
  });

  it("interface name too long", () => {
    const e = fails("hosts: { h1: , h2: }\nlinks:\n  - a: h1\n    b: { node: h2, ifname: sixteen-chars-xx }\n");
    expect(e.code).toBe("TOPO_NAME_TOO_LONG");
    expect(e.line).toBe(4);
    expect(e.message).toBe('links[0].b.ifname: interface name "sixteen-chars-xx" is 16 characters; Linux allows 1 to 15');
  });

  it("a default interface name that would be too long", () => {
    const links = Array.from({ length: 11 }, (_, i) => `  - { a: abcdefghij, b: n${i} }`).join("\n");
    const hosts = Array.from({ length: 11 }, (_, i) => `n${i}: `).join(", ");
    const e = fails(`hosts: { abcdefghij: , ${hosts} }\nlinks:\n${links}\n`);
    expect(e.code).toBe("TOPO_NAME_TOO_LONG");
    expect(e.line).toBe(13);
    expect(e.message).toBe('links[10].a.node: default interface name "abcdefghij-eth10" is 16 characters; Linux allows 1 to 15');
  });

  it("a node name too long for interface names", () => {
    const e = fails("hosts:\n  averyverylonghost:\n");
    expect([e.code, e.line]).toEqual(["TOPO_NAME_TOO_LONG", 2]);
  });

  it("unknown field (a typo must not drop a route)", () => {
    const e = fails("hosts:\n  h1:\n    route:\n      - { dst: default, via: 10.0.0.1 }\n");
    expect(e.code).toBe("TOPO_UNKNOWN_FIELD");
    expect(e.line).toBe(3);
    expect(e.message).toBe('hosts.h1.route: unknown field "route"');
  });

  it("host and switch params: a key no kind reads is an error, not a no-op", () => {
    const h = fails("hosts:\n  h1:\n    params: { boot_timout: 5 }\n");
    expect([h.code, h.line, h.message]).toEqual(["TOPO_UNKNOWN_FIELD", 3, 'hosts.h1.params.boot_timout: unknown field "boot_timout"']);
    const s = fails("hosts:\n  h1:\nswitches:\n  s1: { params: { stp: on } }\n");
    expect([s.code, s.line, s.message]).toEqual(["TOPO_UNKNOWN_FIELD", 4, 'switches.s1.params.stp: unknown field "stp"']);
    const m = fails("hosts:\n  h1:\n    params: { machine: pcc }\n");
    expect([m.code, m.line]).toEqual(["TOPO_SCHEMA", 3]);
  });

  it("wrong type", () => {
    const e = fails("hosts:\n  h1:\n    cpus: two\n");
    expect([e.code, e.line]).toEqual(["TOPO_SCHEMA", 3]);
    expect(e.message).toMatch(/^hosts\.h1\.cpus: expected number/);
  });

  it("route through an interface the host does not have; neighbour outside every subnet; bad MAC", () => {
    const r = fails("hosts:\n  h1:\n    routes: [{ dst: default, dev: eth9 }]\n");
    expect([r.code, r.line, r.message]).toEqual(["TOPO_UNKNOWN_INTERFACE", 3, 'hosts.h1.routes[0].dev: host h1 has no interface "eth9"']);
    const n = fails("hosts:\n  h1:\n    neighbors:\n      - { ip: 10.9.9.9, mac: '02:00:00:00:00:01' }\n  h2:\nlinks:\n  - { a: { node: h1, addrs: 10.0.0.1/24 }, b: h2 }\n");
    expect([n.code, n.line]).toEqual(["TOPO_BAD_NEIGHBOR", 4]);
    const m = fails("hosts: { h1: , h2: }\nlinks:\n  - { a: { node: h1, mac: '01:00:5e:00:00:01' }, b: h2 }\n");
    expect([m.code, m.message]).toEqual(["TOPO_BAD_MAC", 'links[0].a.mac: "01:00:5e:00:00:01" is not a unicast MAC address like 02:00:00:00:00:01']);
  });

  it("YAML syntax errors and a missing file", async () => {
    const e = fails("hosts:\n  h1: [\n");
    expect(e.code).toBe("TOPO_YAML");
    expect(e.file).toBe("t.yaml");
    await expect(loadTopology(path.join(os.tmpdir(), "no-such-topology.yaml"))).rejects.toMatchObject({ code: "FILE_ENOENT" });
  });

  it("loadTopology names the file it read", async () => {
    const f = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "hynet-topo-")), "bad.yaml");
    fs.writeFileSync(f, "hosts:\n  h1:\nlinks:\n  - { a: h1, b: nope }\n");
    const e = await loadTopology(f).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(TopoError);
    expect((e as TopoError).file).toBe(f);
    expect((e as TopoError).line).toBe(4);
    fs.rmSync(path.dirname(f), { recursive: true });
  });
});

describe("resolution", () => {
  it("fills in default names, IPv6, externals, switches and defaults.sysctls", () => {
    const t = parseTopology(
      [
        "name: small",
        "defaults: { sysctls: { net.ipv4.ip_forward: 1 } }",
        "hosts:",
        "  a: { sysctls: { net.ipv4.ip_forward: 0 }, interfaces: [{ dev: vf0, addrs: 10.0.9.1/24, mac: '02:00:00:00:00:09' }] }",
        "  b: { neighbors: [{ ip: 'fd00::2', mac: '02:00:00:00:00:02' }], routes: [{ dst: default, via: 'fd00::1' }] }",
        "switches: { s1: }",
        "links:",
        "  - { a: a, b: s1 }",
        "  - { a: { node: b, addrs: ['fd00::1/64', 10.1.0.2/24] }, b: s1 }",
      ].join("\n"),
    );
    expect(t.links.map((l) => [l.a.ifname, l.b.ifname])).toEqual([
      ["a-eth0", "s1-eth0"],
      ["b-eth0", "s1-eth1"],
    ]);
    expect(t.hosts[0].sysctls).toEqual({ "net.ipv4.ip_forward": 0 });
    expect(t.hosts[1].sysctls).toEqual({ "net.ipv4.ip_forward": 1 });
    expect(t.hosts[0].interfaces).toEqual([{ dev: "vf0", ifname: "vf0", addrs: ["10.0.9.1/24"], mac: "02:00:00:00:00:09", mtu: undefined }]);
    expect(t.hosts[1].neighbors[0].dev).toBe("b-eth0");
    expect(t.switches).toEqual([{ name: "s1", params: {} }]);
    expect(fails("hosts: { h1: }\nswitches: { s1: }\nlinks:\n  - { a: h1, b: { node: s1, addrs: 10.0.0.1/24 } }\n").code).toBe("TOPO_BAD_VALUE");
  });
});
