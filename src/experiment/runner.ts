/**
 * The local runner: one series of runs on this machine. Per run: network
 * up with the run's kinds, load generator (whose pause starts the
 * timestamper, as MoonGen's pause started MoonSniff), capture stopped after
 * a drain, network down (always), captures compressed, evaluated, recorded
 * in run.json and the results database. A failing run is recorded and the
 * series goes on; Ctrl-C tears the network down and marks the run aborted.
 */
import { promises as fsp } from "node:fs";
import * as path from "node:path";
import { AbortedError, HynetError, InputError, FileError, PrivilegeError } from "../errors.js";
import { logger } from "../events.js";
import type { Sys } from "../sys/context.js";
import { ensureDir, exists, writeFileAtomic } from "../sys/files.js";
import { formatLatency, formatShare, MISSING } from "../units/format.js";
import { compressFile } from "./compress.js";
import type { DepartureGaps } from "../evaluate/gaps.js";
import type { CaptureResultLike, NetLike, RunnerDeps, TopologyLike } from "./deps.js";
import { fidelityWarning, netOptions, recordSkippedRun, unrunnableError, unrunnableRuns } from "./runnable.js";
import type { Experiment } from "./file.js";
import { hostFacts, versions, type HostFacts, type Versions } from "./host.js";
import { startIrqSampler, type IrqSampler } from "./irq.js";
import { planRuns, type PlannedRun } from "./plan.js";
import { formatDuration, seriesProgress, type SeriesProgress } from "./progress.js";
import { createRunFolder, moveAside, runFolderState, writeRunRecord, type RunRecord, type RunStatus } from "./record.js";
import { ingestRuns, DB_FILE } from "./store.js";

export interface SeriesOptions {
  /** Results folder. */
  out: string;
  /** Skip runs that completed, redo the others (moving their folders aside). */
  resume?: boolean;
  /** Stop the series at the first failed run. */
  failFast?: boolean;
  /** Record runs this machine cannot run as skipped instead of refusing the series. */
  skipUnrunnable?: boolean;
  /** Name prefix for everything the network creates (namespaces, links), so series and tests never collide. */
  prefix?: string;
  signal?: AbortSignal;
  /** Run at most this many of the remaining runs (a dry run walks through the first). */
  limit?: number;
  /** The networks and taps are on this machine (default); a testbed runner has them elsewhere. */
  requireRoot?: boolean;
}

export interface RunOutcome {
  name: string;
  status: RunStatus | "skipped";
  error?: string;
  /** Seconds of everything but the warm-up pause and the measurement. */
  overhead?: number;
}

export interface SeriesResult {
  out: string;
  runs: RunOutcome[];
  ok: number;
  failed: number;
  aborted: number;
  skipped: number;
}

const ETA_GUESS_OVERHEAD_S = 3;

type CaptureSessionLike = { stop(): Promise<CaptureResultLike> };

function errorInfo(e: unknown, phase?: string): NonNullable<RunRecord["error"]> {
  if (e instanceof HynetError) return { code: e.code, message: e.message + (e.file ? ` (${e.file}${e.line ? `:${e.line}` : ""})` : ""), hint: e.hint, phase };
  const err = e as Error;
  return { code: "INTERNAL", message: err?.message ?? String(e), phase };
}

function splitEndpoint(spec: string): { host: string; intf: string } {
  const i = spec.indexOf(":");
  return { host: spec.slice(0, i), intf: spec.slice(i + 1) };
}

function resolveEndpoint(net: NetLike, spec: string): { iface: string; netns?: string } {
  const { host, intf } = splitEndpoint(spec);
  const node = net.get(host);
  const i = node.intf(intf);
  const netns = i.netns ?? node.netns;
  return netns ? { iface: i.ifname, netns } : { iface: i.ifname };
}

/** Phase stopwatch: seconds per phase, measured with the monotonic clock. */
function phaseClock(sys: Sys) {
  const t: Record<string, number> = {};
  const s = (ns: bigint) => Number(ns) / 1e9;
  return {
    timings: t,
    now: () => s(sys.monoNs()),
    async time<T>(phase: string, f: () => Promise<T>): Promise<T> {
      const a = sys.monoNs();
      try {
        return await f();
      } finally {
        t[phase] = (t[phase] ?? 0) + s(sys.monoNs() - a);
      }
    },
    add(phase: string, seconds: number) {
      t[phase] = (t[phase] ?? 0) + seconds;
    },
  };
}

