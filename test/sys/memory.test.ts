/** Huge-page advice for the evaluator's big columns (src/sys/memory.ts, native adviseHugePages). */
import { describe, expect, it } from "vitest";
import { bigArray } from "../../src/sys/memory.js";
import { addonIfBuilt } from "../../src/sys/packetio.js";
import { Worker } from "node:worker_threads";

describe("bigArray", () => {
  it("gives zeroed typed arrays of the asked length, small and large", () => {
    for (const n of [0, 5, 3 << 20]) {
      const a = bigArray(Float64Array, n);
      expect(a).toBeInstanceOf(Float64Array);
      expect(a.length).toBe(n);
      expect(a.every((x) => x === 0)).toBe(true);
    }
    expect(bigArray(Uint32Array, 2 << 20).buffer).toBeInstanceOf(ArrayBuffer);
  });

  it("shared: a worker thread writes into the same memory the caller reads", async () => {
    const u = bigArray(Uint32Array, 2 << 20, { shared: true });
    expect(u.buffer).toBeInstanceOf(SharedArrayBuffer);
    const w = new Worker("const { parentPort, workerData } = require('node:worker_threads'); workerData[workerData.length - 1] = 7; workerData[0] = 3; parentPort.postMessage('done');", {
      eval: true,
      workerData: u,
    });
    await new Promise((resolve, reject) => {
      w.once("message", resolve);
      w.once("error", reject);
    });
    await w.terminate();
    expect([u[0], u[1], u[u.length - 1]]).toEqual([3, 0, 7]);
  });

  it("advises the whole 2 MiB pages inside a large array, nothing for a small one, and refuses what is not a typed array", () => {
    const addon = addonIfBuilt();
    expect(addon, "the native addon must be built (npm run build:native)").toBeDefined();
    const big = new Float64Array(4 << 20); // 32 MiB: at least 15 whole 2 MiB pages inside, wherever it starts
    const advised = addon!.adviseHugePages(big);
    expect(advised % (2 << 20)).toBe(0);
    expect(advised).toBeGreaterThanOrEqual(30 << 20);
    expect(advised).toBeLessThanOrEqual(32 << 20);
    expect(addon!.adviseHugePages(new Uint8Array(4096))).toBe(0);
    expect(() => addon!.adviseHugePages({} as unknown as Uint8Array)).toThrow(/typed array/);
  });
});
