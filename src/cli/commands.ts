/**
 * The registry of CLI commands: one line per command.
 *
 * Every command file below is loaded on every start (commander needs all the
 * specs to parse and print --help), so they import only what their spec table
 * needs at the top; each `run` loads its implementation with `await import()`.
 * Importing the implementations here took hynet's start-up from ~0.1 s to
 * ~0.45 s, for `--help` too. Keep new command files the same way.
 */
import type { CommandSpec } from "./spec.js";
import { upCommand } from "./up.js";
import { execCommand } from "./exec.js";
import { downCommand } from "./down.js";
import { linkCommand } from "./link.js";
import { cleanCommand } from "./clean.js";
import { showCommand } from "./show.js";
import { loadgenCommand } from "./loadgen.js";
import { captureCommand } from "./capture.js";
import { calibrateCommand } from "./calibrate.js";
import { gateCommand } from "./gate.js";
import { synthCommand } from "./synth.js";
import { planCommand } from "./plan.js";
import { resultsCommand } from "./results.js";
import { runCommand } from "./run.js";
import { exampleCommand } from "./example.js";
import { evaluateCommand } from "./evaluate.js";
import { reportCommand } from "./report.js";
import { machineCommand } from "./machine.js";
import { labCommand } from "./lab.js";

/** In the order `hynet --help` and docs/cli.md list them: the main job first, then its parts. */
export const commands: CommandSpec[] = [
  exampleCommand,
  runCommand,
  planCommand,
  resultsCommand,
  reportCommand,
  gateCommand,
  evaluateCommand,
  synthCommand,
  upCommand,
  execCommand,
  showCommand,
  linkCommand,
  downCommand,
  cleanCommand,
  machineCommand,
  labCommand,
  loadgenCommand,
  captureCommand,
  calibrateCommand,
];
