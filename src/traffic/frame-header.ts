/**
 * native/src/frame.h, the C copy of the test-frame layout, generated from
 * packet.ts so that the sender and the evaluator's kernels cannot drift from
 * the TypeScript generator and parser. `npm run gen:frame` writes it; a test
 * regenerates it and fails on any difference.
 */
import { FRAME_OFFSETS, PAYLOAD_ID_LEN, PAYLOAD_ID_OFFSET, PAYLOAD_MARKER_OFFSET, SRC_PORT_SPAN, TEST_DST_PORT, TEST_MARKER, MIN_FRAME_SIZE } from "./packet.js";

const hex = (v: number) => `0x${v.toString(16)}`;

export function frameHeader(): string {
  const defines: [string, string][] = [
    ["HY_TEST_MARKER", hex(TEST_MARKER)],
    ["HY_TEST_DST_PORT", String(TEST_DST_PORT)],
    ["HY_PAYLOAD_ID_OFFSET", String(PAYLOAD_ID_OFFSET)],
    ["HY_PAYLOAD_ID_LEN", String(PAYLOAD_ID_LEN)],
    ["HY_PAYLOAD_MARKER_OFFSET", String(PAYLOAD_MARKER_OFFSET)],
    ["HY_SRC_PORT_SPAN", `${SRC_PORT_SPAN}u`],
    ["HY_MIN_FRAME_SIZE", String(MIN_FRAME_SIZE)],
    ...Object.entries(FRAME_OFFSETS).map(([k, v]): [string, string] => [`HY_OFF_${k}`, String(v)]),
  ];
  return [
    "/* Generated from src/traffic/packet.ts by `npm run gen:frame`: do not edit. */",
    "#ifndef HYNET_FRAME_H",
    "#define HYNET_FRAME_H",
    "",
    ...defines.map(([k, v]) => `#define ${k} ${v}`),
    "",
    "#endif",
    "",
  ].join("\n");
}
