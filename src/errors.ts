/**
 * Every error hynet raises on purpose is a HynetError: a stable code that
 * scripts can match on, a message a user can act on, an optional hint, and
 * where it applies the file and byte offset. The CLI renders them in one
 * place (src/cli/render.ts), one line each.
 */
export interface ErrorDetails {
  /** What the user can do about it. */
  hint?: string;
  /** The file the error is about. */
  file?: string;
  /** Byte offset in `file` where the problem was found. */
  offset?: number;
  /** Line number (1-based) in `file`, for text formats. */
  line?: number;
  /** The underlying error, if any. */
  cause?: unknown;
}

export class HynetError extends Error {
  readonly code: string;
  readonly hint?: string;
  readonly file?: string;
  readonly offset?: number;
  readonly line?: number;
  /** Process exit code the CLI uses for this error. */
  readonly exitCode: number = 1;

  constructor(code: string, message: string, details: ErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = new.target.name;
    this.code = code;
    this.hint = details.hint;
    this.file = details.file;
    this.offset = details.offset;
    this.line = details.line;
  }
}

/** Wrong flags, wrong argument values. */
export class UsageError extends HynetError {
  override readonly exitCode = 2;
  constructor(message: string, details: ErrorDetails = {}) {
    super("USAGE", message, details);
  }
}

/** A file that is not what it should be: not a capture, truncated, malformed YAML, … */
export class InputError extends HynetError {}

/** A file or folder that cannot be read or written. */
export class FileError extends HynetError {}

/** A program hynet ran failed, or the system refused an operation. */
export class SystemError extends HynetError {}

/** The operation needs root (CAP_NET_ADMIN, CAP_NET_RAW, …). */
export class PrivilegeError extends HynetError {
  constructor(message: string, details: ErrorDetails = {}) {
    super("NEED_ROOT", message, { hint: "run hynet as root (or with CAP_NET_ADMIN and CAP_NET_RAW)", ...details });
  }
}

/** The run was interrupted (Ctrl-C, SIGTERM). */
export class AbortedError extends HynetError {
  override readonly exitCode = 130;
  constructor(message = "interrupted") {
    super("ABORTED", message);
  }
}

/** Turn a Node.js fs error into a FileError that names the file and the cause. */
export function fileError(err: unknown, file: string, doing: string): HynetError {
  if (err instanceof HynetError) return err;
  const e = err as NodeJS.ErrnoException;
  const why: Record<string, string> = {
    ENOENT: "no such file or directory",
    EACCES: "permission denied",
    EPERM: "operation not permitted",
    EISDIR: "is a directory",
    ENOTDIR: "a path component is not a directory",
    ENOSPC: "no space left on device",
    EROFS: "read-only file system",
    EEXIST: "already exists",
  };
  const cause = (e?.code && why[e.code]) ?? e?.message ?? String(err);
  return new FileError(`FILE_${e?.code ?? "ERROR"}`, `cannot ${doing}: ${cause}`, { file, cause: err });
}

/** An error as it crosses a worker thread's message port (class, code and details kept). */
export interface WireError {
  name?: string;
  code?: string;
  message: string;
  stack?: string;
  hint?: string;
  file?: string;
  offset?: number;
  line?: number;
}

export function serializeError(err: unknown): WireError {
  if (err instanceof HynetError) return { name: err.name, code: err.code, message: err.message, hint: err.hint, file: err.file, offset: err.offset, line: err.line };
  const e = err as Error | undefined;
  return { name: e?.name ?? "Error", message: e?.message ?? String(err), stack: e?.stack };
}

/** The error serializeError() described, as the same class where it is one of hynet's. */
export function reviveError(w: WireError): Error {
  if (!w.code) {
    const e = new Error(w.message);
    e.stack = w.stack;
    return e;
  }
  const d = { hint: w.hint, file: w.file, offset: w.offset, line: w.line };
  switch (w.name) {
    case "UsageError":
      return new UsageError(w.message, d);
    case "PrivilegeError":
      return new PrivilegeError(w.message, d);
    case "AbortedError":
      return new AbortedError(w.message);
    case "InputError":
      return new InputError(w.code, w.message, d);
    case "FileError":
      return new FileError(w.code, w.message, d);
    case "SystemError":
      return new SystemError(w.code, w.message, d);
    default:
      return new HynetError(w.code, w.message, d);
  }
}
