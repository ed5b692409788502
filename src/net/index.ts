export * from "./kinds.js";
export { Net, resolveNetns, type NetOptions, type NodeHandle, type IntfHandle } from "./net.js";
export { nodeKinds, linkKinds, switchKinds, nodeKind, linkKind, switchKind, knownKinds } from "./registry.js";
export { clean, cleanRecords, type CleanReport } from "./clean.js";
export { stateDir, listStates, readState, ownerAlive, ownerAliveOrDetached, DEFAULT_STATE_DIR, type NetState, type NetHeader } from "./state.js";
export { ipBatch, mapLimit, setSysctls, CONCURRENCY } from "./ip.js";
export { applyImpairments, tcCommands, qdiscsNeeded, LinkQdiscMissingError, type ImpairTarget, type TcStep } from "./impair.js";
export { describeNet, type NetDescription } from "./show.js";
export { startBarePair, type BarePair, type PairEnd } from "./bare-pair.js";
