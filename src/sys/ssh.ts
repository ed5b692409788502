/**
 * Commands on other machines, through the system's OpenSSH client.
 *
 * Why OpenSSH and not an npm SSH library (ssh2): the machines of a testbed
 * are already reached with `ssh` (keys, ~/.ssh/config, agents, jump hosts,
 * known_hosts all work as the user set them up), every command is a plain
 * argv that --dry-run prints and a user can paste, and with ControlMaster
 * one TCP/SSH connection per machine carries every command of a series: a
 * command then costs one local fork + one channel open (measured on the
 * namespace testbed: docs/testbed.md, "Transport"), against a fresh key
 * exchange per connection for a library that is not multiplexed, and
 * ssh2's cipher code in JavaScript on the event loop that also paces the
 * series.
 *
 * Signals: OpenSSH forwards none without a terminal, so a long-running
 * remote program is started by a small shell wrapper that reports its pid
 * and leaves a pid file (for `hynet clean --testbed` after a crash), and is
 * stopped by `kill -INT PID` over a second channel.
 */
import { createReadStream, createWriteStream, promises as fsp } from "node:fs";
import * as path from "node:path";
import { SystemError } from "../errors.js";
import type { Sys } from "./context.js";
import { commandError, type RunOptions, type RunResult } from "./exec.js";
import { spawnLines } from "./lines.js";

export type KnownHostsPolicy = "strict" | "accept-new" | "off";

export interface SshTarget {
  /** The machine's name in the testbed file (for messages). */
  name: string;
  /** `local` runs on this machine without SSH. */
  local: boolean;
  address?: string;
  port?: number;
  user?: string;
  identity?: string;
  knownHosts?: KnownHostsPolicy;
  knownHostsFile?: string;
  /** Seconds to wait for a TCP connection and between keep-alives before a machine counts as gone. */
  connectTimeoutS?: number;
}

