/**
 * Reporters turn hynet's events into output, picked by name with
 * --reporter (the way vitest and pnpm pick theirs).
 */
import type { HynetEvent, Emit } from "../events.js";

export interface Reporter {
  emit: Emit;
  /** Clear any live line before the process writes something else or exits. */
  close(): void;
}

export interface ReporterOptions {
  verbose: boolean;
  quiet: boolean;
  dryRun: boolean;
  out: NodeJS.WriteStream;
  err: NodeJS.WriteStream;
}

function shellQuote(a: string): string {
  return /^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`;
}

export function terminalReporter(o: ReporterOptions): Reporter {
  const live = o.err.isTTY === true;
  let liveLine = false;
  let lastPlain = 0;
  function clearLive() {
    if (liveLine) {
      o.err.write("\r\x1b[K");
      liveLine = false;
    }
  }
  function emit(e: HynetEvent) {
    switch (e.type) {
      case "result":
        clearLive();
        o.out.write(e.line + "\n");
        break;
      case "log":
        if (e.level === "debug" && !o.verbose) return;
        if (e.level === "info" && o.quiet) return;
        clearLive();
        o.err.write(`${e.level === "warn" ? "warning: " : ""}${e.scope}: ${e.message}\n`);
        break;
      case "command":
        if (e.dryRun) {
          clearLive();
          o.out.write(e.argv.map(shellQuote).join(" ") + "\n");
        } else if (o.verbose) {
          clearLive();
          o.err.write(`$ ${e.argv.map(shellQuote).join(" ")}\n`);
        }
        break;
      case "progress": {
        if (o.quiet) return;
        const frac = e.total ? ` ${((100 * e.done) / e.total).toFixed(0)}%` : "";
        const text = `${e.scope}: ${e.task}${e.phase ? ` [${e.phase}]` : ""} ${e.done}${e.total ? `/${e.total}` : ""}${e.unit ? ` ${e.unit}` : ""}${frac}`;
        if (live) {
          o.err.write(`\r\x1b[K${text}`);
          liveLine = true;
        } else {
          // Plain log lines off a terminal: at most one every 5 s, plus the last one.
          const now = Date.now();
          if (now - lastPlain >= 5000 || (e.total !== undefined && e.done >= e.total)) {
            lastPlain = now;
            o.err.write(text + "\n");
          }
        }
        break;
      }
    }
  }
  return { emit, close: clearLive };
}

export function jsonReporter(o: ReporterOptions): Reporter {
  return {
    emit(e) {
      if (e.type === "log" && e.level === "debug" && !o.verbose) return;
      o.out.write(JSON.stringify(e, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v)) + "\n");
    },
    close() {},
  };
}

export const reporters: Record<string, (o: ReporterOptions) => Reporter> = {
  terminal: terminalReporter,
  json: jsonReporter,
};
