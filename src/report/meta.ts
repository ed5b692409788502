/**
 * What the pages need to know of a run and its figures once they are drawn:
 * written by run-report.ts (on the worker threads), read by the page and
 * series builders (html.ts, series.ts).
 */
import type { Row } from "./csv.js";

export interface FigureMeta {
  file: string;
  title: string;
  caption: string;
  width: number;
  height: number;
}

export interface RunMeta {
  name: string;
  variables: Record<string, string | number | boolean>;
  status: string;
  error?: string;
  /** Folder of the run's page and figures, relative to the report folder. */
  href: string;
  figures: FigureMeta[];
  notes: string[];
  /** Accelerator and vCPUs against host cores, for runs with VM guests. */
  fidelity?: string;
  /** Fraction of pre packets never seen post (0..1), when known. */
  loss?: number;
  p9999_ns?: number;
  p99_ns?: number;
  max_ns?: number;
  /** Largest inter-departure gap in the pre capture, and the gaps over 10 mean periods. */
  gap_max_ns?: number;
  late_gaps?: number;
  /** The run's percentile rows, for the overlay HDR plots of the series. */
  percentiles?: Row[];
}
