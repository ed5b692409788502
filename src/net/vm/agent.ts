/**
 * Client of hynet's guest agent (guest/agent.sh), reached through the
 * virtio-serial port that QEMU serves as a Unix socket on the host.
 *
 * Hand-written line protocol, because the guest is a busybox initramfs:
 * the QEMU guest agent needs glib and a full userland, the agent here needs
 * only sh and base64. One message per line, fields separated by one space:
 *
 *   host -> guest  RUN <id> <timeout_ms> <base64 sh script> <base64 stdin | ->
 *   guest -> host  HELLO hynet-agent 1
 *                  RES <id> <exit code> <timed out 0|1> <base64 stdout> <base64 stderr>
 *
 * Every command opens its own connection: QEMU serves one client at a time
 * and queues the next, so `hynet exec` from another process works while a
 * network runs, and no connection (no state) is kept between calls.
 * Replies carry the request id; a late reply to a request that gave up
 * (it reaches the next client) is ignored.
 */
import { randomBytes } from "node:crypto";
import { SystemError } from "../../errors.js";
import { connectUnix } from "../../sys/qemu.js";

export interface AgentCmdOptions {
  timeoutMs?: number;
  input?: string;
  signal?: AbortSignal;
}

export interface AgentResult {
  code: number;
  stdout: string;
  stderr: string;
  /** The guest killed the command when its timeout ran out. */
  timedOut: boolean;
}

/** Quote one argument for sh: everything literal inside single quotes. */
export function shQuote(s: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/**
 * The sh script that runs `argv` exactly (no word splitting, no globbing).
 * Debian's busybox shell prefers its own applets to programs on PATH, so
 * `ip` would be busybox's reduced ip rather than iproute2's: the program is
 * looked up on PATH first, and a busybox applet runs only when no file
 * of that name exists.
 */
export function scriptFor(argv: string[]): string {
  if (argv.length === 0) throw new SystemError("AGENT_BAD_REQUEST", "no command given to run in the guest");
  return [
    `p=${shQuote(argv[0])}`,
    `case $p in */*) ;; *) IFS=:; for d in $PATH; do if [ -f "$d/$p" ] && [ -x "$d/$p" ]; then p=$d/$p; break; fi; done; unset IFS ;; esac`,
    `exec "$p"${argv.slice(1).map((a) => " " + shQuote(a)).join("")}`,
    "",
  ].join("\n");
}

export function encodeRun(id: string, script: string, timeoutMs: number, input?: string): string {
  const b64 = (s: string) => Buffer.from(s, "utf8").toString("base64");
  return `RUN ${id} ${Math.max(0, Math.round(timeoutMs))} ${b64(script)} ${input === undefined || input === "" ? "-" : b64(input)}\n`;
}

/** Parse a RES line; undefined for any other line (HELLO, noise). */
export function decodeResult(line: string): { id: string; result: AgentResult } | undefined {
  const f = line.replace(/\r$/, "").split(" ");
  if (f[0] !== "RES" || f.length !== 6 || !/^-?\d+$/.test(f[2])) return undefined;
  const un = (s: string) => Buffer.from(s, "base64").toString("utf8");
  return { id: f[1], result: { code: Number(f[2]), timedOut: f[3] === "1", stdout: un(f[4]), stderr: un(f[5]) } };
}

/** How long past the command's own timeout the host waits for the guest to report it. */
const GRACE_MS = 5000;

/**
 * Run a script in the guest through the agent socket and wait for its
 * result. `timeoutMs` bounds the command in the guest (which kills its
 * whole process group); 0 = no limit. Throws a SystemError when the guest
 * does not answer (dead or hung guest) within timeout + grace.
 */
export async function agentRun(socket: string, script: string, o: AgentCmdOptions = {}): Promise<AgentResult> {
  const timeoutMs = o.timeoutMs ?? 0;
  const id = `${process.pid}.${randomBytes(4).toString("hex")}`;
  const start = performance.now();
  const deadline = timeoutMs > 0 ? start + timeoutMs + GRACE_MS : Infinity;
  const sock = await connectUnix(socket, Math.min(deadline, start + 30_000), o.signal);
  try {
    return await new Promise<AgentResult>((resolve, reject) => {
      let buf = "";
      let timer: NodeJS.Timeout | undefined;
      const finish = (err: Error | undefined, r?: AgentResult) => {
        if (timer) clearTimeout(timer);
        o.signal?.removeEventListener("abort", onAbort);
        sock.removeAllListeners("data");
        if (err) reject(err);
        else resolve(r!);
      };
      const onAbort = () => finish(new SystemError("ABORTED", "interrupted while waiting for the guest"));
      o.signal?.addEventListener("abort", onAbort, { once: true });
      if (Number.isFinite(deadline)) {
        timer = setTimeout(
          () => finish(new SystemError("AGENT_TIMEOUT", `the guest agent on ${socket} did not answer within ${Math.round(deadline - start)} ms`, { hint: "is the guest alive? its console log is next to the socket" })),
          deadline - start,
        );
      }
      sock.setEncoding("utf8");
      sock.on("data", (chunk: string) => {
        buf += chunk;
        let nl: number;
        while ((nl = buf.indexOf("\n")) >= 0) {
          const line = buf.slice(0, nl);
          buf = buf.slice(nl + 1);
          const r = decodeResult(line);
          if (r && r.id === id) return finish(undefined, r.result);
        }
      });
      sock.on("close", () => finish(new SystemError("AGENT_CLOSED", `the guest agent connection ${socket} closed before the command finished`, { hint: "the guest (QEMU) stopped" })));
      sock.on("error", (e) => finish(new SystemError("AGENT_CLOSED", `guest agent connection ${socket}: ${e.message}`)));
      sock.write(encodeRun(id, script, timeoutMs, o.input));
    });
  } finally {
    sock.destroy();
  }
}

/** Send a script without waiting for an answer (poweroff: the guest is gone before it could answer). */
export async function agentFire(socket: string, script: string, waitConnectMs = 2000): Promise<void> {
  const sock = await connectUnix(socket, performance.now() + waitConnectMs);
  await new Promise<void>((resolve) => sock.write(encodeRun(`${process.pid}.fire`, script, 0), () => resolve()));
  // Give QEMU a moment to hand the bytes to the guest before the connection closes.
  await new Promise((r) => setTimeout(r, 100));
  sock.destroy();
}
