/** Topology mistakes are reported at their place: unknown kinds and duplicate names (issue 17, item 4). */
import { describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { parseTopology, type KnownKinds } from "../../src/topo/index.js";
import { knownKinds } from "../../src/net/registry.js";
import { HynetError } from "../../src/errors.js";
import { renderError } from "../../src/cli/render.js";

const KNOWN: KnownKinds = knownKinds();

function fails(text: string, known: KnownKinds | undefined = KNOWN): HynetError {
  try {
    parseTopology(text, "t.yaml", known);
  } catch (e) {
    if (e instanceof HynetError) return e;
    throw e;
  }
  throw new Error("expected the topology to be rejected");
}

const CHAIN = "hosts:\n  h1:\n    cpus: 2\n  h2:\n    kind: bananas\n    cpus: 2\nlinks:\n  - { a: h1, b: h2 }\n  - a: h1\n    b: h2\n    kind: veth\n";

describe("unknown kinds name file:line, the field and the known kinds", () => {
  it("a host's kind", () => {
    const e = fails(CHAIN);
    expect(renderError(e)).toEqual({
      line: `hynet: error[TOPO_UNKNOWN_KIND] t.yaml:5: hosts.h2.kind: unknown node kind "bananas" (hint: known node kinds: ${KNOWN.node.join(", ")})`,
      exitCode: 1,
    });
  });

  it("a link's kind", () => {
    const e = fails(CHAIN.replace("    kind: bananas\n", "").replace("kind: veth", "kind: bananas"));
    expect(e.line).toBe(10);
    expect(e.message).toBe('links[1].kind: unknown link kind "bananas"');
    expect(e.hint).toBe(`known link kinds: ${KNOWN.link.join(", ")}`);
  });

  it("a switch's kind", () => {
    const e = fails("hosts: { h1: }\nswitches:\n  s1:\n    kind: hub\nlinks: [{ a: h1, b: s1 }]\n");
    expect(e.line).toBe(4);
    expect(e.message).toBe('switches.s1.kind: unknown switch kind "hub"');
  });

  it("without known kinds (the Topo builder, tests) kinds are not judged here", () => {
    expect(parseTopology(CHAIN, "t.yaml").hosts[1].kind).toBe("bananas");
  });

  it("hynet up reports it before anything is made", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "hynet-kinds-"));
    const file = path.join(dir, "t.yaml");
    writeFileSync(file, CHAIN);
    const r = spawnSync(process.execPath, ["bin/hynet.js", "up", file, "--dry-run"], { encoding: "utf8", timeout: 30_000 });
    expect(r.stdout).toBe("");
    expect(r.stderr.trim()).toBe(`hynet: error[TOPO_UNKNOWN_KIND] ${file}:5: hosts.h2.kind: unknown node kind "bananas" (hint: known node kinds: ${KNOWN.node.join(", ")})`);
    expect(r.status).toBe(1);
  });
});

it("hynet up names the flag of an unknown kind", () => {
  const r = spawnSync(process.execPath, ["bin/hynet.js", "up", "examples/paper/topology.yaml", "--link-kind", "bananas", "--dry-run"], { encoding: "utf8", timeout: 30_000 });
  expect(r.stdout).toBe("");
  expect(r.stderr).toBe(`hynet: error[USAGE] --link-kind: unknown kind "bananas" (hint: known: ${KNOWN.link.join(", ")})\n`);
  expect(r.status).toBe(2);
});

describe("a duplicate name is reported at the duplicate, with its key", () => {
  it("a host defined twice in block style", () => {
    const e = fails("hosts:\n  h1:\n    cpus: 2\n  h2:\n    cpus: 2\n  h1:\n    cpus: 4\n");
    expect(e.code).toBe("TOPO_DUPLICATE_NAME");
    expect(e.line).toBe(6);
    expect(e.message).toBe('hosts.h1: "h1" is defined twice (first on line 2)');
  });

  it("a key inside a host", () => {
    const e = fails("hosts:\n  h1:\n    cpus: 2\n    memory: 1G\n    cpus: 4\n");
    expect(e.line).toBe(5);
    expect(e.message).toBe('hosts.h1.cpus: "cpus" is defined twice (first on line 3)');
  });
});
