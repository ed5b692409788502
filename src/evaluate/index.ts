/** The evaluator's public API: captures in, the paper's latency numbers out (docs/evaluate.md). */
export { evaluatePair } from "./pair.js";
export { evaluateMany } from "./many.js";
export { postPathFor, checkParams, DEFAULT_PARAMS, TABLE_FORMATS, type EvalParams, type TableFormat } from "./params.js";
export { outputNames, outputPatterns, type OutputNames, type OutputKind } from "./files.js";
export type { EvalSummary, FlowSummary, SequenceCounters, CaptureSummary } from "./summary.js";
export type { LatencySummary } from "./latency.js";
export { DEFAULT_FLOW_KEY, FLOW_FIELDS, type FlowField } from "./flows.js";
export { PERCENTILE_LEVELS } from "./percentiles.js";
export { SKIP_REASONS, type SkipReason } from "./records.js";
export { loadCalibration, type Calibration } from "./calibration.js";
export { readFrames, type CaptureInfo, type FrameVisitor } from "./readers/index.js";
