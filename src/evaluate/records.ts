/**
 * Record extraction: one captured Ethernet frame → one latency record
 * `(ts, src, srcport, dst, dstport, id)` or a skip reason.
 *
 * Hand-written rather than a packet-dissector library because this runs
 * once per frame at several million frames per second: it reads a handful of
 * header bytes in place, allocates nothing, and returns a small integer.
 * Its C twin, parse_frame in native/src/evalkern.c, parses pcap files when
 * the addon is built: a change to these rules goes into both
 * (test/evaluate/native.test.ts compares them).
 */
import { PAYLOAD_ID_LEN, PAYLOAD_ID_OFFSET, PAYLOAD_MARKER_OFFSET, TEST_MARKER } from "../traffic/packet.js";

/** Payload bytes a record needs: up to the end of the id; with a strict marker, up to the end of the marker. */
const ID_END = PAYLOAD_ID_OFFSET + PAYLOAD_ID_LEN;
const MARKER_END = PAYLOAD_MARKER_OFFSET + 1;

/** Why a frame did not become a record. 0 = it did. */
export const enum Skip {
  None = 0,
  NonIp = 1,
  Arp = 2,
  Tcp = 3,
  Icmp = 4,
  OtherIpProto = 5,
  ShortUdp = 6,
  Truncated = 7,
  BadMarker = 8,
  Fragment = 9,
  Malformed = 10,
}

/** Names of the skip reasons, as they appear in `skipped` of the summary. Index = Skip value. */
export const SKIP_REASONS = [
  "",
  "non-ip",
  "arp",
  "tcp",
  "icmp",
  "other-ip-proto",
  "short-udp",
  "truncated",
  "bad-marker",
  "fragment",
  "malformed",
] as const;

export type SkipReason = Exclude<(typeof SKIP_REASONS)[number], "">;

/**
 * Filled by parseFrame for a record; reused for every frame (no allocation).
 * `addrOff` points at the source address in the frame buffer, the
 * destination follows it (`addrLen` bytes each: 4 for IPv4, 16 for IPv6).
 */
export interface ParsedRecord {
  id: number;
  srcport: number;
  dstport: number;
  ipVersion: 4 | 6;
  addrOff: number;
  addrLen: number;
}

export function newParsedRecord(): ParsedRecord {
  return { id: 0, srcport: 0, dstport: 0, ipVersion: 4, addrOff: 0, addrLen: 4 };
}

const ETH_IPV4 = 0x0800;
const ETH_IPV6 = 0x86dd;
const ETH_ARP = 0x0806;
const ETH_VLAN = 0x8100; // 802.1Q
const ETH_QINQ = 0x88a8; // 802.1ad
const ETH_QINQ_OLD = 0x9100; // pre-standard stacked VLAN

const PROTO_ICMP = 1;
const PROTO_TCP = 6;
const PROTO_UDP = 17;
const PROTO_ICMPV6 = 58;
const V6_HOPOPT = 0;
const V6_ROUTING = 43;
const V6_FRAGMENT = 44;
const V6_AH = 51;
const V6_DSTOPTS = 60;

function protoSkip(proto: number): Skip {
  if (proto === PROTO_TCP) return Skip.Tcp;
  if (proto === PROTO_ICMP || proto === PROTO_ICMPV6) return Skip.Icmp;
  return Skip.OtherIpProto;
}

/**
 * Parse one frame (`caplen` bytes at `off` in `b`). Returns Skip.None and
 * fills `out`, or the reason the frame is not a record. With `strict`, the
 * payload byte after the id must be the test marker 0x55.
 */
export function parseFrame(b: Uint8Array, off: number, caplen: number, strict: boolean, out: ParsedRecord): Skip {
  const end = off + caplen;
  let p = off + 12;
  if (p + 2 > end) return Skip.Truncated;
  let type = (b[p] << 8) | b[p + 1];
  p += 2;
  // Stacked tags: each is TCI (2 bytes) + the next EtherType.
  while (type === ETH_VLAN || type === ETH_QINQ || type === ETH_QINQ_OLD) {
    if (p + 4 > end) return Skip.Truncated;
    type = (b[p + 2] << 8) | b[p + 3];
    p += 4;
  }
  let udp: number;
  let udpLimit: number; // end of the UDP datagram according to the IP header
  if (type === ETH_IPV4) {
    if (p + 20 > end) return Skip.Truncated;
    const vihl = b[p];
    if (vihl >> 4 !== 4) return Skip.Malformed;
    const ihl = (vihl & 15) * 4;
    if (ihl < 20) return Skip.Malformed;
    const proto = b[p + 9];
    // MF set or a non-zero fragment offset: only the first fragment carries the UDP header, and
    // its datagram is incomplete anyway.
    if ((((b[p + 6] << 8) | b[p + 7]) & 0x3fff) !== 0) return Skip.Fragment;
    if (proto !== PROTO_UDP) return protoSkip(proto);
    const total = (b[p + 2] << 8) | b[p + 3];
    out.ipVersion = 4;
    out.addrOff = p + 12;
    out.addrLen = 4;
    udp = p + ihl;
    udpLimit = p + total;
  } else if (type === ETH_IPV6) {
    if (p + 40 > end) return Skip.Truncated;
    if (b[p] >> 4 !== 6) return Skip.Malformed;
    const payloadLen = (b[p + 4] << 8) | b[p + 5];
    let next = b[p + 6];
    out.ipVersion = 6;
    out.addrOff = p + 8;
    out.addrLen = 16;
    let q = p + 40;
    udpLimit = q + payloadLen;
    while (next !== PROTO_UDP) {
      if (next === V6_HOPOPT || next === V6_ROUTING || next === V6_DSTOPTS) {
        if (q + 2 > end) return Skip.Truncated;
        next = b[q];
        q += (b[q + 1] + 1) * 8;
      } else if (next === V6_AH) {
        if (q + 2 > end) return Skip.Truncated;
        next = b[q];
        q += (b[q + 1] + 2) * 4;
      } else if (next === V6_FRAGMENT) {
        return Skip.Fragment;
      } else {
        return protoSkip(next);
      }
    }
    udp = q;
  } else if (type === ETH_ARP) {
    return Skip.Arp;
  } else {
    return Skip.NonIp;
  }
  // UDP header (8) + id (4) [+ marker (1)].
  if (udp + 8 > end) return Skip.Truncated;
  const udpLen = (b[udp + 4] << 8) | b[udp + 5];
  // The UDP length says how much payload the datagram has; the IP length bounds it as well.
  const payload = Math.min(udpLen, udpLimit - udp) - 8;
  if (payload < ID_END) return Skip.ShortUdp;
  const pl = udp + 8;
  if (strict) {
    if (payload < MARKER_END) return Skip.BadMarker;
    if (pl + MARKER_END > end) return Skip.Truncated;
    if (b[pl + PAYLOAD_MARKER_OFFSET] !== TEST_MARKER) return Skip.BadMarker;
  } else if (pl + ID_END > end) {
    return Skip.Truncated;
  }
  const idAt = pl + PAYLOAD_ID_OFFSET;
  out.srcport = (b[udp] << 8) | b[udp + 1];
  out.dstport = (b[udp + 2] << 8) | b[udp + 3];
  out.id = (b[idAt] | (b[idAt + 1] << 8) | (b[idAt + 2] << 16) | (b[idAt + 3] << 24)) >>> 0;
  return Skip.None;
}
