/** Timestamper kinds: one line each. */
import type { Timestamper } from "./timestamper.js";
import { builtinTimestamper } from "./builtin.js";

export const timestampers: Record<string, Timestamper> = {
  builtin: builtinTimestamper,
};
