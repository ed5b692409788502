/** Load-generator kinds: one line each. */
import type { LoadGenerator } from "./loadgen.js";
import { builtinLoadGenerator } from "./builtin.js";
import { moongenLoadGenerator } from "./moongen.js";

export const loadgens: Record<string, LoadGenerator> = {
  builtin: builtinLoadGenerator,
  moongen: moongenLoadGenerator,
};