function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}

interface SeriesContext {
  exp: Experiment;
  out: string;
  /** Loaded topologies by absolute path (all loaded before the first run, so a broken one stops nothing midway). */
  topos: Map<string, TopologyLike>;
  deps: RunnerDeps;
  sys: Sys;
  signal?: AbortSignal;
  prefix?: string;
  host: HostFacts;
  versions: Versions;
  progress: SeriesProgress;
}

function evaluationOf(exp: Experiment): RunRecord["evaluation"] {
  const e = exp.evaluation;
  return { bucket_size: e.bucket_size, trim_ms: e.trim_ms, num_worst: e.num_worst, strict_marker: e.strict_marker, formats: e.formats, flow_key: e.flow_key };
}

/** What the steps of one run share: the series, the record being filled, the clock, and the first failure. */
interface RunState {
  readonly ctx: SeriesContext;
  readonly run: PlannedRun;
  readonly runDir: string;
  readonly rec: RunRecord;
  readonly clock: PhaseClock;
  /** clock.now() when the run folder was made: `total` and `overhead` count from here. */
  readonly t0: number;
  phase: string;
  failure?: unknown;
  net?: NetLike;
  session?: CaptureSessionLike;
  captureStarting?: Promise<CaptureSessionLike>;
}

type PhaseClock = ReturnType<typeof phaseClock>;

function setPhase(st: RunState, ph: string): void {
  st.phase = ph;
  st.ctx.progress.phase(ph);
}

function isAborted(st: RunState): boolean {
  return st.ctx.signal?.aborted === true || st.failure instanceof AbortedError;
}

/** One run, start to end. Never throws for the run's own failures: they are in the returned record. */
async function executeRun(ctx: SeriesContext, run: PlannedRun): Promise<RunRecord> {
  const st = await openRun(ctx, run);
  const ticker = setInterval(() => ctx.progress.tick(), 1000);
  let sampler: IrqSampler | undefined;
  try {
    await bringNetUp(st);
    sampler = await startIrqSampler({ dir: path.join(st.runDir, "irq") }, ctx.sys);
    await sendTraffic(st);
  } catch (e) {
    st.failure = e;
  } finally {
    clearInterval(ticker);
    await stopCapture(st);
    if (sampler) await stopSampler(st, sampler);
  }
  // Tear the network down (always) while the captures are compressed and evaluated.
  const down = tearDown(st);
  await compressCaptures(st);
  if (!st.failure && !isAborted(st) && st.rec.captures) await evaluateCaptures(st);
  await down;
  return closeRun(st);
}

/** The run folder and its run.json saying `running`, before anything is made. */
async function openRun(ctx: SeriesContext, run: PlannedRun): Promise<RunState> {
  const { exp, sys } = ctx;
  const runDir = path.join(ctx.out, run.name);
  const p = run.params;
  await createRunFolder(runDir);
  const clock = phaseClock(sys);
  const t0 = clock.now();
  const rec: RunRecord = {
    name: run.name,
    index: run.index,
    variables: run.variables,
    params: p,
    status: "running",
    started_at: new Date(Number(sys.nowNs() / 1_000_000n)).toISOString(),
    timings: clock.timings,
    host: ctx.host,
    versions: ctx.versions,
    experiment: { file: exp.file, topology: p.topology, loadgen: exp.loadgen, timestamper: exp.timestamper },
    evaluation: evaluationOf(exp),
  };
  await writeRunRecord(runDir, rec);
  return { ctx, run, runDir, rec, clock, t0, phase: "net_up" };
}

