/**
 * The YAML topology format as a zod schema. Field names are snake_case as
 * in the file; the schema turns them into the raw model resolve.ts checks.
 * Unknown fields are errors (a typo must not silently drop a route).
 */
import { z } from "zod";
import type { RawTopology } from "./resolve.js";
import { linkParamsSchema } from "./impair.js";

const str = z.string();
const sysctls = z.record(str, z.union([str, z.number()]));
const addrs = z.union([str, z.array(str)]).transform((v) => (Array.isArray(v) ? v : [v]));
const mtu = z.number().int();

const end = z.union([
  str.transform((node) => ({ node })),
  z.strictObject({ node: str, ifname: str.optional(), addrs: addrs.optional(), mac: str.optional(), mtu: mtu.optional() }),
]);

const route = z.strictObject({ dst: str, via: str.optional(), dev: str.optional(), metric: z.number().int().optional() });
const neighbor = z.strictObject({ ip: str, mac: str, dev: str.optional() });
const external = z.strictObject({ dev: str, ifname: str.optional(), addrs: addrs.optional(), mac: str.optional(), mtu: mtu.optional() });

/**
 * What a node kind reads from a host's `params:` (today the VM kinds, docs/vm.md). Strict, so a
 * misspelt key is an error rather than a no-op; a kind that takes more adds its keys here.
 */
const hostParams = z.strictObject({
  machine: z.enum(["microvm", "pc", "q35"]).optional(),
  kernel: str.optional(),
  initrd: str.optional(),
  rootfs: str.optional(),
  rootfs_format: z.enum(["raw", "qcow2"]).optional(),
  boot_timeout: z.number().positive().optional(),
});

const host = z
  .strictObject({
    role: z.enum(["host", "loadgen"]).optional(),
    kind: str.optional(),
    cpus: z.number().int().positive().optional(),
    cpu_pin: z.array(z.number().int().nonnegative()).optional(),
    memory: z.union([str, z.number().int().positive()]).transform(String).optional(),
    cmdline: str.optional(),
    params: hostParams.optional(),
    sysctls: sysctls.optional(),
    routes: z.array(route).optional(),
    neighbors: z.array(neighbor).optional(),
    interfaces: z.array(external).optional(),
  })
  .nullable();

// No switch kind takes params yet (a bridge has none): any key is an error, not a no-op.
const sw = z.strictObject({ kind: str.optional(), params: z.strictObject({}).optional() }).nullable();
// A link's params are its impairments (src/topo/impair.ts): a strict schema, so a misspelt key is an error, not a no-op.
const link = z.strictObject({ a: end, b: end, kind: str.optional(), params: linkParamsSchema.optional() });

export const topologySchema = z
  .strictObject({
    name: str.optional(),
    description: str.optional(),
    defaults: z.strictObject({ sysctls: sysctls.optional() }).optional(),
    hosts: z.record(str, host),
    switches: z.record(str, sw).nullable().optional(),
    links: z.array(link).nullable().optional(),
  })
  .transform(
    (t): RawTopology => ({
      name: t.name,
      defaults: t.defaults,
      hosts: Object.entries(t.hosts).map(([n, h]) => [
        n,
        h === null
          ? {}
          : {
              role: h.role,
              kind: h.kind,
              cpus: h.cpus,
              cpuPin: h.cpu_pin,
              memory: h.memory,
              cmdline: h.cmdline,
              extra: h.params,
              sysctls: h.sysctls,
              routes: h.routes,
              neighbors: h.neighbors,
              interfaces: h.interfaces,
            },
      ]),
      switches: Object.entries(t.switches ?? {}).map(([n, s]) => [n, s ?? {}]),
      links: (t.links ?? []).map(({ params, ...l }) => ({ ...l, ...(params ? { impair: params } : {}) })),
    }),
  );
