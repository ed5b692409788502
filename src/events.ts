/**
 * Library code never prints: it emits typed events, and the CLI's reporter
 * (terminal, JSON, …) decides what a person or a machine sees.
 */
export type LogLevel = "debug" | "info" | "warn";

export interface LogEvent {
  type: "log";
  level: LogLevel;
  /** Which part of hynet speaks: "evaluate", "net", "loadgen", … */
  scope: string;
  message: string;
}

/** Progress of a long task; `total` is unknown for streams. */
export interface ProgressEvent {
  type: "progress";
  scope: string;
  task: string;
  done: number;
  total?: number;
  unit?: string;
  phase?: string;
}

/** A program hynet ran (or, in a dry run, would run). */
export interface CommandEvent {
  type: "command";
  argv: string[];
  dryRun: boolean;
}

/** A finished piece of work with a one-line human summary and its data for JSON reporters. */
export interface ResultEvent<T = unknown> {
  type: "result";
  scope: string;
  /** What kind of result: "evaluate.summary", "net.show", … */
  kind: string;
  /** One line for the terminal. */
  line: string;
  data: T;
}

export type HynetEvent = LogEvent | ProgressEvent | CommandEvent | ResultEvent;

export type Emit = (event: HynetEvent) => void;

/** A sink that drops everything: the default for library callers that do not listen. */
export const silent: Emit = () => {};

/** Helpers so call sites stay short. */
export function logger(emit: Emit, scope: string) {
  return {
    debug: (message: string) => emit({ type: "log", level: "debug", scope, message }),
    info: (message: string) => emit({ type: "log", level: "info", scope, message }),
    warn: (message: string) => emit({ type: "log", level: "warn", scope, message }),
  };
}
