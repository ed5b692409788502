/**
 * A minimal QMP client (QEMU's JSON machine protocol on a Unix socket):
 * enough to ask for the vCPU threads (for pinning) and to quit a guest.
 * No library: QMP is line-delimited JSON with a greeting and a capabilities
 * handshake, a dozen lines of code.
 */
import { SystemError } from "../../errors.js";
import { connectUnix } from "../../sys/qemu.js";

/** Run QMP commands in order and return their `return` values. */
export async function qmp(socket: string, commands: { execute: string; arguments?: object }[], timeoutMs = 5000): Promise<unknown[]> {
  const start = performance.now();
  const sock = await connectUnix(socket, start + timeoutMs);
  try {
    return await new Promise<unknown[]>((resolve, reject) => {
      const results: unknown[] = [];
      const queue = [{ execute: "qmp_capabilities" }, ...commands];
      let greeted = false;
      let buf = "";
      const timer = setTimeout(() => reject(new SystemError("QMP_TIMEOUT", `QEMU did not answer on ${socket} within ${timeoutMs} ms`)), timeoutMs);
      const next = () => {
        const c = queue.shift();
        if (!c) {
          clearTimeout(timer);
          return resolve(results.slice(1));
        }
        sock.write(JSON.stringify(c) + "\n");
      };
      sock.setEncoding("utf8");
      sock.on("data", (chunk: string) => {
        buf += chunk;
        let nl: number;
        while ((nl = buf.indexOf("\n")) >= 0) {
          const line = buf.slice(0, nl).trim();
          buf = buf.slice(nl + 1);
          if (!line) continue;
          let msg: { QMP?: unknown; return?: unknown; error?: { desc?: string }; event?: string };
          try {
            msg = JSON.parse(line) as typeof msg;
          } catch {
            continue;
          }
          if (msg.QMP !== undefined && !greeted) {
            greeted = true;
            next();
          } else if (msg.error) {
            clearTimeout(timer);
            reject(new SystemError("QMP_ERROR", `QEMU refused a command on ${socket}: ${msg.error.desc ?? "error"}`));
          } else if ("return" in msg) {
            results.push(msg.return);
            next();
          }
        }
      });
      sock.on("error", (e) => {
        clearTimeout(timer);
        reject(new SystemError("QMP_ERROR", `QMP connection ${socket}: ${e.message}`));
      });
      sock.on("close", () => {
        clearTimeout(timer);
        if (queue.length) reject(new SystemError("QMP_ERROR", `QEMU closed ${socket} before answering`));
      });
    });
  } finally {
    sock.destroy();
  }
}

/** vCPU index → host thread id, from `query-cpus-fast`. */
export function vcpuThreads(ret: unknown): { cpu: number; thread: number }[] {
  if (!Array.isArray(ret)) return [];
  return ret
    .map((c: { "cpu-index"?: number; "thread-id"?: number }) => ({ cpu: c["cpu-index"] ?? -1, thread: c["thread-id"] ?? -1 }))
    .filter((c) => c.cpu >= 0 && c.thread > 0)
    .sort((a, b) => a.cpu - b.cpu);
}
