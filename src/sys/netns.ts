/**
 * Where the system keeps named network namespaces and hynet's run-time
 * state, and whether a process still runs: knowledge of the host that the
 * network layer needs but must not spell itself.
 */
import * as fs from "node:fs";
import * as path from "node:path";

/** iproute2's folder of named namespaces (`ip netns add NAME` bind-mounts NAME here). */
export const NETNS_DIR = "/run/netns";

/** Default folder of hynet's state files (tmpfs: gone after a reboot, like what they describe). */
export const RUN_DIR = "/run/hynet";

/** The file of a named namespace. */
export function netnsPath(name: string): string {
  return path.join(NETNS_DIR, name);
}

/** Is there a namespace of this name (as `ip netns list` would show)? */
export function netnsExists(name: string): boolean {
  return fs.existsSync(netnsPath(name));
}

/** Is process `pid` running? (Signal 0 checks without sending; EPERM means it runs as another user.) */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}
