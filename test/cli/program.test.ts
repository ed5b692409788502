import { describe, expect, it } from "vitest";
import { buildProgram, type Invocation } from "../../src/cli/program.js";
import type { CommandSpec } from "../../src/cli/spec.js";

const spec: CommandSpec = {
  name: "demo",
  summary: "a command for the test",
  args: [{ name: "file", description: "files", required: true, variadic: true }],
  options: [
    { name: "bucket-size", type: "number", description: "bucket", default: 100 },
    { name: "format", type: "list", description: "formats", default: "csv,parquet" },
    { name: "strict", type: "boolean", description: "strict" },
    { name: "mode", type: "string", description: "mode", choices: ["a", "b"] },
  ],
  examples: [],
  run: async () => 0,
};

function parse(argv: string[]): Invocation {
  let inv: Invocation | undefined;
  const p = buildProgram([spec], (i) => (inv = i), { writeErr: () => {}, writeOut: () => {} });
  p.parse(argv, { from: "user" });
  if (!inv) throw new Error("no invocation");
  return inv;
}

describe("CLI option table", () => {
  it("applies defaults and camel-cases names", () => {
    const inv = parse(["demo", "a.pcap", "b.pcap"]);
    expect(inv.args).toEqual(["a.pcap", "b.pcap"]);
    expect(inv.opts.bucketSize).toBe(100);
    expect(inv.opts.format).toEqual(["csv", "parquet"]);
    expect(inv.opts.strict).toBeUndefined();
    expect(inv.opts.reporter).toBe("terminal");
  });

  it("parses numbers and replaces list defaults instead of appending", () => {
    const inv = parse(["demo", "x", "--bucket-size", "250", "--format", "csv", "--strict"]);
    expect(inv.opts.bucketSize).toBe(250);
    expect(inv.opts.format).toEqual(["csv"]);
    expect(inv.opts.strict).toBe(true);
  });

  it("rejects a non-number, an unknown flag and a bad choice", () => {
    expect(() => parse(["demo", "x", "--bucket-size", "ten"])).toThrow(/expected a number/);
    expect(() => parse(["demo", "x", "--nope"])).toThrow(/unknown option/);
    expect(() => parse(["demo", "x", "--mode", "c"])).toThrow(/Allowed choices/);
  });
});
