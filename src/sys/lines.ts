/** A program whose stdout is read line by line and whose stderr is kept as a tail (tools hynet drives: MoonGen, ssh). */
import * as readline from "node:readline";
import type { Sys } from "./context.js";
import type { Spawned } from "./exec.js";

export interface LineProgram {
  proc: Spawned;
  /** The last few KB of stderr. */
  stderr(): string;
}

/** `stdin`: keep a pipe to the program's stdin (default: none). */
export function spawnLines(sys: Sys, argv: string[], onLine: (line: string) => void, o: { cwd?: string; stdin?: boolean } = {}): LineProgram {
  const proc = sys.spawn(argv, { cwd: o.cwd, stdio: [o.stdin ? "pipe" : "ignore", "pipe", "pipe"] });
  let err = "";
  proc.stderr?.on("data", (b: Buffer) => (err = (err + b.toString("utf8")).slice(-8192)));
  readline.createInterface({ input: proc.stdout! }).on("line", onLine);
  return { proc, stderr: () => err };
}
