/**
 * Reading a topology file: YAML (with positions kept) → schema → resolved
 * model. Every error names the file, the line and the field.
 */
import * as path from "node:path";
import { LineCounter, parseDocument, isMap, isNode, isScalar, type Document } from "yaml";
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
    return new TopoError("TOPO_SCHEMA", p, "expected a node name or { node, ifname, addrs, mac, mtu }");
  }
  return new TopoError("TOPO_SCHEMA", p, issue.message.replace(/^Invalid input: /, ""));
}

/** Parse topology text; `file` is used for error messages and the default name. */
export function parseTopology(text: string, file = "<topology>"): Topology {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: false });
  if (doc.errors.length) {
    const e = doc.errors[0];
    const line = lc.linePos(e.pos[0]).line;
    if (e.code === "DUPLICATE_KEY") throw new InputError("TOPO_DUPLICATE_NAME", `a name is defined twice in the same section: ${e.message.split("\n")[0]}`, { file, line });
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
    return resolveTopology(raw, file);
  } catch (e) {
    if (e instanceof TopoError) throw e.at(file, lineOf(doc, lc, e.path));
    throw e;
  }
}

/** Read, validate and resolve a YAML topology file. */
export async function loadTopology(file: string): Promise<Topology> {
  return parseTopology(await readText(file), file);
}
