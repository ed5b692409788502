/**
 * Worker thread: loads DuckDB at once, then writes the one Parquet file it is sent (parquet.ts)
 * and answers {} or {error}.
 */
import { parentPort } from "node:worker_threads";
import { serializeError } from "../errors.js";
import { openDuckDB, writeParquet, type ParquetJob } from "./parquet.js";

const port = parentPort!;
const db = openDuckDB();
// A failed load is reported when the job comes (or never, if evaluation fails first).
db.catch(() => {});
port.once("message", (job: ParquetJob) => {
  db.then((d) => writeParquet(d, job).finally(() => d.close())).then(
    () => port.postMessage({}),
    (err: unknown) => port.postMessage({ error: serializeError(err) }),
  );
});
