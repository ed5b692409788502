/**
 * The runner's dependencies bound to a testbed: the same `runSeries` and
 * `executeRun` as locally (so run folders, run.json and results.duckdb are
 * written by the same code), with the network brought up by hynet on the
 * DuT, the load generator and the timestamper started by hynet on their
 * machines, captures compressed where they were taken and copied into the
 * local run folder, and the evaluation done on the evaluator.
 *
 * Per run the order is the seed's: DuT up (barrier: `hynet up` returned),
 * load generator's warm-up, its pause starts the timestamper (barrier: the
 * capture reported itself ready), measured traffic, stop, DuT down.
 */
import * as path from "node:path";
import { AbortedError, SystemError } from "../errors.js";
import type { Experiment } from "../experiment/file.js";
import { planRuns } from "../experiment/plan.js";
import type { EvalParamsLike, LoadGenLike, NetLike, RunnerDeps, TimestamperLike, TopologyLike } from "../experiment/deps.js";
import type { Sys } from "../sys/context.js";
import { Remote, shq, type RemoteProcess } from "../sys/ssh.js";
import type { CaptureResult, CaptureSession, TapEndpoint, TimestamperOptions } from "../capture/timestamper.js";
import { captureFileNames } from "../capture/timestamper.js";
import type { LoadGenOptions, LoadGenResult } from "../traffic/loadgen.js";
import { hynetArgv, ROLES, type Role, type Testbed } from "./file.js";

/** One connection per role's machine, and the series' folder on each. */
export interface TestbedSession {
  tb: Testbed;
  remotes: Record<Role, Remote>;
  /** Names this series' folders on the machines. */
  seriesId: string;
  close(): Promise<void>;
}

export function openTestbed(tb: Testbed, sys: Sys, seriesId: string, o: { tidy?: boolean } = {}): TestbedSession {
  const byMachine = new Map<string, Remote>();
  const remotes = {} as Record<Role, Remote>;
  for (const role of ROLES) {
    const t = tb.targets[role];
    const key = `${t.name}\0${tb.roles[role].work_dir}`;
    let r = byMachine.get(key);
    if (!r) byMachine.set(key, (r = new Remote(sys, t, tb.roles[role].work_dir)));
    remotes[role] = r;
  }
  // The series' folders go at the end; one that still holds captures (a failed copy) stays, rmdir refuses it.
  const tidy = (r: Remote) => r.sh(`rm -f ${shq(`${r.workDir}/${seriesId}`)}/topology-*; rmdir ${shq(`${r.workDir}/${seriesId}`)} 2>/dev/null; true`, { timeoutMs: 15_000 }).catch(() => undefined);
  return { tb, remotes, seriesId, close: async () => void (await Promise.all([...byMachine.values()].map(async (r) => (o.tidy !== false && (await tidy(r)), await r.close())))) };
}

/** Waits on remote programs: long enough for a slow machine, short enough that a hang is noticed. */
const COMMAND_TIMEOUT_MS = 120_000;
const READY_TIMEOUT_MS = 60_000;

interface JsonEvent {
  type: string;
  kind?: string;
  scope?: string;
  level?: string;
  message?: string;
  data?: unknown;
}

function parseEvent(line: string): JsonEvent | undefined {
  try {
    const e = JSON.parse(line) as JsonEvent;
    return e && typeof e === "object" ? e : undefined;
  } catch {
    return undefined;
  }
}

/** The remote program's last words, for the run record. */
function remoteFailure(what: string, machine: string, code: number, proc: RemoteProcess): SystemError {
  const tail = proc.stderr();
  if (code === 255) return new SystemError("TESTBED_UNREACHABLE", `${what} on ${machine}: the SSH connection broke${tail ? ` (${tail})` : ""}`, { hint: "check the machine; `hynet clean --testbed FILE` stops what is left there" });
  return new SystemError("TESTBED_REMOTE_FAILED", `${what} on ${machine} exited ${code}${tail ? `: ${tail}` : ""}`, { hint: "the remote stderr tail is above; run the command by hand there (`--dry-run` prints it)" });
}

const fmt = (e: TapEndpoint) => (e.netns ? `${e.netns}:${e.iface}` : e.iface);

function prefixFor(seriesId: string, runIndex: number): string {
  // 2–8 lowercase letters/digits: the DuT's network names, distinct per run so that a leftover never collides.
  return `tb${seriesId.slice(-3)}${runIndex.toString(36)}`.slice(0, 8).toLowerCase();
}

