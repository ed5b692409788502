/**
 * native/src/frame.h, the C copy of the test-frame layout (src/traffic/packet.ts)
 * and of the evaluator's skip reasons (src/evaluate/records.ts), generated so
 * that the sender and the evaluator's kernels cannot drift from the
 * TypeScript generator and parser. `npm run gen:frame` writes it; a test
 * regenerates it and fails on any difference.
 */
import { SKIP_REASONS } from "../src/evaluate/records.js";
import { FRAME_OFFSETS, PAYLOAD_ID_LEN, PAYLOAD_ID_OFFSET, PAYLOAD_MARKER_OFFSET, SRC_PORT_SPAN, TEST_DST_PORT, TEST_MARKER, MIN_FRAME_SIZE } from "../src/traffic/packet.js";

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
  // Skip reasons by index: "" is "none", the others as the summary names them (non-ip → SK_NON_IP).
  const skips = SKIP_REASONS.map((r) => `SK_${(r || "none").toUpperCase().replace(/-/g, "_")}`);
  return [
    "/* Generated from src/traffic/packet.ts and src/evaluate/records.ts by `npm run gen:frame`: do not edit. */",
    "#ifndef HYNET_FRAME_H",
    "#define HYNET_FRAME_H",
    "",
    ...defines.map(([k, v]) => `#define ${k} ${v}`),
    "",
    "/* Why a frame did not become a record: the values of `Skip`, the names of SKIP_REASONS. */",
    `enum { ${[...skips, "SK_COUNT"].join(", ")} };`,
    "",
    "#endif",
    "",
  ].join("\n");
}
