import { describe, expect, it } from "vitest";
import { matches, selectorFromMap, selectorFromTerms, describeSelector } from "../../src/gate/selector.js";

const o = { what: "gate.where" };
const vm = { run: "rate500000-linkhwpair-nodevm_opt-burst1", rate: 500000, link: "hwpair", node: "vm_opt", burst: 1 };
const ns = { run: "rate50000-linkveth-nodenamespace-burst1", rate: 50000, link: "veth", node: "namespace", burst: 1 };

describe("selectors", () => {
  it("match exact values, numeric comparisons and lists (all conditions must hold)", () => {
    const s = selectorFromMap({ node: "vm_opt", link: "hwpair", rate: ">=500000" }, o);
    expect(matches(s, vm)).toBe(true);
    expect(matches(s, ns)).toBe(false);
    expect(matches(s, { ...vm, rate: 499999 })).toBe(false);
    expect(matches(selectorFromMap({ node: ["vm", "vm_opt"] }, o), vm)).toBe(true);
    expect(matches(selectorFromMap({ node: "vm|namespace" }, o), ns)).toBe(true);
    expect(matches(selectorFromMap({ link: "!=veth" }, o), ns)).toBe(false);
    expect(matches(selectorFromMap({ link: "!=veth" }, o), vm)).toBe(true);
    expect(matches(selectorFromMap({ rate: "<500000" }, o), ns)).toBe(true);
    expect(matches(selectorFromMap({ rate: ">500000" }, o), vm)).toBe(false);
    expect(matches(selectorFromMap({ rate: 50000 }, o), ns)).toBe(true);
    expect(matches(selectorFromMap({ rate: "50000" }, o), ns)).toBe(true);
    expect(matches(selectorFromMap({ run: "*nodevm_opt*" }, o), vm)).toBe(true);
    expect(matches(selectorFromMap({ run: "*nodevm_opt*" }, o), ns)).toBe(false);
    expect(matches(undefined, ns)).toBe(true);
    // A variable the run lacks never matches, not even with !=.
    expect(matches(selectorFromMap({ flows: "!=10" }, o), ns)).toBe(false);
  });
  it("parse CLI terms", () => {
    const s = selectorFromTerms(["node=vm_opt", "rate>=500000", "link=veth|hwpair"], { what: "--where" });
    expect(s).toEqual([
      { key: "node", op: "=", values: ["vm_opt"] },
      { key: "rate", op: ">=", values: ["500000"] },
      { key: "link", op: "=", values: ["veth", "hwpair"] },
    ]);
    expect(matches(s, vm)).toBe(true);
    expect(describeSelector(s)).toBe("node=vm_opt, rate>=500000, link=veth|hwpair");
  });
  it("reject malformed conditions with one clear message", () => {
    expect(() => selectorFromTerms(["vm_opt"], { what: "--where" })).toThrow(/--where: "vm_opt" is not a condition/);
    expect(() => selectorFromMap({ rate: ">=fast" }, o)).toThrow(/compares with "fast", which is not a number/);
    expect(() => selectorFromMap({ rate: ">=" }, o)).toThrow(/has no value after >=/);
    expect(() => selectorFromMap({ node: [] }, o)).toThrow(/empty list/);
  });
});
