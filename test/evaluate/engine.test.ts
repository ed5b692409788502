/** The pair engine past its reserved columns: every column grows (doubling) and keeps what it held. */
import { describe, expect, it } from "vitest";
import { PairEngine } from "../../src/evaluate/engine.js";
import { parseFlowKey } from "../../src/evaluate/flows.js";
import { DEFAULT_PARAMS } from "../../src/evaluate/params.js";
import { frame } from "./helpers.js";

describe("PairEngine without a reservation", () => {
  it("matches 3000 records (3 doublings of every column) with the right latencies", () => {
    const e = new PairEngine({ strictMarker: false, flowKey: parseFlowKey(DEFAULT_PARAMS.flowKey) });
    const N = 3000;
    const frames = Array.from({ length: N }, (_, i) => frame({ id: i, srcport: 1 + (i >>> 16), dstport: 319 }));
    for (let i = 0; i < N; i++) e.addPre(frames[i], 0, frames[i].length, 1_700_000_000, i * 1000, 1);
    e.finishPre();
    // Every third record lost; the rest arrive 100 + (i mod 7) ns later.
    for (let i = 0; i < N; i++) if (i % 3 !== 0) e.addPost(frames[i], 0, frames[i].length, 1_700_000_000, i * 1000 + 100 + (i % 7), 1);
    e.finishPost();
    expect(e.preN).toBe(N);
    expect(e.preTs.length).toBeGreaterThanOrEqual(N);
    expect(e.postTs.length).toBe(N - N / 3);
    expect(e.matchN).toBe(N - N / 3);
    expect(e.lost).toBe(N / 3);
    for (let m = 0; m < e.matchN; m++) {
      const i = e.matchPre[m];
      expect(i % 3).not.toBe(0);
      expect(e.matchLat[m]).toBe(100 + (i % 7));
      expect(e.preTs[i]).toBe(i * 1000);
    }
  });
});
