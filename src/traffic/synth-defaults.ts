/**
 * Defaults of the synthetic capture writer that `hynet synth --help` shows.
 * Kept apart from synth.ts so the CLI can read them without loading the writer.
 */

/** Timestamp of the first pre frame: fixed so that the same options give the same files. */
export const DEFAULT_START_NS = 1_700_000_000n * 1_000_000_000n;
