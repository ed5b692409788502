/**
 * The typed table every CLI command is declared in. Flags, `--help` and
 * docs/cli.md are all generated from these objects, so they cannot drift.
 */
import type { Sys } from "../sys/index.js";

export type OptionType = "string" | "number" | "boolean" | "list";

export interface OptionSpec {
  /** Long name without dashes, e.g. "bucket-size". */
  name: string;
  /** One-letter alias without dash. */
  short?: string;
  type: OptionType;
  /** Value placeholder in help, e.g. "NS". */
  value?: string;
  description: string;
  default?: string | number | boolean;
  /** Allowed values, checked before the command runs. */
  choices?: readonly string[];
}

export interface ArgSpec {
  name: string;
  description: string;
  required?: boolean;
  variadic?: boolean;
}

/** Parsed options: keys are camelCase of the long names. */
export type Options = Record<string, unknown>;

export interface CommandContext {
  sys: Sys;
  /** Set when the user pressed Ctrl-C or the process got SIGTERM. */
  signal: AbortSignal;
  /** Arguments after `--` (for `hynet exec host -- cmd…`). */
  rest: string[];
}

export interface CommandSpec {
  name: string;
  aliases?: string[];
  summary: string;
  /** A paragraph for --help and the docs. */
  description?: string;
  args: ArgSpec[];
  options: OptionSpec[];
  examples: string[];
  /**
   * Ctrl-C is how this command ends when it has no time limit (`hynet capture`):
   * a command that then finishes without an error exits with its own code, not 130.
   */
  stopsOnInterrupt?: boolean;
  /** Returns the process exit code. */
  run(args: string[], opts: Options, ctx: CommandContext): Promise<number>;
}

/** Options every command takes. */
export const globalOptions: OptionSpec[] = [
  { name: "reporter", type: "string", value: "NAME", choices: ["terminal", "json"], default: "terminal", description: "how to show progress and results: terminal (for people) or json (one JSON event per line, for scripts)" },
  { name: "dry-run", type: "boolean", description: "print the commands that would change the system instead of running them" },
  { name: "verbose", short: "v", type: "boolean", description: "also show debug messages and every command run" },
  { name: "quiet", short: "q", type: "boolean", description: "show only results, warnings and errors" },
];

export function camel(name: string): string {
  return name.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
}
