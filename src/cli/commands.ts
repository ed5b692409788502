/** The registry of CLI commands: one line per command. */
import type { CommandSpec } from "./spec.js";

export const commands: CommandSpec[] = [];
