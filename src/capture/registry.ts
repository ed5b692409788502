/** Timestamper kinds: one line each. */
import type { Timestamper } from "./timestamper.js";
import { builtinTimestamper } from "./builtin.js";
import { moonsniffTimestamper } from "./moonsniff.js";

export const timestampers: Record<string, Timestamper> = {
  builtin: builtinTimestamper,
  moonsniff: moonsniffTimestamper,
};
