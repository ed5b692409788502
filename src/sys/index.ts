export { createSys, type Sys, type SysOptions } from "./context.js";
export type { RunOptions, RunResult, Spawned, SpawnOptions } from "./exec.js";
export { atomicWriter, writeFileAtomic, readText, exists, ensureDir, removeEmptyDirs, checkWritableDir, checkCreatableDir, type AtomicWriter } from "./files.js";
