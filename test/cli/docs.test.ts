import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { cliMarkdown } from "../../src/cli/gen-docs.js";
import { commands } from "../../src/cli/commands.js";

describe("docs/cli.md", () => {
  it("is what the command table generates (run `npm run build && npm run docs:cli` after changing a flag)", () => {
    expect(readFileSync("docs/cli.md", "utf8")).toBe(cliMarkdown());
  });

  it("documents every command with at least one example", () => {
    for (const c of commands) expect(c.examples.length, c.name).toBeGreaterThan(0);
  });
});