/** The network on the DuT: `hynet up`/`hynet down` there; names come from the same plan a local Net makes. */
class RemoteNet implements NetLike {
  constructor(
    private readonly plan: NetLike,
    private readonly dut: Remote,
    private readonly upArgv: string[],
    private readonly downArgv: string[],
  ) {}
  get prefix(): string {
    return this.plan.prefix;
  }
  async start(signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) throw new AbortedError();
    try {
      await this.dut.run(this.upArgv, { timeoutMs: COMMAND_TIMEOUT_MS });
    } catch (e) {
      // `hynet up` removes what it made when it fails; a broken connection may have left it half-way.
      await this.dut.run(this.downArgv, { check: false, timeoutMs: COMMAND_TIMEOUT_MS }).catch(() => undefined);
      throw e;
    }
  }
  async stop(): Promise<void> {
    await this.dut.run(this.downArgv, { timeoutMs: COMMAND_TIMEOUT_MS });
  }
  get(name: string) {
    return this.plan.get(name);
  }
}

const EMPTY_LOADGEN: Omit<LoadGenResult, "requested_pps" | "burst"> = { sent: 0, warmup_sent: 0, duration_ns: 0, achieved_pps: 0, gap_ns: { mean: 0, std: 0, p1: 0, p50: 0, p99: 0 }, late_bursts: 0, aborted: false, realtime: false };

/**
 * The load generator on its machine. The built-in one runs in two commands
 * with the pause held here: warm-up train, then the runner's barrier (pause
 * passed and the timestamper ready), then the measured train, so a slow
 * remote capture start cannot cut off the first measured frames. MoonGen
 * runs as one command, as in the seed (its pause is the paper's 30 s, and
 * starting DPDK twice would cost more than the barrier saves).
 */
function remoteLoadgen(s: TestbedSession, kind: string): LoadGenLike {
  const role = s.tb.roles.loadgen;
  const remote = s.remotes.loadgen;
  const split = kind !== "moongen";
  const argvFor = (o: LoadGenOptions, part: "all" | "warmup" | "measure"): string[] => {
    const ep = role.tx !== undefined ? (role.rx !== undefined && kind === "moongen" ? `${role.tx},${role.rx}` : role.tx) : fmt(o);
    const count = o.packets !== undefined ? ["--packets", String(o.packets)] : o.durationS !== undefined ? ["--duration", String(o.durationS)] : [];
    return [
      ...(kind === "moongen" ? ["env", `HYNET_MOONGEN=${role.moongen}`] : []),
      ...hynetArgv(role),
      "loadgen", ep, "--kind", kind,
      "--rate", String(o.rate), "--burst", String(o.burst), "--flows", String(o.flows), "--size", String(o.size),
      ...(part === "warmup" ? ["--warm-up", String(o.warmUpS), "--warm-up-only"] : [...count, "--warm-up", part === "all" ? String(o.warmUpS) : "0"]),
      ...(o.dstMac ? ["--dst-mac", o.dstMac] : []), ...(o.srcMac ? ["--src-mac", o.srcMac] : []), ...(o.realtime ? ["--realtime"] : []),
      "--reporter", "json", "--verbose",
    ];
  };
  /** One remote `hynet loadgen`, its phases passed on as they are reported. */
  const once = async (o: LoadGenOptions, argv: string[], phases: RegExp): Promise<LoadGenResult> => {
    const proc = remote.spawn(argv, `loadgen-${s.seriesId}`);
    let result: LoadGenResult | undefined;
    proc.onLine((l) => {
      const e = parseEvent(l);
      if (!e) return;
      const m = e.type === "log" && e.scope === "loadgen" ? /^phase: (\w+)$/.exec(e.message ?? "") : null;
      if (m && phases.test(m[1])) void Promise.resolve(o.onPhase?.(m[1] as "warmup")).catch(() => undefined);
      if (e.type === "result" && e.kind === "loadgen.result") result = e.data as LoadGenResult;
    });
    const onAbort = () => void proc.stop().catch(() => undefined);
    o.signal?.addEventListener("abort", onAbort, { once: true });
    try {
      const code = await proc.exited;
      if (result) return result;
      if (o.signal?.aborted) throw new AbortedError();
      if (remote.sys.dryRun) return { ...EMPTY_LOADGEN, requested_pps: o.rate, burst: o.burst };
      throw remoteFailure("the load generator", remote.target.name, code, proc);
    } finally {
      o.signal?.removeEventListener("abort", onAbort);
    }
  };
  return {
    async run(o: LoadGenOptions): Promise<LoadGenResult> {
      if (!split || o.warmUpS <= 0) return once(o, argvFor(o, "all"), /./);
      o.onPhase?.("warmup");
      const w = await once(o, argvFor(o, "warmup"), /^$/);
      const ready = o.onPhase?.("pause");
      await Promise.all([remote.sys.sleep(o.warmUpS * 1000, o.signal), ready?.catch(() => undefined)]);
      if (o.signal?.aborted) return { ...EMPTY_LOADGEN, requested_pps: o.rate, burst: o.burst, warmup_sent: w.warmup_sent, aborted: true };
      const m = await once(o, argvFor(o, "measure"), /^(measure|done)$/);
      return { ...m, warmup_sent: w.warmup_sent };
    },
  };
}

