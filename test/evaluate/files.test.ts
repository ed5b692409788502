import { describe, expect, it } from "vitest";
import { outputNames, outputPatterns, type OutputKind } from "../../src/evaluate/files.js";

describe("evaluator output names", () => {
  const pre = "/r/eval/latencies-pre-rate1000.pcap";
  const names = outputNames(pre, { bucketSize: 100, trimMs: 2.5, numWorst: 5000 });

  it("are spelled as spec/evaluation.md names them", () => {
    expect(names.hist).toBe("latencies-pre-rate1000.pcap.bucket_size100.trim_ms2.5.hist.csv");
    expect(names.worst).toBe("latencies-pre-rate1000.pcap.trim_ms2.5.num_worst5000.worst.csv");
    expect(names.summary).toBe("latencies-pre-rate1000.pcap.summary.json");
  });

  it("are found again by the patterns of their base, and only of their base", () => {
    const re = outputPatterns("latencies-pre-rate1000.pcap");
    const other = outputNames("latencies-pre-rate10000.pcap", { bucketSize: 100, trimMs: 0, numWorst: 1 });
    for (const k of Object.keys(names) as OutputKind[]) {
      expect(re[k].test(names[k]), k).toBe(true);
      expect(re[k].test(other[k]), k).toBe(false);
    }
    expect(outputPatterns().percentiles.exec(names.percentiles)?.[1]).toBe("latencies-pre-rate1000.pcap");
  });
});
