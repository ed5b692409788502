/** Experiments: the experiment file, the plan, the local runner, and the results store (docs/experiment.md, docs/results.md). */
export { loadExperiment, parseExperiment, experimentSchema, KNOWN_VARIABLES, type Experiment, type LoopBlock, type Scalar } from "./file.js";
export { planRuns, runName, crossProduct, resolveParams, estimateRunSeconds, type PlannedRun, type RunParams } from "./plan.js";
export { runSeries, planStatus, checkExperiment, type SeriesOptions, type SeriesResult, type RunOutcome, type PlanStatus } from "./runner.js";
export { defaultDeps } from "./wiring.js";
export type { RunnerDeps, NetLike, NodeLike, LoadGenLike, TimestamperLike, CaptureResultLike, EvalParamsLike, TopologyLike } from "./deps.js";
export { openStore, ingestRuns, rebuildStore, runFolders, evalFiles, DB_FILE, type Store, type RunRow, type OpenStoreOptions } from "./store.js";
export { readRunRecord, writeRunRecord, runFolderState, moveAside, createRunFolder, RUN_JSON, type RunRecord, type RunStatus, type RunFolderState } from "./record.js";
export { parseInterrupts, parseSoftirqs, startIrqSampler, type IrqCounter, type IrqSampler, type IrqSamplerOptions } from "./irq.js";
export { hostFacts, versions, type HostFacts, type Versions } from "./host.js";
export { compressFile, type Compression } from "./compress.js";
