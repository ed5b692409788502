/**
 * File access for the rest of hynet. Output files are written under a
 * temporary name and renamed into place on commit, so that an interrupted
 * or failed write never leaves a file that looks complete.
 */
import { promises as fsp, constants as fsc } from "node:fs";
import * as path from "node:path";
import { FileError, fileError } from "../errors.js";

export interface AtomicWriter {
  readonly path: string;
  /** Buffered: small writes are gathered into large ones. */
  write(chunk: string | Uint8Array): Promise<void>;
  /** Flush, fsync-free close, rename into place. */
  commit(): Promise<void>;
  /** Remove the temporary file; the target is left as it was. */
  abort(): Promise<void>;
}

const FLUSH_AT = 1 << 20;

export function atomicWriter(target: string): AtomicWriter {
  const dir = path.dirname(target);
  const tmp = path.join(dir, `.${path.basename(target)}.partial-${process.pid}-${Math.random().toString(36).slice(2, 8)}`);
  let handle: fsp.FileHandle | undefined;
  let parts: (string | Uint8Array)[] = [];
  let pending = 0;
  let done = false;

  async function open(): Promise<fsp.FileHandle> {
    if (!handle) {
      try {
        handle = await fsp.open(tmp, "w");
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === "ENOENT" && (await isDir(dir))) throw refusesNewEntries(dir, target, "files", e);
        throw fileError(e, target, "write");
      }
    }
    return handle;
  }
  async function flush(): Promise<void> {
    const h = await open();
    if (parts.length === 0) return;
    const bufs = parts.map((p) => (typeof p === "string" ? Buffer.from(p, "utf8") : p));
    parts = [];
    pending = 0;
    try {
      await h.writev(bufs);
    } catch (e) {
      throw fileError(e, target, "write");
    }
  }
  return {
    path: target,
    async write(chunk) {
      parts.push(chunk);
      pending += chunk.length;
      if (pending >= FLUSH_AT) await flush();
    },
    async commit() {
      if (done) return;
      await flush();
      await handle!.close();
      done = true;
      try {
        await fsp.rename(tmp, target);
      } catch (e) {
        await fsp.rm(tmp, { force: true });
        throw fileError(e, target, "write");
      }
    },
    async abort() {
      if (done) return;
      done = true;
      await handle?.close().catch(() => {});
      await fsp.rm(tmp, { force: true }).catch(() => {});
    },
  };
}

export async function writeFileAtomic(target: string, data: string | Uint8Array): Promise<void> {
  const w = atomicWriter(target);
  try {
    await w.write(data);
    await w.commit();
  } catch (e) {
    await w.abort();
    throw e;
  }
}

export async function readText(file: string): Promise<string> {
  try {
    return await fsp.readFile(file, "utf8");
  } catch (e) {
    throw fileError(e, file, "read");
  }
}

export async function exists(p: string): Promise<boolean> {
  try {
    await fsp.access(p, fsc.F_OK);
    return true;
  } catch {
    return false;
  }
}

/** ENOENT for a new entry in a folder that exists: /proc, /sys and the like, where "no such file" would mislead. */
function refusesNewEntries(parent: string, file: string, what: "files" | "folders", cause: unknown): FileError {
  return new FileError("FILE_CANNOT_CREATE", `cannot create ${what === "files" ? "file" : "folder"}: ${parent} exists but accepts no new ${what} (a virtual file system such as /proc or /sys?)`, {
    file,
    hint: "choose an output path on a disk",
    cause,
  });
}

/** The nearest folder above `dir` (or `dir` itself) that exists, and the missing folders below it, top first. */
async function existingAncestor(dir: string): Promise<{ base: string; missing: string[] }> {
  const missing: string[] = [];
  let cur = path.resolve(dir);
  for (;;) {
    try {
      const st = await fsp.stat(cur);
      if (!st.isDirectory()) throw new FileError("FILE_ENOTDIR", `cannot create folder: ${cur} is not a folder`, { file: dir });
      return { base: cur, missing };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw fileError(e, dir, "create folder");
      const up = path.dirname(cur);
      if (up === cur) throw fileError(e, dir, "create folder");
      missing.unshift(cur);
      cur = up;
    }
  }
}

/**
 * Create `dir` and its parents one level at a time. Node 20's recursive mkdir
 * loops forever where a parent exists but refuses new entries (/proc, /sys),
 * and reports a read-only file system as ENOENT; one step at a time, the
 * kernel's own answer for the first missing folder is the one reported.
 * Returns the folders it created, top first.
 */
export async function ensureDir(dir: string): Promise<string[]> {
  const { missing } = await existingAncestor(dir);
  for (const d of missing) {
    try {
      await fsp.mkdir(d);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === "EEXIST" && (await isDir(d))) continue;
      if (code === "ENOENT") throw refusesNewEntries(path.dirname(d), dir, "folders", e);
      throw fileError(e, dir, "create folder");
    }
  }
  return missing;
}

/** Undo ensureDir() after a failure: remove the folders it made, deepest first, as long as they are empty. */
export async function removeEmptyDirs(made: string[]): Promise<void> {
  for (const d of [...made].reverse()) {
    try {
      await fsp.rmdir(d);
    } catch {
      return; // not empty (or gone): keep it and its parents
    }
  }
}

async function isDir(p: string): Promise<boolean> {
  try {
    return (await fsp.stat(p)).isDirectory();
  } catch {
    return false;
  }
}

/** Check early that a folder can be written, so a long job does not fail at its end. */
export async function checkWritableDir(dir: string): Promise<void> {
  await ensureDir(dir);
  try {
    await fsp.access(dir, fsc.W_OK);
  } catch (e) {
    throw fileError(e, dir, "write into folder");
  }
}

/**
 * Check that `dir` could be created and written without creating it, so a
 * command that fails on its input leaves no empty folder behind.
 */
export async function checkCreatableDir(dir: string): Promise<void> {
  const { base } = await existingAncestor(dir);
  try {
    await fsp.access(base, fsc.W_OK);
  } catch (e) {
    throw fileError(e, base === path.resolve(dir) ? dir : base, base === path.resolve(dir) ? "write into folder" : "create folders in");
  }
}
