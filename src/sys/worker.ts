/**
 * Worker threads for hynet's modules. A worker runs a module next to its
 * caller: built, the .js file; from the TypeScript sources (vitest, tsx,
 * benchmarks), the .ts file through tsx's loader, which a worker does not
 * inherit and cannot take as --import, so the worker registers it itself.
 */
import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";
import { Worker, type WorkerOptions } from "node:worker_threads";

/** Start `name` (a module basename without extension, e.g. "worker") beside the module at `callerUrl` (import.meta.url). */
export function startWorker(callerUrl: string, name: string, options: WorkerOptions = {}): Worker {
  if (!callerUrl.endsWith(".ts")) return new Worker(new URL(`./${name}.js`, callerUrl), options);
  // Resolved from the caller, not from the worker's working directory; require.resolve gives the
  // CommonJS entry, the ES module lies beside it.
  const api = pathToFileURL(createRequire(callerUrl).resolve("tsx/esm/api").replace(/\.cjs$/, ".mjs")).href;
  const url = new URL(`./${name}.ts`, callerUrl).href;
  const boot = `import(${JSON.stringify(api)}).then((m) => { m.register(); return import(${JSON.stringify(url)}); });`;
  return new Worker(boot, { ...options, eval: true });
}
