/**
 * Bad input: one error naming the file and the cause (and byte offset where it applies), and no
 * output file left behind, complete-looking or temporary.
 */
import { describe, expect, it } from "vitest";
import { mkdirSync, readFileSync, truncateSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { HynetError } from "../../src/errors.js";
import { renderError } from "../../src/cli/render.js";
import { evaluatePair, evaluateMany } from "../../src/evaluate/index.js";
import { files, makePair, params, testSys, tmp, writeCapture, type Pkt } from "./helpers.js";

const PRE: Pkt[] = [0, 1, 2, 3].map((id) => ({ id, t: id * 1000 }));
const POST: Pkt[] = [0, 1, 2, 3].map((id) => ({ id, t: id * 1000 + 300 }));

async function failure(pre: string, post: string, out: string): Promise<HynetError> {
  try {
    await evaluatePair(pre, post, out, params({ formats: ["csv", "parquet"] }), testSys().sys);
  } catch (e) {
    expect(e).toBeInstanceOf(HynetError);
    return e as HynetError;
  }
  throw new Error("evaluatePair did not fail");
}

function outputsIn(dir: string): string[] {
  return files(dir).filter((f) => !/^latencies-(pre|post)-t\.pcap$/.test(f) && f !== "sub");
}

describe("bad input", () => {
  it("not a capture", async () => {
    const { dir, pre, post } = await makePair(PRE, POST);
    writeFileSync(post, "this is not a capture file\n");
    const e = await failure(pre, post, dir);
    expect(e.code).toBe("CAPTURE_NOT_A_CAPTURE");
    expect(e.file).toBe(post);
    expect(renderError(e).line).toMatch(/^hynet: error\[CAPTURE_NOT_A_CAPTURE\] .*latencies-post-t\.pcap \(byte 0\): not a pcap/);
    expect(outputsIn(dir)).toEqual([]);
  });

  it("truncated capture: the byte offset of the cut record", async () => {
    const { dir, pre, post } = await makePair(PRE, POST);
    const size = readFileSync(pre).length;
    truncateSync(pre, size - 10);
    const e = await failure(pre, post, dir);
    expect(e.code).toBe("CAPTURE_TRUNCATED");
    expect(e.file).toBe(pre);
    expect(e.offset).toBe(24 + 3 * (16 + 60)); // the 4th record
    expect(outputsIn(dir)).toEqual([]);
  });

  it("unknown link type", async () => {
    const dir = tmp();
    const pre = await writeCapture(path.join(dir, "latencies-pre-t.pcap"), PRE, { linktype: 113 });
    const post = await writeCapture(path.join(dir, "latencies-post-t.pcap"), POST);
    const e = await failure(pre, post, dir);
    expect(e.code).toBe("CAPTURE_LINKTYPE");
    expect(e.file).toBe(pre);
    expect(e.message).toBe("link type 113 (Linux cooked (SLL)) is not Ethernet (1)");
    expect(outputsIn(dir)).toEqual([]);
  });

  it("missing post file", async () => {
    const { dir, pre } = await makePair(PRE, POST);
    const e = await failure(pre, path.join(dir, "latencies-post-nope.pcap"), dir);
    expect(e.code).toBe("FILE_ENOENT");
    expect(e.file).toBe(path.join(dir, "latencies-post-nope.pcap"));
    expect(renderError(e).line).toMatch(/latencies-post-nope\.pcap: cannot read post capture: no such file or directory/);
  });

  it("empty (0-byte) capture", async () => {
    const { dir, pre, post } = await makePair(PRE, POST);
    writeFileSync(post, "");
    const e = await failure(pre, post, dir);
    expect(e.code).toBe("CAPTURE_EMPTY");
    expect(e.file).toBe(post);
    expect(outputsIn(dir)).toEqual([]);
  });

  it("unwritable output folder (a file in the way)", async () => {
    const { dir, pre, post } = await makePair(PRE, POST);
    const blocker = path.join(dir, "blocker");
    writeFileSync(blocker, "x");
    const e = await failure(pre, post, path.join(blocker, "out"));
    expect(e.code).toMatch(/^FILE_/);
    expect(e.file).toBe(path.join(blocker, "out"));
  });

  it("an output that cannot be placed: nothing of the pair is left, not even the files renamed before", async () => {
    const { dir, pre, post } = await makePair(PRE, POST);
    mkdirSync(path.join(dir, "latencies-pre-t.pcap.summary.json", "sub"), { recursive: true });
    const e = await failure(pre, post, dir);
    expect(e.file).toBe(path.join(dir, "latencies-pre-t.pcap.summary.json"));
    expect(outputsIn(dir)).toEqual(["latencies-pre-t.pcap.summary.json"]); // the folder that was in the way
  });

  it("evaluateMany evaluates the good pairs and throws the first failure", async () => {
    const good = await makePair(PRE, POST, "a");
    await writeCapture(path.join(good.dir, "latencies-pre-b.pcap"), PRE);
    writeFileSync(path.join(good.dir, "latencies-post-b.pcap"), "garbage!");
    const { sys, events } = testSys();
    const pres = [good.pre, path.join(good.dir, "latencies-pre-b.pcap")];
    await expect(evaluateMany(pres, "", params(), sys, 2)).rejects.toMatchObject({ code: "CAPTURE_NOT_A_CAPTURE", file: path.join(good.dir, "latencies-post-b.pcap") });
    const names = files(good.dir);
    expect(names).toContain("latencies-pre-a.pcap.summary.json");
    expect(names.filter((n) => n.startsWith("latencies-pre-b.pcap."))).toEqual([]);
    expect(names.filter((n) => n.startsWith("."))).toEqual([]);
    expect(events.filter((e) => e.type === "result").length).toBe(1);
  });
});
