/**
 * Batched system changes for the kinds. On small VMs starting a process
 * costs 10–20 ms, so a network of 200 hosts must not cost one process per
 * operation: iproute2's `-batch` does any number of changes in one process,
 * `-n NS -batch` does them inside one namespace, and the sysctls of every
 * namespace are written without any process (see setSysctls).
 */
import type { Sys } from "../sys/index.js";
import { setNetnsSysctls } from "../sys/packetio.js";
import { PrivilegeError, SystemError } from "../errors.js";

/** Split a batch line the way iproute2's makeargs does for our (quote-free) lines. */
function words(line: string): string[] {
  return line.trim().split(/\s+/).filter(Boolean);
}

/**
 * Run `ip [-n NS] [-force] -batch -` with the given lines. In a dry run each
 * line is printed as the single `ip` command it stands for, so `--dry-run`
 * shows every change. With `force`, ip goes on past failing lines (teardown
 * of things that may already be gone) and the result is not checked.
 */
export async function ipBatch(sys: Sys, lines: string[], o: { netns?: string; force?: boolean } = {}): Promise<string> {
  if (lines.length === 0) return "";
  const base = ["ip", ...(o.netns ? ["-n", o.netns] : [])];
  if (sys.dryRun) {
    for (const l of lines) sys.emit({ type: "command", argv: [...base, ...words(l)], dryRun: true });
    return "";
  }
  const argv = [...base, ...(o.force ? ["-force"] : []), "-batch", "-"];
  const r = await sys.run(argv, { input: lines.join("\n") + "\n", check: false });
  if (r.code !== 0 && !o.force) {
    // ip names the failing line ("Command failed -:3"); say which change it was.
    const n = Number(/Command failed -:(\d+)/.exec(r.stderr)?.[1] ?? 0);
    const why = r.stderr.split("\n").filter((l) => l.trim() && !l.startsWith("Command failed")).slice(-1)[0] ?? `exit code ${r.code}`;
    const what = n > 0 ? `\`${[...base, ...words(lines[n - 1])].join(" ")}\`` : `\`${argv.join(" ")}\``;
    if (/Operation not permitted|Permission denied/.test(why)) throw new PrivilegeError(`${what} failed: ${why.trim()}`);
    throw new SystemError("COMMAND_FAILED", `${what} failed: ${why.trim()}`);
  }
  return r.stdout;
}

/** Run `fn` over `items` with at most `limit` running at once; the first error is rethrown after all settle. */
export async function mapLimit<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  let firstError: unknown;
  async function worker() {
    while (next < items.length) {
      const i = next++;
      try {
        out[i] = await fn(items[i]);
      } catch (e) {
        if (firstError === undefined) firstError = e;
      }
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (firstError !== undefined) throw firstError;
  return out;
}

/** How many namespaces to configure at once: a few per core; more only queues in the kernel. */
export const CONCURRENCY = 4;

/**
 * Set sysctls in many namespaces without a process per host. Sysctls under
 * /proc/sys/net belong to the network namespace of whoever opens them, so
 * the addon enters each namespace once with setns(2) and writes its files
 * (src/sys/packetio.ts). Keys use sysctl(8)'s dotted form (or slashes, for
 * interface names with dots); a `*` component matches every entry (e.g.
 * net.ipv4.conf.*.rp_filter = every interface).
 */
export async function setSysctls(sys: Sys, perNs: { netns: string; sysctls: Record<string, string | number> }[]): Promise<void> {
  const todo = perNs.filter((n) => Object.keys(n.sysctls).length > 0);
  if (todo.length === 0) return;
  if (sys.dryRun) {
    for (const n of todo)
      for (const [k, v] of Object.entries(n.sysctls)) sys.emit({ type: "command", argv: ["ip", "netns", "exec", n.netns, "sysctl", "-w", `${k}=${v}`], dryRun: true });
    return;
  }
  for (const n of todo) setNetnsSysctls(n.netns, n.sysctls);
}
