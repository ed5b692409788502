#!/usr/bin/env node
// npm run bench -- NAME [args…]: runs bench/NAME/main.ts (TypeScript through tsx) against the built CLI.
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import * as path from "node:path";

const here = path.dirname(fileURLToPath(import.meta.url));
const [name, ...args] = process.argv.slice(2);
const available = readdirSync(here, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name);
if (!name || !available.includes(name)) {
  console.error(`usage: npm run bench -- NAME   (NAME: ${available.join(", ") || "none yet"})`);
  process.exit(2);
}
const main = path.join(here, name, "main.ts");
if (!existsSync(main)) {
  console.error(`bench/${name}/main.ts is missing`);
  process.exit(2);
}
const r = spawnSync(process.execPath, ["--import", "tsx", main, ...args], { stdio: "inherit" });
process.exit(r.status ?? 1);
