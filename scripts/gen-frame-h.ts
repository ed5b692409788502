// Writes native/src/frame.h from the TypeScript test-frame layout (run by `npm run gen:frame`).
import { writeFileSync } from "node:fs";
import { frameHeader } from "./frame-header.js";

writeFileSync(new URL("../native/src/frame.h", import.meta.url), frameHeader());
