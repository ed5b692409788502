/**
 * The system context: the one object through which hynet's logic reaches
 * programs, files and clocks. Commands take a Sys instead of calling
 * child_process or Date directly, so that logic is testable on its own and
 * every command can be logged or printed by --dry-run.
 */
import type { Emit } from "../events.js";
import { silent } from "../events.js";
import { realRun, realSpawn, type RunOptions, type RunResult, type Spawned, type SpawnOptions } from "./exec.js";

export interface Sys {
  /** Print commands instead of running them (run() then returns exit 0 with empty output). */
  readonly dryRun: boolean;
  readonly emit: Emit;
  run(argv: string[], opts?: RunOptions): Promise<RunResult>;
  spawn(argv: string[], opts?: SpawnOptions): Spawned;
  /** Wall-clock time in integer nanoseconds since the epoch. */
  nowNs(): bigint;
  /** Monotonic time in integer nanoseconds (for durations). */
  monoNs(): bigint;
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
  /** True when the process runs with uid 0. */
  isRoot(): boolean;
}

export interface SysOptions {
  dryRun?: boolean;
  emit?: Emit;
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal?.removeEventListener("abort", done);
      resolve();
    }
    signal?.addEventListener("abort", done, { once: true });
  });
}

/** The real system, or a dry run that records what it would do. */
export function createSys(opts: SysOptions = {}): Sys {
  const emit = opts.emit ?? silent;
  const dryRun = opts.dryRun ?? false;
  const nsBase = BigInt(Date.now()) * 1_000_000n - process.hrtime.bigint();
  return {
    dryRun,
    emit,
    run: dryRun
      ? async (argv) => {
          emit({ type: "command", argv, dryRun: true });
          return { argv, code: 0, stdout: "", stderr: "" };
        }
      : (argv, o) => realRun(emit, argv, o),
    spawn: (argv, o) => realSpawn(emit, argv, o),
    nowNs: () => nsBase + process.hrtime.bigint(),
    monoNs: () => process.hrtime.bigint(),
    sleep,
    isRoot: () => typeof process.getuid === "function" && process.getuid() === 0,
  };
}