/**
 * A capture on another machine also ends by itself (as the seed's `--time T`):
 * one orphaned by a broken connection must not run on after its taps are gone.
 */
const CAPTURE_MARGIN_S = 60;

function remoteTimestamper(s: TestbedSession, kind: string, exp: Experiment): TimestamperLike {
  const role = s.tb.roles.timestamper;
  const remote = s.remotes.timestamper;
  const bound = Math.ceil(Math.max(...planRuns(exp).map((r) => r.params.warmUpTime + r.params.measurementTime)) + CAPTURE_MARGIN_S);
  return {
    async start(o: TimestamperOptions): Promise<CaptureSession> {
      const dir = `${role.work_dir}/${s.seriesId}/${o.name ?? "capture"}`;
      const pre = role.pre ?? fmt(o.pre);
      const post = role.post ?? fmt(o.post);
      await remote.run(["mkdir", "-p", dir], { timeoutMs: COMMAND_TIMEOUT_MS });
      const argv = [
        ...(kind === "moonsniff" ? ["env", `HYNET_MOONGEN=${role.moongen}`, `HYNET_MOONSNIFF=${role.moonsniff}`] : []),
        ...hynetArgv(role),
        "capture", "--kind", kind, "--pre", pre, "--post", post, "--out", dir, "--snaplen", String(o.snaplen), "--duration", String(bound),
        ...(o.name ? ["--name", o.name] : []), ...(o.realtime ? ["--realtime"] : []),
        "--reporter", "json", "--verbose",
      ];
      const proc = remote.spawn(argv, `capture-${s.seriesId}`);
      let result: CaptureResult | undefined;
      let ready!: () => void;
      const isReady = new Promise<void>((res) => (ready = res));
      proc.onLine((l) => {
        const e = parseEvent(l);
        if (!e) return;
        if (e.type === "log" && e.scope === "capture" && /^capturing /.test(e.message ?? "")) ready();
        if (e.type === "result" && e.kind === "capture.result") result = e.data as CaptureResult;
      });
      if (!remote.sys.dryRun) {
        let timer: NodeJS.Timeout | undefined;
        const outcome = await Promise.race([
          isReady.then(() => "ready" as const),
          proc.exited.then(() => "exited" as const),
          new Promise<"timeout">((res) => (timer = setTimeout(() => res("timeout"), READY_TIMEOUT_MS))),
        ]);
        clearTimeout(timer);
        if (outcome !== "ready") {
          await proc.stop(2000).catch(() => undefined);
          if (outcome === "timeout") throw new SystemError("TESTBED_TIMEOUT", `the timestamper on ${remote.target.name} was not ready after ${READY_TIMEOUT_MS / 1000} s: ${proc.stderr() || "no output"}`, { hint: "run the capture command by hand there (`--dry-run` prints it)" });
          throw remoteFailure("the timestamper", remote.target.name, await proc.exited, proc);
        }
      }
      return {
        async stop(): Promise<CaptureResult> {
          const code = await proc.stop();
          const names = captureFileNames(o.name);
          if (!result && !remote.sys.dryRun) throw remoteFailure("the timestamper", remote.target.name, code, proc);
          const zst = exp.capture.compression === "zstd";
          const ext = zst ? ".zst" : "";
          const local = { pre: path.join(o.outDir, names.pre + ext), post: path.join(o.outDir, names.post + ext), stats: path.join(o.outDir, names.stats), meta: path.join(o.outDir, names.meta) };
          // Compressed where it was taken, as the seed did (zstd -13 on the timestamper), and on the way: the copy moves a fraction of the bytes.
          const capture = (name: string, to: string) => (zst ? remote.pullOutput(["zstd", "-q", "-c", "-T0", `-${exp.capture.level}`, `${dir}/${name}`], to) : remote.pull(`${dir}/${name}`, to));
          await Promise.all([
            capture(names.pre, local.pre),
            capture(names.post, local.post),
            remote.pull(`${dir}/${names.stats}`, local.stats),
            remote.pull(`${dir}/${names.meta}`, local.meta).catch(() => undefined), // MoonSniff writes no side file
          ]);
          await remote.run(["rm", "-rf", dir], { check: false, timeoutMs: COMMAND_TIMEOUT_MS });
          const r = result ?? { pre_frames: 0, post_frames: 0, pre_dropped: 0, post_dropped: 0, timestamping: "software" as const };
          return { ...r, ...local };
        },
      };
    },
  };
}

