/**
 * The test-packet format (MoonSniff layout), shared by the load generators,
 * `hynet synth` and the evaluator. See docs/evaluate.md and
 * shared/spec/evaluation.md for the contract.
 *
 * Frame: Ethernet II / IPv4 (20 B, no options) / UDP / payload, where the
 * payload starts with the packet id (uint32 little-endian) and the marker
 * 0x55. Per packet: IPv4 id = id & 0xffff, UDP source port =
 * ceil(id / 65536), UDP destination port 23432, source IP 10.0.0.10 +
 * (n mod flows) with n counting from 1, destination 10.0.2.20.
 */
export const TEST_DST_PORT = 23432;
export const TEST_MARKER = 0x55;
/** The payload: the id (uint32 little-endian) at its start, the marker right after it. */
export const PAYLOAD_ID_OFFSET = 0;
export const PAYLOAD_ID_LEN = 4;
export const PAYLOAD_MARKER_OFFSET = 4;
/** Ids per UDP source port: packet `id` comes from port ceil(id / SRC_PORT_SPAN). */
export const SRC_PORT_SPAN = 65536;
/**
 * Byte offsets in the frame as the generators build it (untagged Ethernet,
 * IPv4 without options). The C sender patches the same bytes; its copy of
 * these numbers is native/src/frame.h, generated from this file.
 */
export const FRAME_OFFSETS = {
  IP_ID: 18,
  IP_CHECKSUM: 24,
  IP_SRC: 26,
  IP_DST: 30,
  UDP_SRC_PORT: 34,
  UDP_DST_PORT: 36,
  UDP_LEN: 38,
  PAYLOAD: 42,
} as const;
export const TEST_SRC_IP_BASE = "10.0.0.10";
export const TEST_DST_IP = "10.0.2.20";
/** Destination MAC of the paper's traffic: h1's interface toward the LoadGen. */
export const TEST_DST_MAC = "3e:e5:a8:40:0d:00";
export const TEST_SRC_MAC = "52:54:00:00:00:02";
/** Ethernet (14) + IPv4 (20) + UDP (8) + id (4) + marker (1). */
export const MIN_FRAME_SIZE = FRAME_OFFSETS.PAYLOAD + PAYLOAD_MARKER_OFFSET + 1;

export function ipv4ToInt(ip: string): number {
  const p = ip.split(".").map(Number);
  return ((p[0] << 24) | (p[1] << 16) | (p[2] << 8) | p[3]) >>> 0;
}

export function intToIpv4(v: number): string {
  return [v >>> 24, (v >>> 16) & 255, (v >>> 8) & 255, v & 255].join(".");
}

export function macToBytes(mac: string): number[] {
  const parts = mac.split(":");
  if (parts.length !== 6 || parts.some((p) => !/^[0-9a-fA-F]{2}$/.test(p))) throw new RangeError(`not a MAC address: ${mac}`);
  return parts.map((p) => parseInt(p, 16));
}

/** UDP source port for packet `id` (ceil(id / 65536)). */
export function srcPortFor(id: number): number {
  return Math.ceil(id / SRC_PORT_SPAN) & 0xffff;
}

export interface PacketTemplate {
  /** Bytes of the frame as sent and captured (no FCS). */
  frame: Uint8Array;
  flows: number;
  srcIpBase: number;
}

export interface TemplateOptions {
  /**
   * Frame size in bytes as MoonGen's -x: the Ethernet frame as the packet
   * buffer holds it and a capture shows it, without the 4-byte FCS the NIC
   * appends. At least MIN_FRAME_SIZE.
   */
  size: number;
  flows: number;
  srcMac?: string;
  dstMac?: string;
  srcIp?: string;
  dstIp?: string;
  dstPort?: number;
}

function ipChecksum(b: Uint8Array, off: number): number {
  let sum = 0;
  for (let i = 0; i < 20; i += 2) sum += (b[off + i] << 8) | b[off + i + 1];
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

export function makeTemplate(o: TemplateOptions): PacketTemplate {
  const len = o.size;
  if (!Number.isInteger(len) || len < MIN_FRAME_SIZE || len > 9000) throw new RangeError(`frame size ${o.size} is outside ${MIN_FRAME_SIZE}…9000 bytes (the headers, id and marker need ${MIN_FRAME_SIZE})`);
  const f = new Uint8Array(len);
  f.set(macToBytes(o.dstMac ?? TEST_DST_MAC), 0);
  f.set(macToBytes(o.srcMac ?? TEST_SRC_MAC), 6);
  f[12] = 0x08;
  f[13] = 0x00;
  const ipLen = len - 14;
  f[14] = 0x45;
  f[16] = ipLen >> 8;
  f[17] = ipLen & 255;
  f[22] = 64; // TTL
  f[23] = 17; // UDP
  const dst = ipv4ToInt(o.dstIp ?? TEST_DST_IP);
  const O = FRAME_OFFSETS;
  f[O.IP_DST] = dst >>> 24;
  f[O.IP_DST + 1] = (dst >>> 16) & 255;
  f[O.IP_DST + 2] = (dst >>> 8) & 255;
  f[O.IP_DST + 3] = dst & 255;
  const udpLen = ipLen - 20;
  const port = o.dstPort ?? TEST_DST_PORT;
  f[O.UDP_DST_PORT] = port >> 8;
  f[O.UDP_DST_PORT + 1] = port & 255;
  f[O.UDP_LEN] = udpLen >> 8;
  f[O.UDP_LEN + 1] = udpLen & 255;
  f[O.PAYLOAD + PAYLOAD_MARKER_OFFSET] = TEST_MARKER;
  return { frame: f, flows: o.flows, srcIpBase: ipv4ToInt(o.srcIp ?? TEST_SRC_IP_BASE) };
}

/**
 * Write packet number `n` (1-based) with test id `id` into `out` at `off`
 * from the template. The UDP checksum is left 0 (allowed for IPv4).
 */
export function fillPacket(t: PacketTemplate, id: number, n: number, out: Uint8Array, off: number): void {
  out.set(t.frame, off);
  const O = FRAME_OFFSETS;
  const ipId = id & 0xffff;
  out[off + O.IP_ID] = ipId >> 8;
  out[off + O.IP_ID + 1] = ipId & 255;
  const src = (t.srcIpBase + (n % t.flows)) >>> 0;
  out[off + O.IP_SRC] = src >>> 24;
  out[off + O.IP_SRC + 1] = (src >>> 16) & 255;
  out[off + O.IP_SRC + 2] = (src >>> 8) & 255;
  out[off + O.IP_SRC + 3] = src & 255;
  out[off + O.IP_CHECKSUM] = 0;
  out[off + O.IP_CHECKSUM + 1] = 0;
  const c = ipChecksum(out, off + 14);
  out[off + O.IP_CHECKSUM] = c >> 8;
  out[off + O.IP_CHECKSUM + 1] = c & 255;
  const sp = srcPortFor(id);
  out[off + O.UDP_SRC_PORT] = sp >> 8;
  out[off + O.UDP_SRC_PORT + 1] = sp & 255;
  const p = off + O.PAYLOAD + PAYLOAD_ID_OFFSET;
  out[p] = id & 255;
  out[p + 1] = (id >>> 8) & 255;
  out[p + 2] = (id >>> 16) & 255;
  out[p + 3] = (id >>> 24) & 255;
}
