/**
 * The one place errors become text: one line with code, file (and byte
 * offset or line), cause, and hint.
 */
import { HynetError } from "../errors.js";

export function renderError(err: unknown): { line: string; exitCode: number } {
  if (err instanceof HynetError) {
    let where = "";
    if (err.file) {
      where = err.file;
      if (err.line !== undefined) where += `:${err.line}`;
      if (err.offset !== undefined) where += ` (byte ${err.offset})`;
      where += ": ";
    }
    const hint = err.hint ? ` (hint: ${err.hint})` : "";
    return { line: `hynet: error[${err.code}] ${where}${err.message}${hint}`, exitCode: err.exitCode };
  }
  const e = err as Error;
  return { line: `hynet: internal error: ${e?.stack ?? String(err)}`, exitCode: 70 };
}
