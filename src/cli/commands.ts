/** The registry of CLI commands: one line per command. */
import type { CommandSpec } from "./spec.js";
import { upCommand } from "./up.js";
import { execCommand } from "./exec.js";
import { downCommand } from "./down.js";
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
  downCommand,
  cleanCommand,
  loadgenCommand,
  captureCommand,
  calibrateCommand,
];
