/** A Markdown summary for a pull-request comment: the verdict first, then what failed, then every check folded away. */
import type { CheckResult, GateResult, Verdict } from "./result.js";
import { TABLE_COLUMNS, tableCells } from "./table.js";

const ICON: Record<Verdict, string> = { pass: "✅", noise: "〰️", fail: "❌", error: "⚠️", new: "🆕", missing: "❓", skip: "⏭️" };

function cell(s: string): string {
  return s.replace(/\\/g, "\\\\").replace(/\|/g, "\\|").replace(/\r?\n/g, " ");
}

function table(cs: CheckResult[]): string {
  const head = `| ${TABLE_COLUMNS.join(" | ")} |\n|${TABLE_COLUMNS.map(() => " --- ").join("|")}|`;
  const rows = cs.map((c) => {
    const cells = tableCells(c).map(cell);
    cells[4] = `${ICON[c.verdict]} ${cells[4]}`;
    return `| ${cells.join(" | ")} |`;
  });
  return [head, ...rows].join("\n");
}

export function markdownSummary(r: Pick<GateResult, "checks" | "counts" | "exitCode" | "results" | "baseline">): string {
  const verdict = r.exitCode === 0 ? "✅ PASS" : r.exitCode === 1 ? "❌ FAIL" : "⚠️ COULD NOT EVALUATE";
  const counts = (Object.entries(r.counts) as [Verdict, number][])
    .filter(([, n]) => n > 0)
    .map(([v, n]) => `${n} ${v}`)
    .join(" · ");
  const lines = [
    `## hynet gate: ${verdict}`,
    "",
    `Results \`${r.results}\`${r.baseline ? ` against baseline \`${r.baseline}\`` : ""}: ${r.checks.length} checks (${counts || "none"}).`,
  ];
  const bad = r.checks.filter((c) => c.verdict === "fail" || c.verdict === "error" || c.verdict === "missing");
  if (bad.length) lines.push("", "### Failed or not evaluated", "", table(bad));
  const noisy = r.checks.filter((c) => c.verdict === "noise");
  if (noisy.length) lines.push("", "### Worse, but within run-to-run noise", "", table(noisy));
  lines.push("", `<details><summary>All ${r.checks.length} checks</summary>`, "", table(r.checks), "", "</details>", "");
  return lines.join("\n");
}
