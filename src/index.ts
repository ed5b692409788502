/** hynet's library API. */
export * from "./errors.js";
export * from "./events.js";
export * from "./sys/index.js";
export { runGate, parseBudgets, gateSchema, loadGateSection, GateError, type GateOptions, type GateResult, type GateBudgets, type GateSection, type CheckResult, type Verdict, type BudgetFlags } from "./gate/index.js";
export type { LoadGenerator, LoadGenOptions, LoadGenResult, LoadGenPhase, GapSummary } from "./traffic/loadgen.js";
export { loadgens } from "./traffic/registry.js";
export type { Timestamper, TimestamperOptions, CaptureSession, CaptureResult, TapEndpoint } from "./capture/timestamper.js";
export { timestampers } from "./capture/registry.js";
export { calibrate, type CalibrationOptions, type CalibrationResult } from "./capture/calibration.js";
export { readFrames, detectCompression, type FrameVisitor, type CaptureInfo, type ReadOptions } from "./evaluate/readers/index.js";
export { evaluatePair, evaluateMany, postPathFor, outputNames, checkParams, DEFAULT_PARAMS, TABLE_FORMATS, DEFAULT_FLOW_KEY, FLOW_FIELDS, PERCENTILE_LEVELS, SKIP_REASONS, loadCalibration, type EvalParams, type EvalSummary, type FlowSummary, type LatencySummary, type SequenceCounters, type CaptureSummary, type TableFormat, type OutputNames, type FlowField, type SkipReason, type Calibration } from "./evaluate/index.js";
export { createCaptureWriter, type CaptureWriter, type CaptureWriterOptions } from "./pcap/writer.js";
export { synthesize, synthFileNames, type SynthOptions, type SynthResult, type LatencyModel } from "./traffic/synth.js";
export * from "./topo/index.js";
export { Net, resolveNetns, clean, cleanRecords, describeNet, stateDir, listStates, nodeKinds, linkKinds, switchKinds, nodeKind, linkKind, switchKind, DEFAULT_KINDS, DEFAULT_STATE_DIR } from "./net/index.js";
export type { NetOptions, NodeHandle, IntfHandle, CleanReport, NetDescription, NetState, Kinds, NodeKind, LinkKind, SwitchKind, NetContext, NodePlan, SwitchPlan, LinkPlan, IntfPlan, Endpoint as LinkEndpoint, Resource, NodeInfo, CmdOptions, CmdResult } from "./net/index.js";
export * from "./experiment/index.js";
export { writeReport, type ReportOptions, type ReportResult } from "./report/index.js";
