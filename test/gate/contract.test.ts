/**
 * The gate reads results databases written by other hynet versions and by
 * other tools: it may rely only on the columns the results contract names
 * (docs/results.md, "Contract" subset below), not on every column today's
 * store happens to write.
 */
import { describe, expect, it } from "vitest";
import { createSys } from "../../src/sys/index.js";
import { readResults, REQUIRED } from "../../src/gate/store.js";
import { makeResults, tmpDir } from "./fixture.js";

/** The results contract: the columns a results database must have for the gate. */
const CONTRACT: Record<string, string[]> = {
  runs: `name status variables rate node link burst repeat started_at finished_at error run_dir
    pre_records post_records matched lost loss_ratio duplicated reordered
    lat_min_ns lat_mean_ns lat_stddev_ns lat_p50_ns lat_p99_ns lat_p999_ns lat_p9999_ns lat_max_ns
    pdv_mean_ns pdv_max_ns jitter_ns requested_pps achieved_pps pre_pps post_pps`.split(/\s+/),
  percentiles: ["run", "percentile", "value_ns"],
};

const ddl = (table: string, cols: string[]) => `CREATE TABLE ${table} (${cols.map((c) => `"${c}" ${c === "variables" ? "JSON" : /^(name|status|node|link|error|run_dir|run)$/.test(c) ? "VARCHAR" : /_at$/.test(c) ? "TIMESTAMP" : "DOUBLE"}`).join(", ")})`;

describe("the gate and the results contract", () => {
  it("every column the gate reads is a contracted one", () => {
    for (const [table, cols] of Object.entries(REQUIRED)) {
      expect(CONTRACT[table], table).toBeDefined();
      expect(cols.filter((c) => !CONTRACT[table].includes(c)), table).toEqual([]);
    }
  });

  it("a database with only the contracted columns is read", async () => {
    const dir = await makeResults(tmpDir("contract"), [], { ddl: Object.entries(CONTRACT).map(([t, c]) => ddl(t, c)) });
    const r = await readResults(dir, createSys());
    expect(r.runs).toEqual([]);
  });
});
