/** The pre index: binary search over sorted keys, the hash table otherwise; both give the same answers. */
import { describe, expect, it } from "vitest";
import { AMBIGUOUS, PreIndex } from "../../src/evaluate/prehash.js";

function index(keys: [number, number][]): { ix: PreIndex; status: Uint8Array } {
  const ids = Uint32Array.from(keys.map((k) => k[0]));
  const ports = Uint32Array.from(keys.map((k) => k[1]));
  const status = new Uint8Array(keys.length);
  return { ix: new PreIndex(ids, ports, keys.length, status), status };
}

describe("PreIndex", () => {
  it("serves increasing keys (ports, then id) by binary search, across an id wrap into the next source port", () => {
    const P = (src: number, dst: number) => ((src << 16) | dst) >>> 0;
    const keys: [number, number][] = [
      [65534, P(1, 1000)],
      [65535, P(1, 1000)],
      [65536, P(2, 1000)],
      [65537, P(2, 1000)],
      [70000, P(2, 1000)],
    ];
    const { ix, status } = index(keys);
    expect(ix.sorted).toBe(true);
    keys.forEach(([id, pt], i) => expect(ix.find(id, pt)).toBe(i));
    expect(ix.find(65533, P(1, 1000))).toBe(-1); // before the first
    expect(ix.find(65538, P(2, 1000))).toBe(-1); // a gap
    expect(ix.find(70001, P(2, 1000))).toBe(-1); // after the last
    expect(ix.find(65536, P(2, 1001))).toBe(-1); // same id, other port
    expect([...status]).toEqual([0, 0, 0, 0, 0]);
  });

  it("one record, and none", () => {
    expect(index([[7, 9]]).ix.find(7, 9)).toBe(0);
    const empty = index([]);
    expect(empty.ix.sorted).toBe(true);
    expect(empty.ix.find(0, 0)).toBe(-1);
  });

  it("falls back to the hash table for unordered keys and marks every record of a repeated key ambiguous", () => {
    const { ix, status } = index([
      [5, 1],
      [3, 1],
      [5, 1],
      [4, 2],
    ]);
    expect(ix.sorted).toBe(false);
    expect([...status]).toEqual([AMBIGUOUS, 0, AMBIGUOUS, 0]);
    expect(ix.find(3, 1)).toBe(1);
    expect(ix.find(4, 2)).toBe(3);
    expect(status[ix.find(5, 1)] & AMBIGUOUS).toBe(AMBIGUOUS);
    expect(ix.find(4, 1)).toBe(-1);
  });

  it("a repeated key in otherwise increasing order is not sorted (equal is not increasing)", () => {
    const { ix, status } = index([
      [1, 1],
      [2, 1],
      [2, 1],
      [3, 1],
    ]);
    expect(ix.sorted).toBe(false);
    expect([...status]).toEqual([0, AMBIGUOUS, AMBIGUOUS, 0]);
  });

  it("both strategies answer every lookup alike", () => {
    let x = 12345;
    const rnd = () => (x = (Math.imul(x, 1103515245) + 12345) >>> 0);
    const keys: [number, number][] = [];
    let id = 0;
    for (let i = 0; i < 5000; i++) keys.push([(id += 1 + (rnd() % 3)), 1000 + (id >>> 12)]);
    keys.sort((a, b) => a[1] - b[1] || a[0] - b[0]);
    const sorted = index(keys).ix;
    const shuffled = keys.map((k, i) => [k, i] as const).sort(() => (rnd() & 1 ? 1 : -1));
    const hashed = index(shuffled.map((s) => s[0])).ix;
    expect(sorted.sorted).toBe(true);
    expect(hashed.sorted).toBe(false);
    for (let q = 0; q < 20000; q++) {
      const qid = rnd() % (id + 10);
      const qp = 1000 + (qid >>> 12) + (q % 7 === 0 ? 1 : 0);
      const a = sorted.find(qid, qp);
      const b = hashed.find(qid, qp);
      expect(a < 0 ? -1 : keys[a][0]).toBe(b < 0 ? -1 : shuffled[b][0][0]);
    }
  });
});
