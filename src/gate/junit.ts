/**
 * JUnit XML as CI systems read it (GitHub, GitLab, Jenkins): one testsuite per
 * kind of check, one testcase per run × check. Written by hand: the format is
 * a handful of elements and only needs attribute/text escaping, which is less
 * than adopting an XML writer for.
 */
import type { CheckResult, GateResult } from "./result.js";

function esc(s: string): string {
  // Characters XML 1.0 forbids even escaped (control characters) are dropped.
  // eslint-disable-next-line no-control-regex
  return s.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, "").replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

function caseXml(c: CheckResult): string {
  const head = `    <testcase classname="${esc(`hynet.gate.${c.suite}.${c.run}`)}" name="${esc(c.check)}" time="0"`;
  const detail = esc(`${c.run}: ${c.metric} = ${c.valueText}; ${c.suite === "budget" ? "limit" : "baseline"} ${c.referenceText}; ${c.message}${c.source ? ` [${c.source}]` : ""}`);
  switch (c.verdict) {
    case "pass":
      return `${head}/>`;
    case "noise":
      return `${head}>\n      <system-out>${esc(c.message)}</system-out>\n    </testcase>`;
    case "fail":
      return `${head}>\n      <failure message="${esc(c.message)}" type="${c.suite}">${detail}</failure>\n    </testcase>`;
    case "error":
    case "missing":
      return `${head}>\n      <error message="${esc(c.message)}" type="${c.verdict}">${detail}</error>\n    </testcase>`;
    case "new":
    case "skip":
      return `${head}>\n      <skipped message="${esc(c.message)}"/>\n    </testcase>`;
  }
}

function tally(cs: CheckResult[]) {
  return {
    tests: cs.length,
    failures: cs.filter((c) => c.verdict === "fail").length,
    errors: cs.filter((c) => c.verdict === "error" || c.verdict === "missing").length,
    skipped: cs.filter((c) => c.verdict === "new" || c.verdict === "skip").length,
  };
}

function attrs(t: ReturnType<typeof tally>): string {
  return `tests="${t.tests}" failures="${t.failures}" errors="${t.errors}" skipped="${t.skipped}"`;
}

export function junitXml(r: Pick<GateResult, "checks" | "results" | "baseline">, timestamp: string): string {
  const suites: string[] = [];
  for (const [suite, title] of [
    ["budget", "budgets"],
    ["baseline", "baseline"],
  ] as const) {
    const cs = r.checks.filter((c) => c.suite === suite);
    if (cs.length === 0) continue;
    const name = suite === "budget" ? `hynet gate ${title}: ${r.results}` : `hynet gate ${title}: ${r.results} vs ${r.baseline ?? "?"}`;
    suites.push(`  <testsuite name="${esc(name)}" ${attrs(tally(cs))} time="0" timestamp="${esc(timestamp)}">\n${cs.map(caseXml).join("\n")}\n  </testsuite>`);
  }
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="hynet gate" ${attrs(tally(r.checks))} time="0">\n${suites.join("\n")}${suites.length ? "\n" : ""}</testsuites>\n`;
}

/** A JUnit file for a gate that could not start (results unreadable): one errored test case, so CI shows why. */
export function junitErrorXml(results: string, message: string, timestamp: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="hynet gate" tests="1" failures="0" errors="1" skipped="0" time="0">\n  <testsuite name="${esc(`hynet gate: ${results}`)}" tests="1" failures="0" errors="1" skipped="0" time="0" timestamp="${esc(timestamp)}">\n    <testcase classname="hynet.gate" name="read results" time="0">\n      <error message="${esc(message)}" type="could-not-evaluate">${esc(message)}</error>\n    </testcase>\n  </testsuite>\n</testsuites>\n`;
}