async function bringNetUp(st: RunState): Promise<void> {
  const { ctx, run, clock } = st;
  const p = run.params;
  setPhase(st, "net_up");
  await clock.time("net_up", async () => {
    const n = ctx.deps.createNet(ctx.topos.get(p.topology)!, { host: p.node, link: p.link, switch: p.switch }, ctx.sys, netOptions(run, ctx.prefix));
    // A start that fails (or is interrupted) removes what it made itself; only a started net is ours to stop.
    await n.start(ctx.signal);
    st.net = n;
  });
  if (ctx.signal?.aborted) throw new AbortedError();
  st.rec.fidelity = st.net!.fidelity?.();
  const fidelityNote = st.rec.fidelity && fidelityWarning(st.rec.fidelity);
  if (fidelityNote) logger(ctx.sys.emit, "run").warn(`${run.name}: ${fidelityNote}`);
}

/**
 * Warm-up, pause, measured traffic, drain. The timestamper starts in the
 * pause (or before the traffic when there is no warm-up), and the measured
 * traffic waits for it.
 */
async function sendTraffic(st: RunState): Promise<void> {
  const { ctx, run, runDir, rec, clock } = st;
  const { exp, sys, signal } = ctx;
  const p = run.params;
  const liveNet = st.net!;
  const tx = resolveEndpoint(liveNet, exp.traffic.tx!);
  const pre = resolveEndpoint(liveNet, exp.traffic.pre!);
  const post = resolveEndpoint(liveNet, exp.traffic.post!);
  let captureStartedAt = 0;
  let pauseStartedAt = 0;
  let measureStartedAt = 0;
  const startCapture = () => {
    if (!st.captureStarting) {
      const a = clock.now();
      st.captureStarting = ctx.deps.timestampers[exp.timestamper]
        .start({ pre, post, outDir: runDir, name: run.name, snaplen: exp.capture.snaplen, realtime: exp.traffic.realtime }, sys)
        .then((s) => {
          captureStartedAt = clock.now();
          clock.add("capture_start", captureStartedAt - a);
          st.session = s;
          return s;
        });
      // Awaited after the load generator returns; until then a failure must not count as unhandled.
      st.captureStarting.catch(() => {});
    }
    return st.captureStarting;
  };
  if (p.warmUpTime <= 0) await startCapture();
  const lgStart = clock.now();
  let warmupAt = lgStart;
  const lg = await ctx.deps.loadgens[exp.loadgen].run(
    {
      iface: tx.iface,
      netns: tx.netns,
      rate: p.rate,
      burst: p.burst,
      flows: p.flows,
      size: p.size,
      durationS: p.measurementTime,
      warmUpS: p.warmUpTime,
      dstMac: exp.traffic.dst_mac,
      srcMac: exp.traffic.src_mac,
      realtime: exp.traffic.realtime,
      signal,
      onPhase: (ph) => {
        const now = clock.now();
        if (ph === "warmup") warmupAt = now;
        if (ph === "pause") {
          clock.add("warmup", now - warmupAt);
          pauseStartedAt = now;
          // The measured traffic waits for the timestamper (at least warm_up_time): a capture that starts
          // late on a busy machine would otherwise miss the first measured frames.
          return startCapture().then(() => undefined);
        }
        if (ph === "measure") {
          // A pause that waited longer for the timestamper than warm_up_time counts the wait as overhead.
          if (pauseStartedAt) clock.add("pause", Math.min(now - pauseStartedAt, p.warmUpTime));
          measureStartedAt = now;
        }
        if (ph === "done" && measureStartedAt) clock.add("measure", now - measureStartedAt);
        setPhase(st, ph === "done" ? "drain" : ph);
      },
    },
    sys,
  );
  rec.loadgen = { sent: lg.sent, warmup_sent: lg.warmup_sent, duration_ns: lg.duration_ns, achieved_pps: lg.achieved_pps, gap_ns: lg.gap_ns, late_bursts: lg.late_bursts };
  if (!measureStartedAt) clock.add("measure", clock.now() - lgStart);
  await startCapture();
  if (measureStartedAt && captureStartedAt > measureStartedAt) {
    logger(sys.emit, "run").warn(
      `${run.name}: the timestamper was ready ${(captureStartedAt - measureStartedAt).toFixed(2)} s after the measured traffic began: the first measured frames may be missing from the captures; raise warm_up_time`,
    );
  }
  if (signal?.aborted || lg.aborted) throw new AbortedError();
  setPhase(st, "drain");
  await clock.time("drain", () => sys.sleep(exp.capture.drain_ms, signal));
}

