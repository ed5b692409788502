/**
 * Compression of kept captures, as the seed did (`zstd -13` after each run).
 * The zstd program (through sys) rather than zstd-napi: it uses every core
 * (-T0) and runs outside the event loop, so compressing the pre and post
 * captures overlaps with tearing the network down.
 */
import { promises as fsp } from "node:fs";
import * as path from "node:path";
import { fileError } from "../errors.js";
import type { Sys } from "../sys/context.js";

export type Compression = "zstd" | "none";

/**
 * Compress `file` to `file.zst` and remove the original; returns the new path.
 * Written under a temporary name and renamed, so a half-compressed file never looks complete;
 * the original is removed only after the rename.
 */
export async function compressFile(file: string, compression: Compression, level: number, sys: Sys): Promise<string> {
  if (compression === "none" || /\.(zst|gz)$/.test(file)) return file;
  const target = `${file}.zst`;
  const tmp = path.join(path.dirname(file), `.${path.basename(target)}.partial-${process.pid}`);
  try {
    await sys.run(["zstd", "-q", "-f", "-T0", `-${level}`, "-o", tmp, file]);
    if (sys.dryRun) return target;
    await fsp.rename(tmp, target);
  } catch (e) {
    await fsp.rm(tmp, { force: true }).catch(() => {});
    throw fileError(e, file, "compress the capture");
  }
  await fsp.rm(file, { force: true });
  return target;
}
