/**
 * Helpers several command files share. Only light imports at the top: every
 * command file is loaded at start-up (see commands.ts).
 */
import { SystemError, UsageError } from "../errors.js";
import type { Sys } from "../sys/index.js";
import type { Endpoint } from "../traffic/endpoint.js";
import type { Options } from "./spec.js";

/** A number option, or undefined when it was not given and has no default. */
export function num(opts: Options, key: string): number | undefined {
  const v = opts[key];
  return v === undefined ? undefined : Number(v);
}

/** A number option that has a default in the option table (so it is always set; NaN if not). */
export function reqNum(opts: Options, key: string): number {
  return Number(opts[key]);
}

/** `[NETNS:]IFACE` where NETNS may also be a host of a running hynet network. */
export async function resolveEndpoint(spec: string, what: string, sys: Sys): Promise<Endpoint> {
  const { parseEndpoint } = await import("../traffic/endpoint.js");
  const ep = parseEndpoint(spec, what);
  if (ep.netns === undefined || ep.netns.startsWith("/") || sys.dryRun) return ep;
  const { resolveNetns } = await import("../net/index.js");
  try {
    return { ...ep, netns: await resolveNetns(ep.netns, sys) };
  } catch (e) {
    if (e instanceof UsageError) throw e; // e.g. a VM host: it has no namespace here
    throw new SystemError("NETNS_UNKNOWN", `${what} "${spec}": no network namespace and no running hynet host named "${ep.netns}"`, {
      hint: "list namespaces with `ip netns list` and hosts with `hynet show`",
      cause: e,
    });
  }
}
