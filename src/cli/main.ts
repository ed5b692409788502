#!/usr/bin/env node
/**
 * hynet's entry point: parse flags from the command table, pick a reporter,
 * build the system context, run the command, render errors in one place.
 */
import { CommanderError } from "commander";
import { commands } from "./commands.js";
import { buildProgram, type Invocation } from "./program.js";
import { reporters } from "./reporter.js";
import { renderError } from "./render.js";
import { UsageError } from "../errors.js";
import { handleInterrupts, outcome, quietWhenClosed } from "./exit.js";

async function main(argv: string[]): Promise<number> {
  // Everything after the first `--` belongs to the command (hynet exec h1 -- ip addr).
  const dd = argv.indexOf("--");
  const rest = dd >= 0 ? argv.slice(dd + 1) : [];
  const head = dd >= 0 ? argv.slice(0, dd) : argv;

  let inv: Invocation | undefined;
  // commander's own error text is replaced by renderError; help and version still go to stdout.
  const program = buildProgram(commands, (i) => (inv = i), { writeErr: () => {} });
  try {
    await program.parseAsync(head, { from: "user" });
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === "commander.helpDisplayed" || e.code === "commander.version" || e.code === "commander.help") return 0;
      throw new UsageError(e.message.replace(/^error: /, ""), { hint: "see `hynet --help` or `hynet <command> --help`" });
    }
    throw e;
  }
  if (!inv) {
    program.outputHelp();
    return 0;
  }
  const o = inv.opts;
  const reporter = reporters[String(o.reporter ?? "terminal")]({
    verbose: o.verbose === true,
    quiet: o.quiet === true,
    dryRun: o.dryRun === true,
    out: process.stdout,
    err: process.stderr,
  });
  const interrupts = handleInterrupts(reporter.emit);
  const emit = interrupts.watch(reporter.emit);
  // Loaded only when a command runs: --help and --version do not need it.
  const { createSys } = await import("../sys/context.js");
  const sys = createSys({ dryRun: o.dryRun === true, emit });
  let code: number | undefined;
  let error: unknown;
  try {
    code = await inv.spec.run(inv.args, o, { sys, signal: interrupts.signal, rest });
  } catch (e) {
    error = e;
  } finally {
    reporter.close();
    interrupts.dispose();
  }
  const end = outcome(interrupts.signal.aborted && !(inv.spec.stopsOnInterrupt && error === undefined), error);
  if (end.error !== undefined) throw end.error;
  return end.code ?? code ?? 0;
}

quietWhenClosed(process.stdout);
quietWhenClosed(process.stderr);
main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    const { line, exitCode } = renderError(err);
    process.stderr.write(line + "\n");
    process.exitCode = exitCode;
  },
);
