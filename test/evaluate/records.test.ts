/** Record extraction: which frames become records, and why the others do not. */
import { describe, expect, it } from "vitest";
import { newParsedRecord, parseFrame, SKIP_REASONS } from "../../src/evaluate/records.js";
import { evaluatePair } from "../../src/evaluate/index.js";
import { frame, makePair, params, testSys } from "./helpers.js";

function parse(f: Uint8Array, caplen = f.length, strict = false) {
  const r = newParsedRecord();
  const why = parseFrame(f, 0, caplen, strict, r);
  return { why: why === 0 ? "record" : SKIP_REASONS[why], r };
}

describe("parseFrame", () => {
  it("reads id (uint32 LE), ports and addresses of an IPv4/UDP test frame", () => {
    const { why, r } = parse(frame({ id: 0x12345678, srcport: 4660, dstport: 23432, src: "10.0.0.11" }));
    expect(why).toBe("record");
    expect([r.id, r.srcport, r.dstport, r.ipVersion, r.addrLen, r.addrOff]).toEqual([0x12345678, 4660, 23432, 4, 4, 26]);
  });

  it("walks stacked 802.1ad / 802.1Q / 0x9100 tags", () => {
    const { why, r } = parse(frame({ id: 9, tags: [0x88a8, 0x8100, 0x9100] }));
    expect(why).toBe("record");
    expect(r.id).toBe(9);
    expect(r.addrOff).toBe(26 + 12);
  });

  it("honours the IPv4 header length (options)", () => {
    const { why, r } = parse(frame({ id: 77, ipOptions: 8, srcport: 3 }));
    expect(why).toBe("record");
    expect([r.id, r.srcport]).toEqual([77, 3]);
  });

  it("reads IPv6/UDP, through hop-by-hop, routing and destination-options headers", () => {
    expect(parse(frame({ id: 5, ipv6: true })).r.ipVersion).toBe(6);
    const { why, r } = parse(frame({ id: 6, ipv6: true, ext: [0, 43, 60], srcport: 2 }));
    expect(why).toBe("record");
    expect([r.id, r.srcport, r.addrLen]).toEqual([6, 2, 16]);
  });

  it("counts the rest by reason", () => {
    const arp = frame({ id: 1 });
    arp[12] = 0x08;
    arp[13] = 0x06;
    const other = frame({ id: 1 });
    other[12] = 0x88;
    other[13] = 0xcc; // LLDP
    expect(parse(arp).why).toBe("arp");
    expect(parse(other).why).toBe("non-ip");
    expect(parse(frame({ id: 1, proto: 6 })).why).toBe("tcp");
    expect(parse(frame({ id: 1, proto: 1 })).why).toBe("icmp");
    expect(parse(frame({ id: 1, ipv6: true, proto: 58 })).why).toBe("icmp");
    expect(parse(frame({ id: 1, proto: 47 })).why).toBe("other-ip-proto");
    expect(parse(frame({ id: 1, payload: 3 })).why).toBe("short-udp");
    expect(parse(frame({ id: 1, fragment: true })).why).toBe("fragment");
    expect(parse(frame({ id: 1, ipv6: true, ext: [44] })).why).toBe("fragment");
  });

  it("needs the UDP header and 4 payload bytes within caplen (5 with the marker in strict mode)", () => {
    const f = frame({ id: 1 });
    expect(parse(f, 46).why).toBe("record"); // 14 + 20 + 8 + 4
    expect(parse(f, 45).why).toBe("truncated");
    expect(parse(f, 46, true).why).toBe("truncated");
    expect(parse(f, 47, true).why).toBe("record");
    expect(parse(f, 30).why).toBe("truncated");
    expect(parse(f, 10).why).toBe("truncated");
  });

  it("strict mode requires the 0x55 marker; the default (as the reference) does not", () => {
    const f = frame({ id: 1, marker: 0x44 });
    expect(parse(f).why).toBe("record");
    expect(parse(f, f.length, true).why).toBe("bad-marker");
    expect(parse(frame({ id: 1, payload: 4 }), 60, true).why).toBe("bad-marker");
  });
});

describe("skipped records in the summary", () => {
  it("are counted per side and reason; VLAN-tagged and IPv6 records match", async () => {
    const pre = [
      { id: 1, t: 0, tags: [0x8100] },
      { id: 2, t: 10, ipv6: true, src: "fd00::1", dst: "fd00::2" },
      { id: 3, t: 20, proto: 6 },
      { id: 4, t: 30, marker: 0 },
    ];
    const post = [
      { id: 1, t: 100, tags: [0x8100] },
      { id: 2, t: 110, ipv6: true, src: "fd00::1", dst: "fd00::2" },
      { id: 5, t: 120, payload: 2 },
    ];
    const pair = await makePair(pre, post);
    const s = await evaluatePair(pair.pre, pair.post, pair.dir, params({ strictMarker: true }), testSys().sys);
    expect(s.skipped_pre).toEqual({ tcp: 1, "bad-marker": 1 });
    expect(s.skipped_post).toEqual({ "short-udp": 1 });
    expect(s.skipped).toEqual({ tcp: 1, "bad-marker": 1, "short-udp": 1 });
    expect(s.matched).toBe(2);
    expect(s.flows.map((f) => f.key.src)).toEqual(["10.0.0.10", "fd00::1"]);
  });
});
