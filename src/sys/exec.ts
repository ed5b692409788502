/**
 * Running programs. Every command goes through here so that it can be
 * logged, printed by --dry-run, and mapped to a HynetError that names the
 * program and its complaint.
 */
import { spawn as nodeSpawn, type ChildProcess } from "node:child_process";
import type { Readable, Writable } from "node:stream";
import { SystemError, PrivilegeError } from "../errors.js";
import type { Emit } from "../events.js";

export interface RunOptions {
  /** Written to the program's stdin, which is then closed. */
  input?: string | Buffer;
  /** Throw a SystemError on a non-zero exit (default true). */
  check?: boolean;
  /** Kill the program (SIGKILL) after this many ms. */
  timeoutMs?: number;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

export interface RunResult {
  argv: string[];
  code: number;
  stdout: string;
  stderr: string;
}

export interface SpawnOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** "pipe" (default) or "ignore" per stream; "inherit" passes the terminal through. */
  stdio?: ["pipe" | "ignore" | "inherit", "pipe" | "ignore" | "inherit", "pipe" | "ignore" | "inherit"];
  /** Start the program in its own process group, so that it and its children can be ended together. */
  detached?: boolean;
}

/** A started program that runs alongside hynet (a capture, a guest, a decompressor). */
export interface Spawned {
  readonly argv: string[];
  readonly pid: number;
  readonly stdin: Writable | null;
  readonly stdout: Readable | null;
  readonly stderr: Readable | null;
  /** Resolves with the exit code (or 128 + signal number) when the program ends. */
  readonly exited: Promise<number>;
  kill(signal?: NodeJS.Signals): void;
  readonly child: ChildProcess;
}

const SIGNALS: Record<string, number> = { SIGHUP: 1, SIGINT: 2, SIGKILL: 9, SIGTERM: 15, SIGPIPE: 13 };

function looksLikePrivilege(stderr: string): boolean {
  return /Operation not permitted|Permission denied|must be root|are you root/i.test(stderr);
}

export function commandError(argv: string[], code: number, stderr: string): SystemError {
  const msg = stderr.trim().split("\n").filter(Boolean).slice(-1)[0] ?? `exit code ${code}`;
  const cmd = argv.join(" ");
  if (looksLikePrivilege(stderr)) return new PrivilegeError(`\`${cmd}\` failed: ${msg}`);
  return new SystemError("COMMAND_FAILED", `\`${cmd}\` failed (exit ${code}): ${msg}`);
}

export function realRun(emit: Emit, argv: string[], opts: RunOptions = {}): Promise<RunResult> {
  emit({ type: "command", argv, dryRun: false });
  return new Promise((resolve, reject) => {
    const child = nodeSpawn(argv[0], argv.slice(1), {
      env: opts.env ?? process.env,
      cwd: opts.cwd,
      stdio: [opts.input === undefined ? "ignore" : "pipe", "pipe", "pipe"],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout!.on("data", (b: Buffer) => out.push(b));
    child.stderr!.on("data", (b: Buffer) => err.push(b));
    let timer: NodeJS.Timeout | undefined;
    let timedOut = false;
    if (opts.timeoutMs !== undefined) {
      timer = setTimeout(() => {
        timedOut = true;
        child.kill("SIGKILL");
      }, opts.timeoutMs);
    }
    child.on("error", (e: NodeJS.ErrnoException) => {
      if (timer) clearTimeout(timer);
      if (e.code === "ENOENT") {
        reject(new SystemError("PROGRAM_MISSING", `program not found: ${argv[0]}`, { hint: "run `bash scripts/setup.sh` to install hynet's system dependencies" }));
      } else reject(new SystemError("COMMAND_FAILED", `cannot run ${argv[0]}: ${e.message}`));
    });
    child.on("close", (code, signal) => {
      if (timer) clearTimeout(timer);
      const result: RunResult = {
        argv,
        code: code ?? 128 + (signal ? (SIGNALS[signal] ?? 0) : 0),
        stdout: Buffer.concat(out).toString("utf8"),
        stderr: Buffer.concat(err).toString("utf8"),
      };
      if (timedOut) {
        reject(new SystemError("COMMAND_TIMEOUT", `\`${argv.join(" ")}\` did not finish within ${opts.timeoutMs} ms`));
      } else if (result.code !== 0 && opts.check !== false) {
        reject(commandError(argv, result.code, result.stderr));
      } else resolve(result);
    });
    if (opts.input !== undefined) {
      child.stdin!.on("error", () => {}); // the program may exit before reading all input; its exit code tells
      child.stdin!.end(opts.input);
    }
  });
}

export function realSpawn(emit: Emit, argv: string[], opts: SpawnOptions = {}): Spawned {
  emit({ type: "command", argv, dryRun: false });
  const child = nodeSpawn(argv[0], argv.slice(1), {
    env: opts.env ?? process.env,
    cwd: opts.cwd,
    stdio: opts.stdio ?? ["pipe", "pipe", "pipe"],
    detached: opts.detached ?? false,
  });
  const exited = new Promise<number>((resolve) => {
    child.on("error", () => resolve(127));
    child.on("close", (code, signal) => resolve(code ?? 128 + (signal ? (SIGNALS[signal] ?? 0) : 0)));
  });
  return {
    argv,
    get pid() {
      return child.pid ?? -1;
    },
    stdin: child.stdin,
    stdout: child.stdout,
    stderr: child.stderr,
    exited,
    kill: (signal: NodeJS.Signals = "SIGTERM") => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    },
    child,
  };
}
