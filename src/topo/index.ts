export * from "./model.js";
export { Topo, type HostOptions, type SwitchOptions, type LinkOptions } from "./topo.js";
export { loadTopology, parseTopology, type KnownKinds } from "./load.js";
export { resolveTopology, TopoError, formatPath, type FieldPath, type RawTopology } from "./resolve.js";
export * from "./impair.js";
export * from "./link-impairments.js";
export { parseCidr, inSubnet, isUnicastMac, type Cidr } from "./addr.js";