/** Evaluation on the evaluator machine: captures copied there, `hynet evaluate`, outputs copied back into the run folder. */
function remoteEvaluate(s: TestbedSession) {
  const role = s.tb.roles.evaluator;
  const remote = s.remotes.evaluator;
  return async (pre: string, post: string, outDir: string, p: EvalParamsLike, _sys: Sys, signal?: AbortSignal): Promise<unknown> => {
    const dir = `${role.work_dir}/${s.seriesId}/${path.basename(path.dirname(outDir))}`;
    const rpre = `${dir}/${path.basename(pre)}`;
    const rpost = `${dir}/${path.basename(post)}`;
    await Promise.all([remote.push(pre, rpre), remote.push(post, rpost)]);
    if (signal?.aborted) throw new AbortedError();
    await remote.run(
      [
        ...hynetArgv(role), "evaluate", rpre, "--post", rpost, "--out", `${dir}/eval`,
        "--bucket-size", String(p.bucketSize), "--trim-ms", String(p.trimMs), "--num-worst", String(p.numWorst),
        "--format", p.formats.join(","), "--flow-key", p.flowKey.join(","), ...(p.strictMarker ? ["--strict-marker"] : []),
      ],
      { timeoutMs: 60 * 60_000 },
    );
    await remote.pullTree(`${dir}/eval`, outDir);
    await remote.run(["rm", "-rf", dir], { check: false, timeoutMs: COMMAND_TIMEOUT_MS });
    return undefined;
  };
}

/**
 * Bind the runner to the testbed. Topologies are loaded (and checked) here
 * and copied to the DuT; kinds, generators and timestampers keep their names
 * so `checkExperiment` rejects a typo before anything runs.
 */
export function testbedDeps(local: RunnerDeps, s: TestbedSession, exp: Experiment): RunnerDeps {
  const dut = s.tb.roles.dut;
  const remoteTopo = new Map<TopologyLike, string>();
  let runIndex = 0;
  return {
    ...local,
    // The kinds run on the DuT, not here: probing this machine would refuse a `vm` run because the
    // runner lacks QEMU. The DuT's preflight checks its own tools; a kind it cannot run fails that run.
    unavailable: async () => undefined,
    async loadTopology(file) {
      const topo = await local.loadTopology(file);
      const dest = `${dut.work_dir}/${s.seriesId}/topology-${remoteTopo.size}-${path.basename(file)}`;
      await s.remotes.dut.push(file, dest);
      remoteTopo.set(topo, dest);
      return topo;
    },
    createNet(topo, kinds, sys, opts) {
      const prefix = opts.prefix ?? prefixFor(s.seriesId, runIndex++);
      const plan = local.createNet(topo, kinds, sys, { prefix });
      const hynet = hynetArgv(dut);
      const up = [...hynet, "up", remoteTopo.get(topo)!, "--host-kind", kinds.host, "--link-kind", kinds.link, ...(kinds.switch ? ["--switch-kind", kinds.switch] : []), "--prefix", prefix];
      return new RemoteNet(plan, s.remotes.dut, up, [...hynet, "down", "--net", prefix]);
    },
    loadgens: Object.fromEntries(Object.keys(local.loadgens).map((k) => [k, remoteLoadgen(s, k)])),
    timestampers: Object.fromEntries(Object.keys(local.timestampers).map((k) => [k, remoteTimestamper(s, k, exp)])),
    evaluatePair: s.tb.targets.evaluator.local ? local.evaluatePair : remoteEvaluate(s),
  };
}

/** A short id for this series' folders on the machines (time-ordered, so `ls` lists them in order). */
export function newSeriesId(nowNs: bigint): string {
  return `s${(nowNs / 1_000_000n).toString(36)}`;
}