/** Stop the capture even after a failure: a partial capture is evidence worth keeping. */
async function stopCapture(st: RunState): Promise<void> {
  const { rec, runDir } = st;
  if (st.captureStarting && !st.session) await st.captureStarting.catch((e: unknown) => void (st.failure ??= e));
  const s = st.session;
  if (!s) return;
  setPhase(st, "capture_stop");
  await st.clock
    .time("capture_stop", async () => {
      const c = await s.stop();
      rec.captures = { pre: path.relative(runDir, c.pre), post: path.relative(runDir, c.post), stats: c.stats ? path.relative(runDir, c.stats) : undefined, compression: "none" };
      rec.capture = { pre_frames: c.pre_frames, post_frames: c.post_frames, pre_dropped: c.pre_dropped, post_dropped: c.post_dropped, timestamping: c.timestamping };
    })
    .catch((e: unknown) => void (st.failure ??= e));
}

async function stopSampler(st: RunState, sampler: IrqSampler): Promise<void> {
  await sampler.stop().then(
    (n) => void (st.rec.irq = { samples: n }),
    (e: unknown) => logger(st.ctx.sys.emit, "run").warn(`${st.run.name}: IRQ sampling failed: ${(e as Error).message}`),
  );
}

async function tearDown(st: RunState): Promise<void> {
  const n = st.net;
  if (!n) return;
  setPhase(st, "net_down");
  await st.clock.time("net_down", () => n.stop()).catch((e: unknown) => void (st.failure ??= e));
}

async function compressCaptures(st: RunState): Promise<void> {
  const { rec, runDir, ctx } = st;
  const c = rec.captures;
  if (!c || st.failure) return;
  const { compression, level } = ctx.exp.capture;
  await st.clock
    .time("compress", async () => {
      const [a, b] = await Promise.all([c.pre, c.post].map((f) => compressFile(path.join(runDir, f), compression, level, ctx.sys)));
      rec.captures = { ...c, pre: path.relative(runDir, a), post: path.relative(runDir, b), compression };
    })
    .catch((e: unknown) => void (st.failure ??= e));
}

async function evaluateCaptures(st: RunState): Promise<void> {
  const { rec, runDir, ctx } = st;
  const c = rec.captures!;
  setPhase(st, "evaluate");
  try {
    await st.clock.time("evaluate", async () => {
      const evalDir = path.join(runDir, "eval");
      await ensureDir(evalDir);
      const e = ctx.exp.evaluation;
      await ctx.deps.evaluatePair(
        path.join(runDir, c.pre),
        path.join(runDir, c.post),
        evalDir,
        { bucketSize: e.bucket_size, trimMs: e.trim_ms, numWorst: e.num_worst, strictMarker: e.strict_marker, formats: e.formats, flowKey: e.flow_key, calibration: e.calibration },
        ctx.sys,
        ctx.signal,
      );
      const summary = path.join("eval", `${path.basename(c.pre)}.summary.json`);
      if (await exists(path.join(runDir, summary))) {
        rec.eval_summary = summary;
        // From the file, not the return value: a testbed evaluates on another machine and copies the folder back.
        const gaps = (JSON.parse(await fsp.readFile(path.join(runDir, summary), "utf8")) as { departure_gaps?: DepartureGaps }).departure_gaps;
        if (gaps) rec.departure_gaps = gaps;
      }
    });
  } catch (e) {
    st.failure = e;
  }
}

/** The status, the error, the timings, and run.json written for the last time. */
async function closeRun(st: RunState): Promise<RunRecord> {
  const { rec, clock } = st;
  const aborted = isAborted(st);
  rec.status = aborted ? "aborted" : st.failure ? "failed" : "ok";
  if (aborted) rec.error = { code: "ABORTED", message: "interrupted (Ctrl-C or SIGTERM); the network was torn down", phase: st.phase };
  else if (st.failure) rec.error = errorInfo(st.failure, st.phase);
  const total = clock.now() - st.t0;
  clock.add("total", total);
  const nominal = (clock.timings.pause ?? 0) + (clock.timings.measure ?? 0);
  clock.timings.overhead = total - nominal;
  for (const k of Object.keys(clock.timings)) clock.timings[k] = round3(clock.timings[k]);
  rec.finished_at = new Date(Number(st.ctx.sys.nowNs() / 1_000_000n)).toISOString();
  await clock.time("store", () => writeRunRecord(st.runDir, rec));
  return rec;
}

