/**
 * How every command ends: the exit codes, what a closed stdout does, and
 * what a signal does. main.ts applies these once for all commands.
 */
import { AbortedError } from "../errors.js";
import type { Emit } from "../events.js";

/** The documented exit codes (docs/cli.md, "Exit codes"). */
export const EXIT_CODES = [
  { code: 0, meaning: "success (also when the reader of the output went away early, as with `| head`)" },
  { code: 1, meaning: "the command failed: a bad input file (topology, experiment, capture: error[TOPO_…] file:line …), a file that cannot be read or written (error[FILE_…]), a program or the system refused; `hynet run`: a run failed; `hynet gate`: a check failed" },
  { code: 2, meaning: "wrong flags or flag values (error[USAGE]); `hynet gate`: could not evaluate, including a report it could not write" },
  { code: 70, meaning: "internal error: a bug in hynet (the line shows its stack; please report it)" },
  { code: 130, meaning: "interrupted by SIGINT (Ctrl-C) or SIGTERM; what the command had made is cleaned up (`hynet capture` without --duration ends at Ctrl-C by design: 0 when it stopped cleanly)" },
] as const;

export const EXIT_INTERRUPTED = 130;

/**
 * A reader that goes away (`hynet plan … | head -1`) closes the pipe: Node
 * then raises EPIPE as an unhandled 'error' event and dies with a stack. Like
 * a Unix tool, hynet stops writing there; unlike one that dies of SIGPIPE, it
 * finishes its work, because a series in progress must not be cut short by
 * whoever watches its output.
 */
export function quietWhenClosed(stream: NodeJS.WriteStream): void {
  let closed = false;
  const write = stream.write.bind(stream) as (...a: unknown[]) => boolean;
  stream.on("error", () => {
    closed = true;
  });
  stream.write = ((...a: unknown[]) => {
    if (closed || stream.destroyed) return true;
    try {
      return write(...a);
    } catch {
      closed = true;
      return true;
    }
  }) as typeof stream.write;
}

/** How long an interrupted command may go without emitting anything before hynet quits anyway (a VM guest's power-off is given 3.5 s in silence). */
export const STOP_GRACE_MS = 10_000;

export interface Interrupts {
  signal: AbortSignal;
  /** Wraps an Emit so that every event counts as a sign that the command is still cleaning up. */
  watch(emit: Emit): Emit;
  dispose(): void;
}

/**
 * The first SIGINT/SIGTERM aborts the command's signal so it can clean up;
 * the second, or STOP_GRACE_MS without any event after the first, ends the
 * process with 130, so one signal always ends a command within seconds even
 * if it is stuck in a call that cannot be aborted.
 */
export function handleInterrupts(emit: Emit, exit: (code: number) => never = process.exit): Interrupts {
  const abort = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const arm = () => {
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => {
      process.stderr.write(`hynet: error[ABORTED] did not stop within ${STOP_GRACE_MS / 1000} s of the signal; quitting (hynet clean removes what is left)\n`);
      exit(EXIT_INTERRUPTED);
    }, STOP_GRACE_MS);
    timer.unref();
  };
  const onSignal = (sig: NodeJS.Signals) => {
    if (abort.signal.aborted) exit(EXIT_INTERRUPTED); // a second Ctrl-C means "now"
    emit({ type: "log", level: "warn", scope: "hynet", message: `${sig}: stopping and cleaning up (press Ctrl-C again to quit at once)` });
    arm();
    abort.abort(new AbortedError(`interrupted by ${sig}`));
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  return {
    signal: abort.signal,
    watch: (inner) => (e) => {
      if (timer) arm();
      inner(e);
    },
    // The stop timer stays armed: a command that returned but left something hanging still ends.
    dispose() {
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
    },
  };
}

/** The exit code and the error to show when a command ended, given whether it was interrupted. */
export function outcome(aborted: boolean, err: unknown): { code?: number; error?: unknown } {
  // An interrupted command often fails on its way out (a killed program, a closed file):
  // that failure is a consequence of the signal, and the exit code says "interrupted".
  if (aborted) return { error: err === undefined || err instanceof AbortedError ? err : new AbortedError(), code: EXIT_INTERRUPTED };
  return { error: err };
}
