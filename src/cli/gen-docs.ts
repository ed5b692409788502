/** Prints docs/cli.md from the command table (npm run docs:cli). */
import { commands } from "./commands.js";
import { argUsage } from "./program.js";
import { globalOptions, type OptionSpec } from "./spec.js";
import { EXIT_CODES, STOP_GRACE_MS } from "./exit.js";

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
    "## Exit codes",
    "",
    "Every command ends with one of these; a failure is one line on stderr, `hynet: error[CODE] file:line: what (hint: what to do)`.",
    "",
    "| code | meaning |",
    "| --- | --- |",
    ...EXIT_CODES.map((e) => `| ${e.code} | ${e.meaning.replace(/\|/g, "\\|")} |`),
    "",
    "A closed standard output (`hynet plan … | head -1`) ends the output quietly and the command finishes its work: " +
      "a series piped into `head` runs to its end. The first SIGINT or SIGTERM stops the command and cleans up; " +
      `if it then goes ${STOP_GRACE_MS / 1000} s without progress, or a second signal comes, hynet quits at once (exit 130; \`hynet clean\` removes what is left).`,
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
