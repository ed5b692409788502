/** Shared by the topology tests. */
import { parseTopology } from "../../src/topo/index.js";
import { HynetError } from "../../src/errors.js";

/** The error parsing `text` (as t.yaml) raises; fails the test when it parses. */
export function fails(text: string): HynetError {
  try {
    parseTopology(text, "t.yaml");
  } catch (e) {
    if (e instanceof HynetError) return e;
    throw e;
  }
  throw new Error("expected the topology to be rejected");
}
