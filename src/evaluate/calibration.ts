/**
 * The latency floor of the measurement setup itself, from `hynet calibrate`
 * (a capture across a bare veth pair, evaluated like any other pair). Its
 * summary.json gives the floor; `--subtract-floor` removes its median.
 */
import { InputError } from "../errors.js";
import { readText } from "../sys/index.js";

export interface Calibration {
  file: string;
  floor_min_ns: number | null;
  floor_p50_ns: number;
  floor_p99_ns: number | null;
}

export async function loadCalibration(file: string): Promise<Calibration> {
  const text = await readText(file);
  let j: unknown;
  try {
    j = JSON.parse(text);
  } catch (e) {
    throw new InputError("CALIBRATION_INVALID", `not JSON: ${(e as Error).message}`, { file, hint: "give the summary.json written by `hynet calibrate`" });
  }
  const lat = (j as { latency_ns?: Record<string, unknown> } | null)?.latency_ns;
  const n = (v: unknown) => (typeof v === "number" && Number.isFinite(v) ? v : null);
  const p50 = n(lat?.p50);
  if (p50 === null) {
    throw new InputError("CALIBRATION_INVALID", "has no latency_ns.p50 (the calibration's median latency)", {
      file,
      hint: "give the summary.json written by `hynet calibrate`",
    });
  }
  return { file, floor_min_ns: n(lat?.min), floor_p50_ns: p50, floor_p99_ns: n(lat?.p99) };
}
