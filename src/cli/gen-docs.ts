/** Prints docs/cli.md from the command table (npm run docs:cli). */
import { commands } from "./commands.js";
import { argUsage } from "./program.js";
import { globalOptions, type OptionSpec } from "./spec.js";

function optRow(o: OptionSpec): string {
  const flag = `${o.short ? `-${o.short}, ` : ""}--${o.name}${o.type === "boolean" ? "" : ` ${o.value ?? "VALUE"}`}`;
  const def = o.default === undefined ? "" : `\`${String(o.default)}\``;
  const choices = o.choices ? ` One of: ${o.choices.join(", ")}.` : "";
  return `| \`${flag}\` | ${o.description.replace(/\|/g, "\\|")}${choices} | ${def} |`;
}

export function cliMarkdown(): string {
  const out: string[] = [
    "# hynet command line",
    "",
    "Generated from the command table in `src/cli/` by `npm run docs:cli`; do not edit by hand.",
    "",
    "## Options every command takes",
    "",
    "| flag | meaning | default |",
    "| --- | --- | --- |",
    ...globalOptions.map(optRow),
    "",
  ];
  for (const c of commands) {
    out.push(`## hynet ${c.name}`, "", c.summary + ".", "");
    if (c.description) out.push(c.description, "");
    out.push("```", `hynet ${c.name} ${argUsage(c)}`.trim(), "```", "");
    if (c.args.length) {
      out.push("| argument | meaning |", "| --- | --- |");
      for (const a of c.args) out.push(`| \`${a.name}${a.variadic ? "..." : ""}\` | ${a.description} |`);
      out.push("");
    }
    if (c.options.length) {
      out.push("| flag | meaning | default |", "| --- | --- | --- |", ...c.options.map(optRow), "");
    }
    if (c.examples.length) out.push("Examples:", "", "```sh", ...c.examples, "```", "");
  }
  return out.join("\n");
}

if (import.meta.url === `file://${process.argv[1]}`) process.stdout.write(cliMarkdown());
