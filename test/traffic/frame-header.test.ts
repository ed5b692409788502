import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { frameHeader } from "../../scripts/frame-header.js";
import { FRAME_OFFSETS, PAYLOAD_ID_OFFSET, PAYLOAD_MARKER_OFFSET, TEST_MARKER, fillPacket, makeTemplate } from "../../src/traffic/packet.js";

describe("the test-frame layout has one definition", () => {
  it("native/src/frame.h is what packet.ts and records.ts generate (run `npm run gen:frame` after changing them)", () => {
    const onDisk = readFileSync(new URL("../../native/src/frame.h", import.meta.url), "utf8");
    expect(onDisk).toBe(frameHeader());
  });

  it("the offsets point at the fields fillPacket writes", () => {
    const t = makeTemplate({ size: 60, flows: 4 });
    const f = new Uint8Array(60);
    const id = 0x0102_0304 + 65536 * 2;
    fillPacket(t, id, 3, f, 0);
    const O = FRAME_OFFSETS;
    const p = O.PAYLOAD + PAYLOAD_ID_OFFSET;
    expect(new DataView(f.buffer).getUint32(p, true)).toBe(id);
    expect(f[O.PAYLOAD + PAYLOAD_MARKER_OFFSET]).toBe(TEST_MARKER);
    expect((f[O.IP_ID] << 8) | f[O.IP_ID + 1]).toBe(id & 0xffff);
    expect((f[O.UDP_SRC_PORT] << 8) | f[O.UDP_SRC_PORT + 1]).toBe(Math.ceil(id / 65536));
    expect((f[O.UDP_DST_PORT] << 8) | f[O.UDP_DST_PORT + 1]).toBe(23432);
    expect([...f.subarray(O.IP_SRC, O.IP_SRC + 4)]).toEqual([10, 0, 0, 13]);
    expect([...f.subarray(O.IP_DST, O.IP_DST + 4)]).toEqual([10, 0, 2, 20]);
  });
});
