/**
 * The state file: one JSON line per event, appended as things happen, so
 * that after a kill -9 or a half-failed start `hynet clean` knows exactly
 * what this network made. One file per running network:
 * `<stateDir>/<prefix>.jsonl`, plus a private folder `<prefix>.d/` for kinds.
 *
 *   {"type":"net", prefix, name, file, kinds, pid, created, topology}   first line
 *   {"type":"res", "res": {...Resource}}                                 before each resource is made
 *   {"type":"started"}                                                   start() finished
 *   {"type":"detached"}                                                  `hynet up` left it running
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { fileError } from "../errors.js";
import { processAlive, RUN_DIR } from "../sys/netns.js";
import type { Topology } from "../topo/model.js";
import type { Kinds, Resource } from "./kinds.js";

export const DEFAULT_STATE_DIR = RUN_DIR;

/** Where state files live: option, else $HYNET_STATE_DIR, else /run/hynet. */
export function stateDir(dir?: string): string {
  return dir ?? process.env.HYNET_STATE_DIR ?? DEFAULT_STATE_DIR;
}

export interface NetHeader {
  type: "net";
  version: 1;
  prefix: string;
  name: string;
  file?: string;
  kinds: Kinds;
  pid: number;
  created: string;
  topology: Topology;
}

export interface NetState {
  header: NetHeader;
  records: Resource[];
  started: boolean;
  detached: boolean;
  /** The state file. */
  path: string;
  workDir: string;
}

export function statePath(dir: string, prefix: string): string {
  return path.join(dir, `${prefix}.jsonl`);
}

export function workDirOf(dir: string, prefix: string): string {
  return path.join(dir, `${prefix}.d`);
}

/** Append-only writer. Writes are synchronous so a record is in the file before the command that makes the resource runs. */
export class StateFile {
  private constructor(
    readonly path: string,
    private fd: number | undefined,
    private closed = false,
  ) {}

  /** Create a new state file; returns undefined when one with this prefix exists already. */
  static create(dir: string, header: NetHeader): StateFile | undefined {
    const file = statePath(dir, header.prefix);
    try {
      fs.mkdirSync(dir, { recursive: true });
      const fd = fs.openSync(file, "wx");
      fs.writeSync(fd, JSON.stringify(header) + "\n");
      return new StateFile(file, fd);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "EEXIST") return undefined;
      throw fileError(e, file, "create the state file");
    }
  }

  /** An existing state file, opened for appending on the first write (a later `hynet down`). */
  static open(file: string): StateFile {
    return new StateFile(file, undefined);
  }

  append(obj: object): void {
    if (this.closed) return;
    try {
      this.fd ??= fs.openSync(this.path, "a");
      fs.writeSync(this.fd, JSON.stringify(obj) + "\n");
    } catch (e) {
      throw fileError(e, this.path, "write the state file");
    }
  }

  close(): void {
    if (this.fd !== undefined) fs.closeSync(this.fd);
    this.fd = undefined;
    this.closed = true;
  }

  /** Close and delete the state file and the network's private folder. */
  remove(): void {
    this.close();
    removeState(this.path);
  }
}

export function removeState(file: string): void {
  fs.rmSync(file, { force: true });
  fs.rmSync(file.replace(/\.jsonl$/, ".d"), { recursive: true, force: true });
}

/** Parse one state file; undefined when it is not one (a last line cut by kill -9 is ignored). */
export function readState(file: string): NetState | undefined {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw fileError(e, file, "read the state file");
  }
  const st: Partial<NetState> = { records: [], started: false, detached: false, path: file, workDir: file.replace(/\.jsonl$/, ".d") };
  for (const line of text.split("\n")) {
    if (!line.trim()) continue;
    let o: { type?: string; res?: Resource };
    try {
      o = JSON.parse(line) as typeof o;
    } catch {
      continue;
    }
    if (o.type === "net") st.header = o as NetHeader;
    else if (o.type === "res" && o.res) st.records!.push(o.res);
    else if (o.type === "started") st.started = true;
    else if (o.type === "detached") st.detached = true;
  }
  return st.header ? (st as NetState) : undefined;
}

/** Every network recorded in `dir`, oldest first. */
export function listStates(dir: string): NetState[] {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw fileError(e, dir, "read the state folder");
  }
  return names
    .filter((n) => n.endsWith(".jsonl"))
    .map((n) => readState(path.join(dir, n)))
    .filter((s): s is NetState => s !== undefined)
    .sort((a, b) => a.header.created.localeCompare(b.header.created));
}

/** Is the process that made the network still running? (A detached network has no owner.) */
export function ownerAlive(st: NetState): boolean {
  if (st.detached) return false;
  if (st.header.pid === process.pid) return true;
  return processAlive(st.header.pid);
}

/** A started network that is still someone's: left running by `hynet up`, or its process is alive. */
export function ownerAliveOrDetached(st: NetState): boolean {
  return st.detached || ownerAlive(st);
}