/** A word safe for a POSIX shell. */
export function shq(a: string): string {
  return /^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`;
}

export function shellLine(argv: string[]): string {
  return argv.map(shq).join(" ");
}

/** The folder of the ControlMaster sockets: short (sockets have a 108-byte path limit) and one per hynet process. */
function controlDir(): string {
  return path.join("/tmp", `hynet-ssh-${process.pid}`);
}

/** OpenSSH's options for one machine: multiplexed, non-interactive, bounded waits. */
export function sshOptions(t: SshTarget): string[] {
  const o = [
    "-o", "BatchMode=yes",
    "-o", "ControlMaster=auto",
    "-o", `ControlPath=${controlDir()}/%C`,
    "-o", "ControlPersist=300",
    "-o", `ConnectTimeout=${t.connectTimeoutS ?? 5}`,
    "-o", `ServerAliveInterval=${t.connectTimeoutS ?? 5}`,
    "-o", "ServerAliveCountMax=2",
    "-o", "LogLevel=ERROR",
  ];
  const policy = t.knownHosts ?? "strict";
  o.push("-o", `StrictHostKeyChecking=${policy === "strict" ? "yes" : policy === "accept-new" ? "accept-new" : "no"}`);
  if (policy === "off") o.push("-o", "UserKnownHostsFile=/dev/null");
  else if (t.knownHostsFile) o.push("-o", `UserKnownHostsFile=${t.knownHostsFile}`);
  if (t.identity) o.push("-i", t.identity, "-o", "IdentitiesOnly=yes");
  if (t.port) o.push("-p", String(t.port));
  if (t.user) o.push("-l", t.user);
  return o;
}

/** The argv that runs `command` (one shell line) on the machine. */
export function sshArgv(t: SshTarget, command: string): string[] {
  if (t.local) return ["sh", "-c", command];
  return ["ssh", ...sshOptions(t), t.address!, "--", command];
}

/** The last lines of a program's complaint, for run records. */
export function stderrTail(stderr: string, lines = 5): string {
  return stderr.trim().split("\n").filter(Boolean).slice(-lines).join(" | ");
}

/** ssh exits 255 when the connection (not the remote command) failed. */
const SSH_FAILED = 255;

export interface RemoteProcess {
  /** The remote program's pid (resolves once the wrapper has reported it). */
  readonly pid: Promise<number>;
  /** Lines of the remote program's stdout. */
  onLine(f: (line: string) => void): void;
  /** Exit code of the remote program (255: the connection broke). */
  readonly exited: Promise<number>;
  /** Last lines of its stderr so far. */
  stderr(): string;
  /** Stop the remote program: SIGINT, after `graceMs` SIGKILL; resolves with its exit code. */
  stop(graceMs?: number): Promise<number>;
}

/** One machine of a testbed: commands, background programs and files, all through OpenSSH (or locally for `local`). */
export class Remote {
  constructor(
    readonly sys: Sys,
    readonly target: SshTarget,
    /** Folder on the machine for pid files and transfers. */
    readonly workDir: string,
  ) {}

  private where(): string {
    return this.target.local ? "this machine" : `${this.target.name} (${this.target.address})`;
  }

  private translate(e: unknown, argv: string[]): never {
    if (e instanceof SystemError && e.code === "COMMAND_FAILED" && / \(exit 255\)/.test(e.message) && !this.target.local) {
      throw new SystemError("TESTBED_UNREACHABLE", `cannot reach ${this.where()} over SSH: ${e.message.replace(/^.*\(exit 255\): /, "")}`, {
        hint: `check that sshd runs there and that \`${shellLine(sshArgv(this.target, "true"))}\` works`,
      });
    }
    if (e instanceof SystemError && e.code === "COMMAND_TIMEOUT") {
      throw new SystemError("TESTBED_TIMEOUT", `on ${this.where()}: \`${argv.join(" ")}\` did not finish in time`, { hint: "the machine or the program hangs; `hynet clean --testbed FILE` stops what is left" });
    }
    throw e;
  }

  /** Run argv on the machine; errors name the machine and carry the remote stderr's last line. */
  async run(argv: string[], o: RunOptions = {}): Promise<RunResult> {
    return this.sh(shellLine(argv), o, argv);
  }

  /** Run one shell line on the machine. */
  async sh(line: string, o: RunOptions = {}, shown?: string[]): Promise<RunResult> {
    const argv = sshArgv(this.target, line);
    try {
      const r = await this.sys.run(argv, { ...o, check: false });
      if (r.code === SSH_FAILED && !this.target.local) this.translate(new SystemError("COMMAND_FAILED", `\`ssh\` failed (exit 255): ${stderrTail(r.stderr, 1) || "connection failed"}`), argv);
      if (r.code !== 0 && o.check !== false) {
        const e = commandError(shown ?? ["sh", "-c", line], r.code, r.stderr);
        throw new SystemError("TESTBED_COMMAND_FAILED", `on ${this.where()}: ${e.message}`, { hint: e.hint ?? `remote stderr: ${stderrTail(r.stderr) || "(empty)"}` });
      }
      return r;
    } catch (e) {
      return this.translate(e, argv);
    }
  }

  /**
   * Start a long-running program on the machine. It writes into files beside
   * its pid file (workDir/pids/TAG.*), which `tail --pid` streams back over
   * the channel (checking for the program's end every 50 ms; its default,
   * 1 s, would be added to every program's run): a broken connection cannot
   * kill it with SIGPIPE before it has closed its captures. A reader on the
   * channel's stdin sends it SIGINT on a line or at end of input, so stopping
   * needs no second connection, and a runner that dies (kill -9) or a
   * connection that breaks stops it the same way as Ctrl-C does.
   */
  spawn(argv: string[], tag: string): RemoteProcess {
    const base = `${this.workDir}/pids/${tag}`;
    const [pidFile, out, err2] = [`${base}.pid`, `${base}.out`, `${base}.err`].map(shq);
    const line =
      `exec 3<&0; mkdir -p ${shq(this.workDir + "/pids")} && : > ${out} && { ${shellLine(argv)} > ${out} 2> ${err2} < /dev/null 3<&- & } && p=$! && echo $p > ${pidFile} && echo "hynet-pid $p" && ` +
      `{ { read -r _ <&3; kill -INT $p; } > /dev/null 2>&1 & } && r=$! && ` +
      `tail -n +1 -s 0.05 -f --pid=$p ${out}; wait $p; c=$?; kill $r 2> /dev/null; cat ${err2} >&2; rm -f ${pidFile} ${out} ${err2}; exit $c`;
    const argvSsh = sshArgv(this.target, line);
    const listeners: ((l: string) => void)[] = [];
    if (this.sys.dryRun) {
      this.sys.emit({ type: "command", argv: argvSsh, dryRun: true });
      return { pid: Promise.resolve(0), onLine: () => {}, exited: Promise.resolve(0), stderr: () => "", stop: async () => 0 };
    }
    let gotPid: (n: number) => void;
    const pid = new Promise<number>((res) => (gotPid = res));
    const prog = spawnLines(
      this.sys,
      argvSsh,
      (l) => {
        const m = /^hynet-pid (\d+)$/.exec(l);
        if (m) gotPid(Number(m[1]));
        else for (const f of listeners) f(l);
      },
      { stdin: true },
    );
    const p = prog.proc;
    p.stdin?.on("error", () => {}); // the channel may be gone already; the exit code tells
    const exited = p.exited.then((code) => {
      gotPid(-1);
      return code;
    });
    const stop = async (graceMs = 10_000): Promise<number> => {
      const n = await pid;
      if (n > 0) {
        p.stdin?.end("stop\n");
        const t = setTimeout(() => void this.run(["kill", "-KILL", String(n)], { check: false, timeoutMs: 15_000 }).catch(() => undefined), graceMs);
        try {
          await exited;
        } finally {
          clearTimeout(t);
        }
      }
      p.kill("SIGTERM");
      return exited;
    };
    return { pid, onLine: (f) => void listeners.push(f), exited, stderr: () => stderrTail(prog.stderr()), stop };
  }

  /** Copy a local file to the machine (ssh + cat; no scp/sftp subsystem needed). */
  async push(local: string, remote: string): Promise<void> {
    const line = `mkdir -p ${shq(path.posix.dirname(remote))} && cat > ${shq(remote)}`;
    await this.pipe(sshArgv(this.target, line), { from: local });
  }

  /** Copy a file from the machine into `local`, under a temporary name renamed on success. */
  async pull(remote: string, local: string): Promise<void> {
    await this.pullOutput(["cat", remote], local);
  }

  /** The stdout of a command on the machine into the file `local` (e.g. a capture compressed on the way). */
  async pullOutput(argv: string[], local: string): Promise<void> {
    await this.pipe(sshArgv(this.target, shellLine(argv)), { to: local });
  }

  /** Copy a remote folder's contents into the local folder `local` (tar over the channel). */
  async pullTree(remoteDir: string, local: string): Promise<void> {
    const tarball = path.join(local, `.pull-${process.pid}.tar`);
    await this.pipe(sshArgv(this.target, `tar -C ${shq(remoteDir)} -cf - .`), { to: tarball });
    try {
      await this.sys.run(["tar", "-C", local, "-xf", tarball]);
    } finally {
      if (!this.sys.dryRun) await fsp.rm(tarball, { force: true });
    }
  }

  private async pipe(argv: string[], o: { from?: string; to?: string }): Promise<void> {
    if (this.sys.dryRun) {
      this.sys.emit({ type: "command", argv: [...argv, ...(o.from ? ["<", o.from] : []), ...(o.to ? [">", o.to] : [])], dryRun: true });
      return;
    }
    const tmp = o.to ? path.join(path.dirname(o.to), `.${path.basename(o.to)}.partial-${process.pid}`) : undefined;
    const p = this.sys.spawn(argv, { stdio: [o.from ? "pipe" : "ignore", o.to ? "pipe" : "ignore", "pipe"] });
    let err = "";
    p.stderr?.on("data", (b: Buffer) => (err = (err + b.toString("utf8")).slice(-4096)));
    const flows: Promise<void>[] = [];
    if (o.from) flows.push(new Promise((res, rej) => createReadStream(o.from!).on("error", rej).pipe(p.stdin!).on("finish", () => res()).on("error", rej)));
    if (tmp) flows.push(new Promise((res, rej) => p.stdout!.pipe(createWriteStream(tmp)).on("finish", () => res()).on("error", rej)));
    const [code] = await Promise.all([p.exited, ...flows]);
    if (code !== 0) {
      if (tmp) await fsp.rm(tmp, { force: true });
      const what = o.from ? `copy ${o.from} to ${this.target.name}` : `copy ${argv[argv.length - 1]} from ${this.target.name}`;
      throw new SystemError(code === SSH_FAILED ? "TESTBED_UNREACHABLE" : "TESTBED_TRANSFER_FAILED", `could not ${what}: ${stderrTail(err) || `exit ${code}`}`, {
        hint: "check the remote path and the free space on both sides",
      });
    }
    if (tmp) await fsp.rename(tmp, o.to!);
  }

  /** End the multiplexed connection (the series is over). */
  async close(): Promise<void> {
    if (this.target.local || this.sys.dryRun) return;
    await this.sys.run(["ssh", ...sshOptions(this.target), "-O", "exit", this.target.address!], { check: false, timeoutMs: 5000 }).catch(() => undefined);
  }
}

/** Make the ControlMaster socket folder (private: the sockets carry authenticated sessions). */
export async function prepareSshControl(): Promise<void> {
  await fsp.mkdir(controlDir(), { recursive: true, mode: 0o700 });
}

/** Remove the socket folder once its connections are closed (rmdir: a folder still in use stays). */
export async function removeSshControl(): Promise<void> {
  await fsp.rmdir(controlDir()).catch(() => undefined);
}
