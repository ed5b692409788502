/**
 * Builds the commander program from the command table. Parsing only: no
 * side effects here, so --help and docs can be generated anywhere.
 */
import { Command, Option, InvalidArgumentError } from "commander";
import { camel, globalOptions, type CommandSpec, type OptionSpec } from "./spec.js";

export const VERSION = "0.1.0";

function parserFor(o: OptionSpec): ((v: string, prev: unknown) => unknown) | undefined {
  if (o.type === "number") {
    return (v) => {
      const n = Number(v);
      if (v.trim() === "" || !Number.isFinite(n)) throw new InvalidArgumentError(`expected a number, got "${v}"`);
      return n;
    };
  }
  if (o.type === "list") {
    return (v, prev) => [...(Array.isArray(prev) ? (prev as string[]) : []), ...v.split(",").filter(Boolean)];
  }
  return undefined;
}

export function toOption(o: OptionSpec): Option {
  const flags = `${o.short ? `-${o.short}, ` : ""}--${o.name}${o.type === "boolean" ? "" : ` <${o.value ?? "VALUE"}>`}`;
  const opt = new Option(flags, o.description);
  if (o.choices) opt.choices(o.choices as string[]);
  const parse = parserFor(o);
  if (parse && !o.choices) opt.argParser(parse);
  // List defaults are applied after parsing (see buildProgram) so a given value replaces them instead of adding to them.
  if (o.default !== undefined) opt.default(o.default, o.type === "list" ? String(o.default) : undefined);
  return opt;
}

export function argUsage(spec: CommandSpec): string {
  return spec.args
    .map((a) => {
      const n = `${a.name}${a.variadic ? "..." : ""}`;
      return a.required ? `<${n}>` : `[${n}]`;
    })
    .join(" ");
}

export type Invocation = { spec: CommandSpec; args: string[]; opts: Record<string, unknown> };

export interface OutputConfig {
  writeOut?: (s: string) => void;
  writeErr?: (s: string) => void;
}

/** Output settings are given here because commander copies them into subcommands only when they are created. */
export function buildProgram(specs: CommandSpec[], onRun: (inv: Invocation) => void, output: OutputConfig = {}): Command {
  const program = new Command("hynet")
    .description("Continuous integration of low-latency networks by hybrid network emulation")
    .version(VERSION)
    .showHelpAfterError(false)
    .exitOverride()
    .configureOutput(output);
  for (const spec of specs) {
    const cmd = program.command(`${spec.name} ${argUsage(spec)}`.trim()).description(spec.summary);
    if (spec.aliases) cmd.aliases(spec.aliases);
    for (const o of [...spec.options, ...globalOptions]) cmd.addOption(toOption(o));
    if (spec.examples.length) cmd.addHelpText("after", `\nExamples:\n${spec.examples.map((e) => `  $ ${e}`).join("\n")}\n`);
    cmd.exitOverride();
    cmd.action((...all: unknown[]) => {
      const nArgs = spec.args.length;
      const positional = all.slice(0, nArgs).flatMap((v) => (v === undefined ? [] : Array.isArray(v) ? (v as string[]) : [String(v)]));
      const raw = all[nArgs] as Record<string, unknown>;
      const opts: Record<string, unknown> = {};
      for (const o of [...spec.options, ...globalOptions]) {
        let v = raw[camel(o.name)];
        if (o.type === "list" && typeof v === "string") v = v.split(",").filter(Boolean);
        opts[camel(o.name)] = v;
      }
      onRun({ spec, args: positional, opts });
    });
  }
  return program;
}
