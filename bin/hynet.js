#!/usr/bin/env node
// Thin launcher: the CLI lives in dist/ (built by `npm install` through the `prepare` script).
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

const main = fileURLToPath(new URL("../dist/cli/main.js", import.meta.url));
if (!existsSync(main)) {
  console.error("hynet: error[NOT_BUILT] dist/ is missing. Hint: run `npm install` (or `npm run build`) in the hynet checkout.");
  process.exit(2);
}
await import(main);
