/** Worker thread: writes one Parquet file (parquet.ts) and answers {} or {error}. */
import { parentPort, workerData } from "node:worker_threads";
import { serializeError } from "../errors.js";
import { writeParquet, type ParquetJob } from "./parquet.js";

const port = parentPort!;
writeParquet(workerData as ParquetJob).then(
  () => port.postMessage({}),
  (err: unknown) => port.postMessage({ error: serializeError(err) }),
);
