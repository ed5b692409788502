/**
 * The layers of docs/architecture.md, enforced by `npm run lint:deps` (part
 * of `npm run lint`, so of `npm test`). An import that points up, or a cycle
 * (type-only imports included), fails.
 *
 *   cli → experiment → parts {net, traffic, capture, evaluate, report, gate, store} → {topo, pcap} → sys
 *   errors.ts, events.ts, units/: below everything
 *
 * Among the parts: traffic, store and net import no other part; capture and
 * evaluate may use traffic (the test-packet format); report may use evaluate
 * (its output names) and traffic; gate may use store.
 */
const PARTS = "net|traffic|capture|evaluate|report|gate|store";
const part = (name, mayUse) => ({
  name: `part-${name}`,
  severity: "error",
  comment: `${name} may import ${mayUse.length ? mayUse.join(", ") : "no other part"} among the parts (see the header of this file).`,
  from: { path: `^src/${name}/` },
  to: { path: `^src/(${PARTS})/`, pathNot: `^src/(${[name, ...mayUse].join("|")})/` },
});

module.exports = {
  forbidden: [
    {
      name: "no-cycles",
      severity: "error",
      comment: "Modules that import each other (also through types) cannot be understood, tested or moved one at a time.",
      from: { path: "^src/" },
      to: { circular: true },
    },
    {
      name: "common-is-bottom",
      severity: "error",
      comment: "errors, events and units are used by every layer, so they import none of them.",
      from: { path: "^src/(errors|events)\\.ts$|^src/units/" },
      to: { path: `^src/(sys|topo|pcap|${PARTS}|experiment|cli)/` },
    },
    {
      name: "sys-is-bottom",
      severity: "error",
      comment: "src/sys runs programs and touches the system for everyone; it knows nothing of the layers above.",
      from: { path: "^src/sys/" },
      to: { path: `^src/(topo|pcap|${PARTS}|experiment|cli)/` },
    },
    {
      name: "models-below-the-parts",
      severity: "error",
      comment: "The topology model and the capture-file format are plain data and formats: they import only sys and the common modules.",
      from: { path: "^src/(topo|pcap)/" },
      to: { path: `^src/(${PARTS}|experiment|cli)/` },
    },
    {
      name: "parts-below-experiment",
      severity: "error",
      comment: "The parts are driven by experiment and the CLI, never the reverse.",
      from: { path: `^src/(${PARTS})/` },
      to: { path: "^src/(experiment|cli)/" },
    },
    {
      name: "experiment-below-cli",
      severity: "error",
      comment: "The library is usable without the CLI.",
      from: { path: "^src/experiment/" },
      to: { path: "^src/cli/" },
    },
    part("traffic", []),
    part("store", []),
    part("net", []),
    part("capture", ["traffic"]),
    part("evaluate", ["traffic"]),
    part("report", ["evaluate", "traffic"]),
    part("gate", ["store"]),
    {
      name: "programs-only-from-sys",
      severity: "error",
      comment: "Only src/sys runs programs (so --dry-run and the command log see every one).",
      from: { path: "^src/", pathNot: "^src/sys/" },
      to: { dependencyTypes: ["core"], path: "^(node:)?child_process$" },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    includeOnly: ["^src/", "^(node:)?child_process$"],
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    enhancedResolveOptions: { exportsFields: ["exports"], conditionNames: ["import", "require", "node", "default"], extensions: [".ts", ".js"] },
  },
};
