import { describe, expect, it } from "vitest";
import { parseExperiment, loadExperiment } from "../../src/experiment/file.js";
import { HynetError } from "../../src/errors.js";

function err(text: string): HynetError {
  try {
    parseExperiment(text, "/x/exp.yaml");
  } catch (e) {
    return e as HynetError;
  }
  throw new Error("expected an error");
}

describe("experiment file", () => {
  it("fills defaults from the seed and resolves the topology next to the file", () => {
    const e = parseExperiment("topology: ../topo/t.yaml\nloop:\n  rate: [50000]\n", "/x/y/exp.yaml");
    expect(e.topology).toBe("/x/topo/t.yaml");
    expect(e.globals).toMatchObject({ measurement_time: 90, warm_up_time: 30, size: 84, flows: 10, burst: 1, node: "namespace", link: "veth" });
    expect(e.evaluation).toMatchObject({ bucket_size: 100, trim_ms: 0, num_worst: 5000, strict_marker: false });
    expect(e.capture).toMatchObject({ compression: "zstd", snaplen: 84 });
    expect(e.loadgen).toBe("builtin");
    expect(e.loops).toEqual([{ rate: [50000] }]);
  });

  it("takes several loop blocks as a list", () => {
    const e = parseExperiment("topology: t.yaml\nloop:\n  - {rate: [1], burst: [1]}\n  - {rate: [1], burst: [50, 100]}\n", "/x/exp.yaml");
    expect(e.loops).toEqual([{ rate: [1], burst: [1] }, { rate: [1], burst: [50, 100] }]);
  });

  it("names file, line and field of a wrong value", () => {
    const e = err("topology: t.yaml\nglobals:\n  measurement_time: 2\nloop:\n  rate: [50000, fast]\n");
    expect(e.code).toBe("EXPERIMENT_INVALID");
    expect(e.file).toBe("/x/exp.yaml");
    expect(e.line).toBe(5);
    expect(e.message).toMatch(/field `loop.rate\[1\]`/);
  });

  it("points at a misspelt global", () => {
    const e = err("topology: t.yaml\nglobals:\n  measurment_time: 2\nloop: {rate: [1]}\n");
    expect(e.line).toBe(3);
    expect(e.message).toMatch(/unknown field `measurment_time`/);
  });

  it("requires topology and loop", () => {
    expect(err("loop: {rate: [1]}\n").message).toMatch(/`topology`: is required/);
    expect(err("topology: t.yaml\n").message).toMatch(/`loop`/);
  });

  it("rejects values that cannot be part of a folder name, and bad variable names", () => {
    expect(err("topology: t.yaml\nloop:\n  rate: [1]\n  label: ['a/b']\n")).toMatchObject({ line: 4 });
    expect(err("topology: t.yaml\nloop: {rate: [1], Bad-Name: [x]}\n").message).toMatch(/lower-case/);
    expect(err("topology: t.yaml\nloop:\n  - rate: [1]\n  - node: [Namespace]\n")).toMatchObject({ line: 4 });
    expect(err("topology: t.yaml\nloop:\n  rate: []\n").message).toMatch(/at least one value/);
  });

  it("reports broken YAML with its line", () => {
    const e = err("topology: t.yaml\nloop: [\n");
    expect(e.code).toBe("EXPERIMENT_YAML");
    expect(e.line).toBeGreaterThanOrEqual(2);
  });

  it("reports a missing file by name", async () => {
    await expect(loadExperiment("/nonexistent/exp.yaml")).rejects.toMatchObject({ code: "FILE_ENOENT", file: "/nonexistent/exp.yaml" });
  });
});
