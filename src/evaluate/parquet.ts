/**
 * The Parquet form of the per-packet table (`B.latency-flows.parquet`). Runs on
 * a worker thread (parquet-worker.ts, started by outputs.ts startParquetWriter).
 */
import { fileError } from "../errors.js";

/** What the worker gets: the sorted rows (typed arrays, in shared memory) and how to make absolute times. */
export interface ParquetJob {
  path: string;
  rows: { n: number; lat: Float64Array; ts: Float64Array; id: Uint32Array; ports: Uint32Array };
  /** The pair's base second: row times are ns relative to it. */
  baseSec: number;
  /** Subtracted from every latency (--subtract-floor), ns. */
  shift: number;
}

/**
 * The per-packet table as Parquet, written by DuckDB from the sorted rows through a table
 * function: each 2048-row chunk is a raw memory copy of the typed arrays into DuckDB's vectors
 * (@duckdb/node-bindings' copy_data_to_vector; node-api's vector wrappers only set values one
 * by one). Measured on 2 M rows: 0.5 s CPU, against 1.2 s for converting the CSV (DuckDB
 * parsing 120 MB of text again), and no CSV is needed when only Parquet is asked for.
 * Times travel as doubles of relative ns (exact below 2^53); the COPY turns them into
 * absolute BIGINT ns, adding the base second in native code: no BigInt per row here.
 */
async function loadBindings() {
  const { default: bindings } = await import("@duckdb/node-bindings");
  return bindings;
}

type Bindings = Awaited<ReturnType<typeof loadBindings>>;

interface DuckDB {
  bindings: Bindings;
  con: import("@duckdb/node-bindings").Connection;
  close(): void;
}

/**
 * Load DuckDB and open an in-memory database. The Parquet worker does this as soon as it
 * starts, while the post capture is read, so that only the COPY is left when the rows are
 * sorted. Through @duckdb/node-bindings (DuckDB's C API) rather than @duckdb/node-api, whose
 * JavaScript wrapper alone took 0.25–0.3 s to import, against 0.05 s for the bindings.
 */
export async function openDuckDB(): Promise<DuckDB> {
  const bindings = await loadBindings();
  const db = await bindings.open(":memory:");
  const con = await bindings.connect(db);
  // One thread: a parallel Parquet write took more CPU for no better wall time on 2 cores,
  // and evaluateMany already runs pairs in parallel. The scan is serial, so rows keep their order.
  await bindings.query(con, "SET threads = 1");
  return {
    bindings,
    con,
    close: () => {
      bindings.disconnect_sync(con);
      bindings.close_sync(db);
    },
  };
}

/**
 * The per-packet table as Parquet, written by DuckDB from the sorted rows through a table
 * function: each 2048-row chunk is a raw memory copy of the typed arrays into DuckDB's vectors
 * (copy_data_to_vector; setting values one by one costs a call per value). Measured on 2 M
 * rows: 0.5 s CPU, against 1.2 s for converting the CSV (DuckDB parsing 120 MB of text again),
 * and no CSV is needed when only Parquet is asked for.
 * Times travel as doubles of relative ns (exact below 2^53); the COPY turns them into
 * absolute BIGINT ns, adding the base second in native code: no BigInt per row here.
 */
export async function writeParquet(db: DuckDB, job: ParquetJob): Promise<void> {
  const parquetPath = job.path;
  const duckdb = db.bindings;
  const { n, lat, ts, id, ports } = job.rows;
  const cols = [lat, ts, id, ports];
  // copy_data_to_vector takes an ArrayBuffer, not the SharedArrayBuffer the rows live in:
  // each chunk goes through a small private copy first (2048 rows, 16 KiB a column).
  const chunk = cols.map((c) => new (c.constructor as Float64ArrayConstructor | Uint32ArrayConstructor)(2048));
  const double = duckdb.create_logical_type(duckdb.Type.DOUBLE);
  const uint = duckdb.create_logical_type(duckdb.Type.UINTEGER);
  let next = 0;
  const scan = duckdb.create_table_function();
  duckdb.table_function_set_name(scan, "hynet_matches");
  duckdb.table_function_set_bind(scan, (info) => {
    duckdb.bind_add_result_column(info, "lat", double);
    duckdb.bind_add_result_column(info, "ts", double);
    duckdb.bind_add_result_column(info, "id", uint);
    duckdb.bind_add_result_column(info, "ports", uint);
  });
  duckdb.table_function_set_init(scan, () => {});
  duckdb.table_function_set_function(scan, (info, out) => {
    try {
      const len = Math.min(2048, n - next);
      duckdb.data_chunk_set_size(out, len);
      for (let c = 0; c < cols.length && len > 0; c++) {
        const col = chunk[c];
        col.set(cols[c].subarray(next, next + len));
        duckdb.copy_data_to_vector(duckdb.data_chunk_get_vector(out, c), 0, col.buffer as ArrayBuffer, col.byteOffset, len * col.BYTES_PER_ELEMENT);
      }
      next += len;
    } catch (err) {
      duckdb.function_set_error(info, String(err));
    }
  });
  const q = (p: string) => `'${p.replace(/'/g, "''")}'`;
  const base = n > 0 ? `${BigInt(job.baseSec) * 1_000_000_000n}` : "0";
  try {
    duckdb.register_table_function(db.con, scan);
    await duckdb.query(
      db.con,
      `COPY (SELECT CAST(lat AS BIGINT) - ${job.shift} AS latency, CAST(ts AS BIGINT) + ${base} AS prets, CAST(ts + lat AS BIGINT) + ${base} AS postts, id, ` +
        `CAST(ports >> 16 AS USMALLINT) AS srcport, CAST(ports & 65535 AS USMALLINT) AS dstport FROM hynet_matches()) ` +
        `TO ${q(parquetPath)} (FORMAT parquet, COMPRESSION snappy)`,
    );
  } catch (err) {
    throw fileError(err, parquetPath, "write Parquet");
  }
}