async function summaryLine(runDir: string, rec: RunRecord): Promise<string> {
  if (rec.status !== "ok" || !rec.eval_summary) return rec.error ? `${rec.error.code}: ${rec.error.message}` : "";
  try {
    const s = JSON.parse(await fsp.readFile(path.join(runDir, rec.eval_summary), "utf8")) as {
      pre_records?: number;
      lost?: number;
      latency_ns?: { p50?: number; p999?: number; max?: number };
    };
    const loss = s.pre_records ? formatShare((s.lost ?? 0) / s.pre_records) : MISSING;
    return `loss ${loss}, p50 ${formatLatency(s.latency_ns?.p50)}, p99.9 ${formatLatency(s.latency_ns?.p999)}, max ${formatLatency(s.latency_ns?.max)}`;
  } catch {
    return "";
  }
}

/** Reject names of kinds, generators and timestampers that do not exist, and missing traffic endpoints, before anything runs. */
/**
 * With `unknownLoopKind`, a loop's node or link kind that this hynet does not
 * have is passed to it (once per value) instead of thrown: `hynet plan` still
 * lists a series written for kinds that another machine or build has.
 */
export function checkExperiment(exp: Experiment, runs: PlannedRun[], deps: RunnerDeps, unknownLoopKind?: (e: InputError) => void): void {
  const bad = (field: (string | number)[], what: string, value: string, known: string[]) =>
    new InputError("EXPERIMENT_UNKNOWN_KIND", `\`${field.filter((k) => typeof k === "string").join(".")}\`: unknown ${what} "${value}"`, { file: exp.file, line: exp.lineOf?.(field), hint: `known: ${known.join(", ")}` });
  // A kind comes from a loop block if one lists it, else from globals.
  const where = (key: "node" | "link", value: string): (string | number)[] => {
    for (let b = 0; b < exp.loops.length; b++) {
      const i = exp.loops[b][key]?.indexOf(value) ?? -1;
      if (i >= 0) return ["loop", b, key, i];
    }
    return ["globals", key];
  };
  const nodes = deps.nodeKinds();
  const links = deps.linkKinds();
  const reported = new Set<string>();
  const unknown = (key: "node" | "link", value: string, known: string[]) => {
    const e = bad(where(key, value), `${key} kind`, value, known);
    if (!unknownLoopKind) throw e;
    if (!reported.has(`${key}=${value}`)) unknownLoopKind(e);
    reported.add(`${key}=${value}`);
  };
  for (const r of runs) {
    if (!nodes.includes(r.params.node)) unknown("node", r.params.node, nodes);
    if (!links.includes(r.params.link)) unknown("link", r.params.link, links);
  }
  const switches = deps.switchKinds();
  if (!switches.includes(exp.globals.switch)) throw bad(["globals", "switch"], "switch kind", exp.globals.switch, switches);
  if (!deps.loadgens[exp.loadgen]) throw bad(["loadgen"], "loadgen", exp.loadgen, Object.keys(deps.loadgens));
  if (!deps.timestampers[exp.timestamper]) throw bad(["timestamper"], "timestamper", exp.timestamper, Object.keys(deps.timestampers));
  for (const k of ["tx", "pre", "post"] as const) {
    if (!exp.traffic[k]) {
      throw new InputError("EXPERIMENT_INVALID", `field \`traffic.${k}\` is required (host:interface of the topology)`, { file: exp.file, line: exp.lineOf?.(["traffic"]), hint: "see docs/experiment.md" });
    }
  }
}

/**
 * Everything about a series that can be checked before the first run, for
 * `hynet run` and `hynet plan` alike: the experiment's kinds, every topology
 * file it uses (with their kinds) and the traffic endpoints in them.
 */
