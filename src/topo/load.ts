/**
 * Reading a topology file: YAML (with positions kept) → schema → resolved
 * model. Every error names the file, the line and the field.
 */
import * as path from "node:path";
import { LineCounter, parseDocument, isMap, isNode, isScalar, isSeq, type Document } from "yaml";
import type { z } from "zod";
import { readText } from "../sys/files.js";
import { InputError } from "../errors.js";
import type { Topology } from "./model.js";
import { topologySchema } from "./schema.js";
import { resolveTopology, TopoError, type FieldPath } from "./resolve.js";

/** The line of the deepest node on `fieldPath` that exists in the document. */
export function lineOf(doc: Document, lc: LineCounter, fieldPath: FieldPath): number | undefined {
  for (let n = fieldPath.length; n >= 0; n--) {
    // A field in a mapping: the line of its key (its value may start on the next line).
    const parent = n === 0 ? undefined : n === 1 ? doc.contents : doc.getIn(fieldPath.slice(0, n - 1), true);
    if (isMap(parent)) {
      const pair = parent.items.find((it) => isScalar(it.key) && String(it.key.value) === String(fieldPath[n - 1]));
      if (pair && isScalar(pair.key) && pair.key.range) return lc.linePos(pair.key.range[0]).line;
    }
    const node = n === 0 ? doc.contents : doc.getIn(fieldPath.slice(0, n), true);
    if (isNode(node) && node.range) return lc.linePos(node.range[0]).line;
  }
  return undefined;
}

/** Zod's first complaint, as a TopoError on the field it is about. */
function schemaError(err: z.ZodError): TopoError {
  const issue = err.issues[0];
  const p = issue.path.filter((x): x is string | number => typeof x !== "symbol");
  if (issue.code === "unrecognized_keys") {
    return new TopoError("TOPO_UNKNOWN_FIELD", [...p, issue.keys[0]], `unknown field "${issue.keys[0]}"`, "check the spelling; docs/topology.md lists the fields");
  }
  if (issue.code === "invalid_union") {
    const isEnd = p.length === 3 && p[0] === "links" && (p[2] === "a" || p[2] === "b");
    const first = issue.errors[0]?.[0]?.message.replace(/^Invalid input: /, "");
    return new TopoError("TOPO_SCHEMA", p, isEnd || !first ? "expected a node name or { node, ifname, addrs, mac, mtu }" : first);
  }
  return new TopoError("TOPO_SCHEMA", p, issue.message.replace(/^Invalid input: /, ""));
}

/**
 * The kind names that exist, from the layer that has the kinds (src/net's
 * registry): the topology layer checks names against them so that a typo is
 * reported at its line, without depending on the kinds' code.
 */
export interface KnownKinds {
  node: readonly string[];
  link: readonly string[];
  switch: readonly string[];
}

/** The second occurrence of a key in any mapping: its path and line, and the line of the first. */
function duplicateKey(text: string): { path: FieldPath; line: number; first: number } | undefined {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: false, uniqueKeys: false });
  const walk = (node: unknown, at: FieldPath): { path: FieldPath; line: number; first: number } | undefined => {
    if (isMap(node)) {
      const seen = new Map<string, number>();
      for (const it of node.items) {
        if (!isScalar(it.key)) continue;
        const k = String(it.key.value);
        const line = lc.linePos(it.key.range?.[0] ?? 0).line;
        if (seen.has(k)) return { path: [...at, k], line, first: seen.get(k)! };
        seen.set(k, line);
        const deeper = walk(it.value, [...at, k]);
        if (deeper) return deeper;
      }
    } else if (isSeq(node)) {
      for (let i = 0; i < node.items.length; i++) {
        const deeper = walk(node.items[i], [...at, i]);
        if (deeper) return deeper;
      }
    }
    return undefined;
  };
  return walk(doc.contents, []);
}

function checkKinds(t: Topology, known: KnownKinds): void {
  const check = (what: keyof KnownKinds, kind: string | undefined, at: FieldPath) => {
    if (kind !== undefined && !known[what].includes(kind)) {
      throw new TopoError("TOPO_UNKNOWN_KIND", at, `unknown ${what} kind "${kind}"`, `known ${what} kinds: ${known[what].join(", ")}`);
    }
  };
  for (const h of t.hosts) check("node", h.kind, ["hosts", h.name, "kind"]);
  for (const s of t.switches) check("switch", s.kind, ["switches", s.name, "kind"]);
  t.links.forEach((l, i) => check("link", l.kind, ["links", i, "kind"]));
}

/**
 * Parse topology text; `file` is used for error messages and the default name.
 * With `known`, every `kind:` must be one of them.
 */
export function parseTopology(text: string, file = "<topology>", known?: KnownKinds): Topology {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: false });
  if (doc.errors.length) {
    const e = doc.errors[0];
    const line = lc.linePos(e.pos[0]).line;
    const dup = e.code === "DUPLICATE_KEY" ? duplicateKey(text) : undefined;
    if (dup) {
      throw new TopoError("TOPO_DUPLICATE_NAME", dup.path, `"${dup.path.at(-1)}" is defined twice (first on line ${dup.first})`, "every name in a section must be unique").at(file, dup.line);
    }
    throw new InputError("TOPO_YAML", `not valid YAML: ${e.message.split("\n")[0]}`, { file, line });
  }
  const data: unknown = doc.toJS();
  if (data === null || typeof data !== "object" || Array.isArray(data)) {
    throw new InputError("TOPO_SCHEMA", "a topology file is a YAML mapping with hosts:, switches: and links:", { file, line: 1 });
  }
  const parsed = topologySchema.safeParse(data);
  try {
    if (!parsed.success) throw schemaError(parsed.error);
    const raw = parsed.data;
    raw.name ??= path.basename(file).replace(/\.(ya?ml)$/i, "");
    const topo = resolveTopology(raw, file);
    if (known) checkKinds(topo, known);
    return topo;
  } catch (e) {
    if (e instanceof TopoError) throw e.at(file, lineOf(doc, lc, e.path));
    throw e;
  }
}

/** Read, validate and resolve a YAML topology file (and its kinds, given the known ones). */
export async function loadTopology(file: string, known?: KnownKinds): Promise<Topology> {
  return parseTopology(await readText(file), file, known);
}
