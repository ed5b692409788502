/**
 * Series progress: run i of n, the phase, elapsed time and an ETA, as
 * progress events (a live line on a terminal, plain lines otherwise).
 */
import type { Emit } from "../events.js";

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return "?";
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = s % 60;
  return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${String(ss).padStart(2, "0")}` : `${m}:${String(ss).padStart(2, "0")}`;
}

/**
 * Seconds left in the series: what is left of the current run plus the remaining runs, each
 * estimated from the mean of the finished runs' overhead on top of their own pause and measurement
 * (runs differ in those), or from `guessOverhead` before any run finished.
 */
export function etaSeconds(o: {
  currentElapsed: number;
  currentNominal: number;
  remainingNominal: number[];
  finishedOverheads: number[];
  guessOverhead: number;
}): number {
  const overhead = o.finishedOverheads.length ? o.finishedOverheads.reduce((a, b) => a + b, 0) / o.finishedOverheads.length : o.guessOverhead;
  const current = Math.max(0, o.currentNominal + overhead - o.currentElapsed);
  return current + o.remainingNominal.reduce((a, n) => a + n + overhead, 0);
}

export interface SeriesProgress {
  /** Set the current run (1-based index among the runs being executed). */
  run(index: number, total: number, name: string, nominalS: number, remainingNominal: number[]): void;
  phase(phase: string): void;
  finished(overheadS: number): void;
  /** Emit the current state now (the runner calls it once a second). */
  tick(): void;
}

export function seriesProgress(emit: Emit, monoS: () => number, guessOverhead = 3): SeriesProgress {
  const overheads: number[] = [];
  const seriesStart = monoS();
  let cur = { index: 0, total: 0, name: "", nominal: 0, remaining: [] as number[], start: monoS(), phase: "" };
  function tick() {
    if (!cur.total) return;
    const now = monoS();
    const eta = etaSeconds({ currentElapsed: now - cur.start, currentNominal: cur.nominal, remainingNominal: cur.remaining, finishedOverheads: overheads, guessOverhead });
    emit({
      type: "progress",
      scope: "run",
      task: `${cur.index} of ${cur.total} ${cur.name} · elapsed ${formatDuration(now - seriesStart)} · ETA ${formatDuration(eta)}`,
      done: cur.index - 1,
      total: cur.total,
      unit: "runs done",
      phase: cur.phase,
    });
  }
  return {
    run(index, total, name, nominal, remaining) {
      cur = { index, total, name, nominal, remaining, start: monoS(), phase: "start" };
      tick();
    },
    phase(p) {
      cur.phase = p;
      tick();
    },
    finished(o) {
      overheads.push(o);
    },
    tick,
  };
}