export async function checkSeries(exp: Experiment, runs: PlannedRun[], deps: RunnerDeps, unknownLoopKind?: (e: InputError) => void): Promise<Map<string, TopologyLike>> {
  checkExperiment(exp, runs, deps, unknownLoopKind);
  const topos = new Map<string, TopologyLike>();
  for (const f of new Set(runs.map((r) => r.params.topology))) {
    const topo = await deps.loadTopology(f);
    checkEndpoints(exp, f, deps.interfacesOf(topo));
    topos.set(f, topo);
  }
  return topos;
}

/** `traffic.tx/pre/post` must name an interface of a host of the topology: checked before the first run, not in each. */
export function checkEndpoints(exp: Experiment, topologyFile: string, intfs: Record<string, string[]>): void {
  for (const k of ["tx", "pre", "post"] as const) {
    const { host, intf } = splitEndpoint(exp.traffic[k]!);
    const have = intfs[host];
    if (!have) {
      throw new InputError("EXPERIMENT_BAD_ENDPOINT", `\`traffic.${k}\`: the topology ${path.basename(topologyFile)} has no host "${host}"`, {
        file: exp.file,
        line: exp.lineOf?.(["traffic", k]),
        hint: `hosts: ${Object.keys(intfs).join(", ")}`,
      });
    }
    if (!have.includes(intf)) {
      throw new InputError("EXPERIMENT_BAD_ENDPOINT", `\`traffic.${k}\`: host ${host} of ${path.basename(topologyFile)} has no interface "${intf}"`, {
        file: exp.file,
        line: exp.lineOf?.(["traffic", k]),
        hint: `${host}'s interfaces: ${have.join(", ") || "none"}`,
      });
    }
  }
}

export interface PlanStatus {
  run: PlannedRun;
  state: "new" | "complete" | "incomplete";
}

/** The plan with what is already on disk in `out`. */
export async function planStatus(exp: Experiment, out: string | undefined): Promise<PlanStatus[]> {
  const runs = planRuns(exp);
  return Promise.all(runs.map(async (run) => ({ run, state: out ? await runFolderState(path.join(out, run.name)) : ("new" as const) })));
}

async function copyOnce(src: string, dest: string): Promise<void> {
  if (await exists(dest)) return;
  try {
    await writeFileAtomic(dest, await fsp.readFile(src));
  } catch {
    // provenance copies are a convenience; the run records name the originals
  }
}

