/** Link impairments in topology files (strict schema, file:line errors) and the tc commands they become. */
import { describe, expect, it } from "vitest";
import { describeImpairment, impairmentFrom, parseImpairmentAssignments, parseTopology } from "../../src/topo/index.js";
import { qdiscsNeeded, tcCommands, tbfBurstBytes } from "../../src/net/impair.js";
import { fails } from "./helpers.js";

function link(params: string): string {
  return `hosts:\n  h1:\n  h2:\nlinks:\n  - a: h1\n    b: h2\n    params:\n${params}`;
}


describe("params: in a topology file", () => {
  it("top-level keys apply to both directions; a_to_b / b_to_a add or override", () => {
    const t = parseTopology(link("      delay: 10ms\n      jitter: 500us\n      distribution: pareto\n      loss: 1%\n      a_to_b: { rate: 100mbit, queue: 50, loss: 2.5% }\n      b_to_a:\n        loss: { p: 1%, r: 30% }\n"), "t.yaml");
    expect(t.links[0].impair).toEqual({
      aToB: { delayNs: 10_000_000, jitterNs: 500_000, distribution: "pareto", loss: 2.5, rateBps: 100_000_000, queue: 50 },
      bToA: { delayNs: 10_000_000, jitterNs: 500_000, distribution: "pareto", loss: { p: 1, r: 30, bad: 100, good: 0 } },
    });
  });

  it("a link without params has no impairments", () => {
    expect(parseTopology("hosts:\n  h1:\n  h2:\nlinks:\n  - { a: h1, b: h2 }\n").links[0].impair).toBeUndefined();
  });

  it("an unknown key is an error on its line, naming the field", () => {
    const e = fails(link("      delay: 10ms\n      dealy: 5ms\n"));
    expect(e).toMatchObject({ code: "TOPO_UNKNOWN_FIELD", line: 9, file: "t.yaml" });
    expect(e.message).toBe('links[0].params.dealy: unknown field "dealy"');
    const e2 = fails(link("      a_to_b:\n        rat: 1mbit\n"));
    expect(e2).toMatchObject({ code: "TOPO_UNKNOWN_FIELD", line: 9 });
    expect(e2.message).toBe('links[0].params.a_to_b.rat: unknown field "rat"');
  });

  it("bad values name the field and show the expected form", () => {
    expect(fails(link("      delay: 10\n")).message).toBe('links[0].params.delay: "10" is not a time with a unit (write e.g. 10ms, 250us, 1s)');
    expect(fails(link("      loss: 3x\n")).message).toMatch(/^links\[0\]\.params\.loss: "3x" is not a percentage/);
    expect(fails(link("      loss: 120%\n")).message).toMatch(/^links\[0\]\.params\.loss: "120%" is not a percentage from 0% to 100%/);
    expect(fails(link("      rate: 100mbps\n")).message).toMatch(/^links\[0\]\.params\.rate: "100mbps" is not a rate in bit\/s/);
    expect(fails(link("      queue: 0\n")).code).toBe("TOPO_SCHEMA");
    expect(fails(link("      jitter: 1ms\n      distribution: gauss\n")).message).toMatch(/^links\[0\]\.params\.distribution: /);
  });

  it("rules across keys name the key and the direction", () => {
    const e = fails(link("      b_to_a:\n        distribution: normal\n"));
    expect(e).toMatchObject({ code: "TOPO_SCHEMA", line: 9 });
    expect(e.message).toBe("links[0].params.b_to_a.distribution: a jitter distribution needs a jitter");
    expect(fails(link("      loss: { p: 1%, r: 10% }\n      loss_correlation: 25%\n")).message).toMatch(/loss_correlation: a loss correlation applies to a random loss/);
    expect(fails(link("      delay: 1ms\n      jitter: 5ms\n      distribution: normal\n")).message).toMatch(/jitter: a jitter larger than the delay/);
  });
});

describe("impairments as KEY=VALUE (hynet link set, experiment variables)", () => {
  it("parses and validates the same keys", () => {
    expect(parseImpairmentAssignments(["delay=5ms", "jitter=1ms", "distribution=normal", "queue=20"])).toEqual({ delayNs: 5e6, jitterNs: 1e6, distribution: "normal", queue: 20 });
    expect(() => parseImpairmentAssignments(["delya=5ms"])).toThrow(/unknown impairment "delya"/);
    expect(() => parseImpairmentAssignments(["delay"])).toThrow(/not KEY=VALUE/);
    expect(() => impairmentFrom({ rate: "1kbit" })).toThrow(/rate: a rate below 8kbit/);
  });

  it("describes itself in words", () => {
    expect(describeImpairment({ delayNs: 10e6, jitterNs: 1e6, distribution: "normal", loss: 1, rateBps: 1e8 })).toBe("delay 10ms ±1ms normal, loss 1%, rate 100mbit");
    expect(describeImpairment({})).toBe("none");
  });
});

describe("the tc commands", () => {
  it("netem alone: delay, jitter with correlation and distribution, random loss with correlation, queue as netem's limit", () => {
    expect(tcCommands("e0", { delayNs: 10e6, jitterNs: 1_500_000, delayCorrelation: 25, distribution: "normal", loss: 0.5, lossCorrelation: 10, queue: 30 }).map((s) => s.args.join(" "))).toEqual([
      "qdisc del dev e0 root",
      "qdisc add dev e0 root handle 1: netem delay 10ms 1500us 25% distribution normal loss random 0.5% 10% limit 30",
    ]);
  });

  it("uniform jitter is netem's default (it has no table by that name); Gilbert-Elliott loss is gemodel p r 1-h 1-k", () => {
    expect(tcCommands("e0", { delayNs: 1000, jitterNs: 1500, distribution: "uniform", loss: { p: 1, r: 30, bad: 90, good: 0.1 } })[1].args.join(" ")).toBe(
      "qdisc add dev e0 root handle 1: netem delay 1us 1500ns loss gemodel 1% 30% 90% 0.1% limit 1000",
    );
  });

  it("rate: tbf at the root; with netem as its child when delay or loss is asked for too", () => {
    expect(tbfBurstBytes(10e6)).toBe(3028);
    expect(tbfBurstBytes(10e9)).toBe(1_250_000);
    expect(tcCommands("e0", { rateBps: 10e6, queue: 100 }).map((s) => s.args.join(" "))).toEqual([
      "qdisc del dev e0 root",
      "qdisc add dev e0 root handle 1: tbf rate 10000000bit burst 3028 limit 151400",
    ]);
    const both = tcCommands("e0", { rateBps: 1e9, delayNs: 2e6 });
    expect(both.map((s) => s.qdisc)).toEqual([undefined, "tbf", "netem"]);
    expect(both[2].args.join(" ")).toBe("qdisc add dev e0 parent 1:1 handle 10: netem delay 2ms limit 1000");
    expect(qdiscsNeeded({ rateBps: 1e9, loss: 1 })).toEqual(["tbf", "netem"]);
  });

  it("queue alone is a pfifo; nothing (or an empty impairment) only removes the root qdisc", () => {
    expect(tcCommands("e0", { queue: 5 })[1].args.join(" ")).toBe("qdisc add dev e0 root handle 1: pfifo limit 5");
    expect(tcCommands("e0", undefined)).toEqual([{ args: ["qdisc", "del", "dev", "e0", "root"], mayFail: true }]);
    expect(tcCommands("e0", {})).toHaveLength(1);
  });
});
