/**
 * The evaluator's and the runner's CSV files, read into rows of numbers.
 *
 * By hand because the format is fixed by spec/evaluation.md and our own
 * writers: a header row, comma-separated plain numbers (or a bare word such
 * as an IRQ name), no quoting, no embedded commas. A general CSV library
 * would add a dependency and a slower path for nothing.
 */
import { readText } from "../sys/files.js";
import { InputError } from "../errors.js";

export type Row = Record<string, number | string>;

export interface Table {
  file: string;
  columns: string[];
  rows: Row[];
}

/**
 * Read `file`; every column in `numeric` must exist and hold numbers (an empty
 * field reads as NaN, which the spec uses for "undefined"); other columns stay strings.
 */
export async function readCsv(file: string, numeric: readonly string[], text?: string): Promise<Table> {
  const src = text ?? (await readText(file));
  const lines = src.split("\n");
  if (lines.length && lines[lines.length - 1] === "") lines.pop();
  if (lines.length === 0) throw new InputError("REPORT_BAD_CSV", "the file is empty (expected a header row)", { file });
  const columns = lines[0].replace(/\r$/, "").split(",").map((c) => c.trim());
  for (const c of numeric) {
    if (!columns.includes(c)) {
      throw new InputError("REPORT_BAD_CSV", `missing column "${c}" (header is "${columns.join(",")}")`, { file, line: 1 });
    }
  }
  const isNum = columns.map((c) => numeric.includes(c));
  const rows: Row[] = new Array(lines.length - 1);
  for (let i = 1; i < lines.length; i++) {
    const f = lines[i].replace(/\r$/, "").split(",");
    if (f.length !== columns.length) {
      throw new InputError("REPORT_BAD_CSV", `row has ${f.length} fields, the header ${columns.length}`, { file, line: i + 1 });
    }
    const r: Row = {};
    for (let j = 0; j < columns.length; j++) {
      if (isNum[j]) {
        const v = f[j] === "" ? NaN : Number(f[j]);
        if (f[j] !== "" && !Number.isFinite(v)) {
          throw new InputError("REPORT_BAD_CSV", `column "${columns[j]}" holds "${f[j]}", not a number`, { file, line: i + 1 });
        }
        r[columns[j]] = v;
      } else {
        r[columns[j]] = f[j];
      }
    }
    rows[i - 1] = r;
  }
  return { file, columns, rows };
}

function field(v: number | string | undefined): string {
  if (v === undefined) return "";
  if (typeof v === "number") return Number.isFinite(v) ? String(v) : "";
  return /[",\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}

/** The CSV written next to a figure: exactly the rows the figure was drawn from. */
export function toCsv(columns: readonly string[], rows: readonly Row[]): string {
  const out: string[] = [columns.join(",")];
  for (const r of rows) out.push(columns.map((c) => field(r[c])).join(","));
  return out.join("\n") + "\n";
}
