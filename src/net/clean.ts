/**
 * Cleanup from the state file: remove exactly what a network recorded —
 * after a kill -9, a half-failed start, or `hynet clean` — and say what was
 * removed. Resources that no longer exist are skipped; nothing that is not
 * in a state file is ever touched (unlike `mn -c`, which matches names).
 */
import * as fs from "node:fs";
import type { Sys } from "../sys/index.js";
import type { Resource } from "./kinds.js";
import { ipBatch } from "./ip.js";
import { restoreExternals } from "./external.js";
import { restoreSriov } from "./sriov.js";
import { listStates, ownerAlive, removeState, stateDir, type NetState } from "./state.js";

type Of<T extends Resource["type"]> = Extract<Resource, { type: T }>;

async function existingNetns(sys: Sys): Promise<Set<string>> {
  const r = await sys.run(["ip", "netns", "list"], { check: false });
  return new Set(r.stdout.split("\n").map((l) => l.trim().split(/\s+/)[0]).filter(Boolean));
}

async function existingRootLinks(sys: Sys): Promise<Set<string>> {
  const r = await sys.run(["ip", "-j", "link", "show"], { check: false });
  try {
    return new Set((JSON.parse(r.stdout || "[]") as { ifname: string }[]).map((l) => l.ifname));
  } catch {
    return new Set();
  }
}

/** Is `pid` still the process we started (same start time)? */
async function sameProcess(sys: Sys, p: Of<"process">): Promise<boolean> {
  const r = await sys.run(["ps", "-o", "lstart=", "-p", String(p.pid)], { check: false });
  return r.code === 0 && r.stdout.trim() === p.start.trim();
}

/** Remove what `records` describe; returns one line per thing removed ("netns hnab12-h1"). */
export async function cleanRecords(records: readonly Resource[], sys: Sys): Promise<string[]> {
  const removed: string[] = [];
  const of = <T extends Resource["type"]>(t: T) => records.filter((r): r is Of<T> => r.type === t);

  for (const p of of("process")) {
    if (await sameProcess(sys, p)) {
      await sys.run(["kill", "-KILL", String(p.pid)], { check: false });
      removed.push(`process ${p.pid} (${p.what})`);
    }
  }
  const nsNow = sys.dryRun ? new Set(of("netns").map((n) => n.name)) : await existingNetns(sys);
  const externs = of("extern").filter((e) => nsNow.has(e.netns));
  if (externs.length) {
    await restoreExternals(externs, { sys });
    for (const e of externs) removed.push(`extern ${e.dev} (moved back from ${e.netns})`);
  }
  const rootNow = sys.dryRun ? new Set(of("link").map((l) => l.name)) : await existingRootLinks(sys);
  const rootLinks = of("link").filter((l) => l.netns === undefined && rootNow.has(l.name));
  await ipBatch(sys, rootLinks.map((l) => `link del dev ${l.name}`), { force: true });
  for (const l of rootLinks) removed.push(`link ${l.name}`);

  // Links inside namespaces hynet also made go with the namespace; only those in other namespaces are deleted one by one.
  const ours = new Set(of("netns").map((n) => n.name));
  const nsLinks = of("link").filter((l) => l.netns !== undefined && !ours.has(l.netns) && nsNow.has(l.netns));
  for (const l of nsLinks) {
    await ipBatch(sys, [`link del dev ${l.name}`], { netns: l.netns, force: true });
    removed.push(`link ${l.name} in ${l.netns}`);
  }
  const nss = of("netns").filter((n) => nsNow.has(n.name));
  if (nss.length) {
    const out = await ipBatch(sys, nss.map((n) => `netns pids ${n.name}`), { force: true });
    const pids = out.split(/\s+/).filter((p) => /^\d+$/.test(p) && Number(p) !== process.pid);
    if (pids.length) {
      await sys.run(["kill", "-KILL", ...pids], { check: false });
      removed.push(...pids.map((p) => `process ${p} (in a namespace)`));
    }
    await ipBatch(sys, nss.map((n) => `netns del ${n.name}`), { force: true });
    for (const n of nss) removed.push(`netns ${n.name}`);
  }
  // After the namespaces: VF netdevs left in them are back in the root namespace by now.
  removed.push(...(await restoreSriov(records, sys)));
  for (const p of of("path")) {
    if (fs.existsSync(p.path)) {
      if (!sys.dryRun) fs.rmSync(p.path, { recursive: true, force: true });
      removed.push(`path ${p.path}`);
    }
  }
  return removed;
}

export interface CleanReport {
  net: string;
  name: string;
  removed: string[];
  /** Set when the network was left alone because the process that runs it is alive. */
  skipped?: string;
}

/**
 * Clean every network recorded in the state folder (or only `net`, by prefix
 * or name). Networks whose owner process is still running are skipped unless
 * `force`; networks left running by `hynet up` have no owner and are cleaned.
 */
export async function clean(sys: Sys, o: { stateDir?: string; net?: string; force?: boolean } = {}): Promise<CleanReport[]> {
  const reports: CleanReport[] = [];
  for (const st of listStates(stateDir(o.stateDir))) {
    if (o.net && st.header.prefix !== o.net && st.header.name !== o.net) continue;
    reports.push(await cleanOne(st, sys, o.force ?? false));
  }
  return reports;
}

async function cleanOne(st: NetState, sys: Sys, force: boolean): Promise<CleanReport> {
  const base = { net: st.header.prefix, name: st.header.name };
  if (!force && ownerAlive(st)) return { ...base, removed: [], skipped: `in use by process ${st.header.pid}` };
  const removed = await cleanRecords(st.records, sys);
  if (!sys.dryRun) removeState(st.path);
  return { ...base, removed };
}
