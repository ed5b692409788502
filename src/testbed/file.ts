/**
 * The testbed file: which machines exist, how to reach them over SSH, and
 * which role (loadgen, dut, timestamper, evaluator) each plays, with the
 * role's interfaces or DPDK ports, tool paths and remote work folder. The
 * experiment file stays the same whether it runs locally or on a testbed.
 */
import * as os from "node:os";
import * as path from "node:path";
import { LineCounter, parseDocument } from "yaml";
import { z } from "zod";
import { InputError } from "../errors.js";
import { fieldName, lineOf } from "../experiment/file.js";
import { readText } from "../sys/files.js";
import type { SshTarget } from "../sys/ssh.js";

export const ROLES = ["loadgen", "dut", "timestamper", "evaluator"] as const;
export type Role = (typeof ROLES)[number];

/** The machine name that means "this machine, without SSH". */
export const LOCAL = "local";

const word = z.string().min(1);
/** An interface name or a DPDK port id (MoonGen/MoonSniff take port numbers). */
const port = z.union([z.string().regex(/^[^\s/:]{1,15}$/, "an interface name (1–15 characters, no '/', ':' or spaces) or a DPDK port id"), z.number().int().nonnegative().transform(String)]);

const machineSchema = z.strictObject({
  address: word,
  port: z.number().int().min(1).max(65535).default(22),
  user: word.default("root"),
  /** Private key file; without it OpenSSH's own defaults and agent apply. */
  identity: word.optional(),
  /** strict: the host key must be in known_hosts; accept-new: learn it on first contact; off: do not check (lab only). */
  known_hosts: z.enum(["strict", "accept-new", "off"]).default("strict"),
  known_hosts_file: word.optional(),
  /** Seconds to connect, and between keep-alives before a machine counts as gone. */
  connect_timeout: z.number().int().positive().default(5),
});

const common = {
  machine: word,
  /** Folder on the machine for captures in flight, topology copies and pid files. */
  work_dir: word.default("/tmp/hynet-testbed"),
  /** How to start hynet there (shell words), e.g. `hynet` or `node /opt/hynet/bin/hynet.js`. */
  hynet: word.default("hynet"),
  /** Prefix commands with `sudo -n` (the login user is not root). */
  sudo: z.boolean().default(false),
};

const roleSchemas = {
  loadgen: z.strictObject({
    ...common,
    /** Sending port: an interface (built-in generator) or a DPDK port id (moongen). Default: the experiment's `traffic.tx` on the DuT, which only a machine sharing the DuT's kernel can reach (the namespace testbed). */
    tx: port.optional(),
    /** Receiving port (MoonGen counts what comes back on it). */
    rx: port.optional(),
    /** Load generator kind on this testbed (e.g. moongen); default: the experiment's `loadgen`. */
    kind: word.optional(),
    /** MoonGen's binary there. */
    moongen: word.default("MoonGen"),
  }),
  dut: z.strictObject({ ...common }),
  timestamper: z.strictObject({
    ...common,
    /** Timestamper kind on this testbed (e.g. moonsniff); default: the experiment's `timestamper`. */
    kind: word.optional(),
    pre: port.optional(),
    post: port.optional(),
    moongen: word.default("MoonGen"),
    /** MoonSniff's sniffer script there. */
    moonsniff: word.default("examples/moonsniff/sniffer.lua"),
    /** Free disk the captures need in work_dir, GB (checked in the preflight). */
    min_free_gb: z.number().nonnegative().default(20),
  }),
  evaluator: z.strictObject({ ...common }),
};

const testbedSchema = z.strictObject({
  description: z.string().optional(),
  machines: z.record(z.string().regex(/^[A-Za-z][A-Za-z0-9_-]*$/, "machine names are words (letters, digits, '_', '-')"), machineSchema).default({}),
  roles: z.strictObject({
    loadgen: roleSchemas.loadgen,
    dut: roleSchemas.dut,
    timestamper: roleSchemas.timestamper,
    evaluator: roleSchemas.evaluator.prefault({ machine: LOCAL }),
  }),
});

export type TestbedData = z.output<typeof testbedSchema>;
export type RoleSettings = { [R in Role]: TestbedData["roles"][R] };

export interface Testbed {
  file: string;
  description?: string;
  roles: RoleSettings;
  /** The SSH target of each role's machine. */
  targets: Record<Role, SshTarget>;
}

function expandHome(p: string, dir: string): string {
  if (p.startsWith("~/")) return path.join(os.homedir(), p.slice(2));
  return path.resolve(dir, p);
}

export function parseTestbed(text: string, file: string): Testbed {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length) {
    const e = doc.errors[0];
    throw new InputError("TESTBED_YAML", `not valid YAML: ${e.message.split("\n")[0]}`, { file, line: lc.linePos(e.pos[0]).line });
  }
  const r = testbedSchema.safeParse(doc.toJS());
  if (!r.success) {
    const issue = r.error.issues[0];
    const field = fieldName(issue.path);
    let message = issue.message;
    if (issue.code === "unrecognized_keys") message = `unknown field${issue.keys.length > 1 ? "s" : ""} ${issue.keys.map((k) => `\`${k}\``).join(", ")}`;
    if (issue.code === "invalid_type" && /received undefined/.test(issue.message)) message = "is required";
    throw new InputError("TESTBED_INVALID", `${field ? `field \`${field}\`: ` : ""}${message}`, {
      file,
      line: lineOf(doc, lc, issue.code === "unrecognized_keys" ? [...issue.path, issue.keys[0]] : issue.path),
      hint: "see docs/testbed.md",
    });
  }
  const d = r.data;
  const dir = path.dirname(path.resolve(file));
  const targets = {} as Record<Role, SshTarget>;
  for (const role of ROLES) {
    const name = d.roles[role].machine;
    if (name === LOCAL) {
      targets[role] = { name: LOCAL, local: true };
      continue;
    }
    const m = d.machines[name];
    if (!m) {
      throw new InputError("TESTBED_UNKNOWN_MACHINE", `field \`roles.${role}.machine\`: no machine "${name}" under \`machines\``, {
        file,
        line: lineOf(doc, lc, ["roles", role, "machine"]),
        hint: `machines: ${[...Object.keys(d.machines), LOCAL].join(", ")}`,
      });
    }
    targets[role] = {
      name,
      local: false,
      address: m.address,
      port: m.port,
      user: m.user,
      identity: m.identity ? expandHome(m.identity, dir) : undefined,
      knownHosts: m.known_hosts,
      knownHostsFile: m.known_hosts_file ? expandHome(m.known_hosts_file, dir) : undefined,
      connectTimeoutS: m.connect_timeout,
    };
  }
  return { file: path.resolve(file), description: d.description, roles: d.roles, targets };
}

export async function loadTestbed(file: string): Promise<Testbed> {
  return parseTestbed(await readText(file), file);
}

/** The argv that starts hynet on a role's machine (with sudo when the login user is not root). */
export function hynetArgv(s: { hynet: string; sudo: boolean }): string[] {
  return [...(s.sudo ? ["sudo", "-n"] : []), ...s.hynet.split(/\s+/).filter(Boolean)];
}