/** Run a whole series. Returns what happened to each run; throws only for problems before the first run. */
export async function runSeries(exp: Experiment, o: SeriesOptions, sys: Sys, deps: RunnerDeps): Promise<SeriesResult> {
  const log = logger(sys.emit, "run");
  const out = path.resolve(o.out);
  const statuses = await planStatus(exp, out);
  const runs = statuses.map((s) => s.run);
  const topos = await checkSeries(exp, runs, deps);
  if (!o.resume) {
    const existing = statuses.filter((s) => s.state !== "new");
    if (existing.length) {
      throw new FileError("RESULTS_EXIST", `${existing.length} of the ${runs.length} run folders already exist (e.g. ${existing[0].run.name}); hynet never overwrites a result`, {
        file: out,
        hint: "add --resume to skip completed runs and redo the others, or choose another --out folder",
      });
    }
  }
  if (o.requireRoot !== false && !sys.isRoot()) {
    throw new PrivilegeError("`hynet run` creates network namespaces and sends raw frames");
  }
  const cannot = await unrunnableRuns(exp, statuses.filter((s) => s.state !== "complete").map((s) => s.run), deps, sys, topos);
  if (cannot.size && !o.skipUnrunnable) throw unrunnableError(exp, runs.length, cannot);
  await ensureDir(out);
  await writeFileAtomic(
    path.join(out, "plan.json"),
    JSON.stringify({ experiment: exp.file, topology: exp.topology, runs: runs.map((r) => ({ index: r.index, name: r.name, variables: r.variables, params: r.params })) }, null, 2) + "\n",
  );
  await copyOnce(exp.file, path.join(out, "experiment.yaml"));

  const result: SeriesResult = { out, runs: [], ok: 0, failed: 0, aborted: 0, skipped: 0 };
  const complete = statuses.filter((s) => s.state === "complete");
  if (complete.length) {
    // Their rows may be missing if hynet died between run.json and the database: load them again (cheap, idempotent).
    await ingestRuns(out, complete.map((s) => path.join(out, s.run.name)), sys);
    for (const s of complete) {
      result.runs.push({ name: s.run.name, status: "skipped" });
      result.skipped++;
    }
    log.info(`resuming: ${complete.length} of ${runs.length} runs already complete`);
  }
  const todo = statuses.filter((s) => s.state !== "complete" && !cannot.has(s.run.name)).slice(0, o.limit);
  const [host, vers] = await Promise.all([hostFacts(), versions(sys)]);
  for (const { run } of statuses.filter((s) => cannot.has(s.run.name))) {
    const why = cannot.get(run.name)!;
    const experiment = { file: exp.file, topology: run.params.topology, loadgen: exp.loadgen, timestamper: exp.timestamper };
    await recordSkippedRun(path.join(out, run.name), { name: run.name, index: run.index, variables: run.variables, params: run.params, host, versions: vers, experiment, evaluation: evaluationOf(exp) }, why, sys);
    await ingestRuns(out, [path.join(out, run.name)], sys);
    result.runs.push({ name: run.name, status: "skipped", error: why });
    result.skipped++;
    log.warn(`${run.name}: skipped — ${why}`);
  }
  const progress = seriesProgress(sys.emit, () => Number(sys.monoNs()) / 1e9, ETA_GUESS_OVERHEAD_S);
  const ctx: SeriesContext = { exp, out, topos, deps, sys, signal: o.signal, prefix: o.prefix, host, versions: vers, progress };

  for (let i = 0; i < todo.length; i++) {
    if (o.signal?.aborted) break;
    const { run, state } = todo[i];
    const runDir = path.join(out, run.name);
    if (state === "incomplete") {
      const dest = await moveAside(runDir);
      log.info(`${run.name}: incomplete earlier attempt moved to ${path.basename(dest)}`);
    }
    const remaining = todo.slice(i + 1).map((s) => s.run.params.warmUpTime + s.run.params.measurementTime);
    progress.run(i + 1, todo.length, run.name, run.params.warmUpTime + run.params.measurementTime, remaining);
    const rec = await executeRun(ctx, run);
    try {
      await ingestRuns(out, [runDir], sys);
    } catch (e) {
      log.warn(`${run.name}: could not record the run in ${DB_FILE} (${(e as Error).message}); its folder is complete: \`hynet results ${out} --rebuild\` loads it later`);
    }
    const overhead = rec.timings.overhead;
    progress.finished(overhead);
    const outcome: RunOutcome = { name: run.name, status: rec.status, overhead, error: rec.error?.message };
    result.runs.push(outcome);
    if (rec.status === "ok") result.ok++;
    else if (rec.status === "aborted") result.aborted++;
    else result.failed++;
    const detail = await summaryLine(runDir, rec);
    sys.emit({
      type: "result",
      scope: "run",
      kind: "run.result",
      line: `run ${i + 1}/${todo.length} ${run.name}: ${rec.status}${detail ? ` — ${detail}` : ""}; overhead ${overhead.toFixed(2)} s (total ${formatDuration(rec.timings.total)})`,
      data: { name: run.name, status: rec.status, error: rec.error, timings: rec.timings, run_dir: runDir },
    });
    if (rec.status === "aborted") break;
    if (rec.status === "failed" && o.failFast) {
      log.warn(`stopping the series after the failed run (--fail-fast)`);
      break;
    }
  }
  const overheads = result.runs.flatMap((r) => (r.overhead !== undefined && r.status !== "aborted" ? [r.overhead] : []));
  const meanOverhead = overheads.length ? overheads.reduce((a, b) => a + b, 0) / overheads.length : undefined;
  const notRun = runs.length - result.runs.length;
  sys.emit({
    type: "result",
    scope: "run",
    kind: "series.summary",
    line:
      `${runs.length} runs: ${result.ok} ok, ${result.failed} failed, ${result.aborted} aborted, ${result.skipped} skipped${notRun ? `, ${notRun} not run` : ""}` +
      `${meanOverhead !== undefined ? `; mean overhead per run ${meanOverhead.toFixed(2)} s` : ""}; results in ${out} (\`hynet results ${out}\`)`,
    data: { ...result, mean_overhead_s: meanOverhead, not_run: notRun },
  });
  return result;
}
