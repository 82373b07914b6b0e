/**
 * @module Bulk loader for the search benchmark: writes BenchRun specs straight into the store's
 * tables, the rows the tracking API writes for them (runs/create with a name, user and start
 * time, log-batch of params, tags and one point per metric, runs/update to FINISHED with an end
 * time): runs, params, tags, latest_metrics (count 1), metrics (the point), metric_blocks (its
 * 256-step block). test/bench-bulk-load.int.test.ts compares a sample with an API-loaded store.
 *
 * Fast because: the secondary indexes of those tables are dropped first and rebuilt from their
 * own stored definitions at the end (a sort per index instead of a random insert per row);
 * rows arrive in primary-key order (see benchRuns); one transaction per chunk; SQLite through a
 * raw better-sqlite3 connection with multi-row prepared INSERTs and no journal, PostgreSQL
 * through COPY ... FROM STDIN (text format), with the foreign-key triggers off for the loader's
 * own transactions (superuser, as on the benchmark's throwaway server).
 */
import BetterSqlite3 from 'better-sqlite3';
import pg from 'pg';
import { BENCH_USER, type BenchRun } from './bench-runs.js';

export const BULK_TABLES = ['runs', 'params', 'tags', 'latest_metrics', 'metrics', 'metric_blocks'] as const;
type Table = (typeof BULK_TABLES)[number];
type Value = string | number | null;

const COLUMNS: Record<Table, string[]> = {
  runs: ['run_uuid', 'name', 'experiment_id', 'user_id', 'status', 'start_time', 'end_time', 'lifecycle_stage', 'artifact_uri'],
  params: ['run_uuid', 'key', 'value'],
  tags: ['run_uuid', 'key', 'value'],
  latest_metrics: ['series_id', 'run_uuid', 'key', 'step', 'timestamp', 'value', 'is_nan', 'min_value', 'max_value', 'count'],
  metrics: ['series_id', 'step', 'timestamp', 'value', 'is_nan'],
  metric_blocks: ['series_id', 'block', 'last_step', 'last_timestamp', 'last_value', 'last_is_nan', 'min_value', 'max_value', 'count'],
};

export interface BulkTarget {
  dialect: 'sqlite' | 'postgres';
  /** SQLite file or PostgreSQL URL of a migrated store no server holds open. */
  location: string;
  experimentId: string;
  /** The experiment's artifact_location, as runs/create reads it. */
  artifactLocation: string;
}

/** One chunk's rows, table by table, as the API would write them. */
function rowsOf(runs: BenchRun[], t: BulkTarget, firstSeries: number): Record<Table, Value[][]> {
  const out: Record<Table, Value[][]> = { runs: [], params: [], tags: [], latest_metrics: [], metrics: [], metric_blocks: [] };
  const root = t.artifactLocation.replace(/\/+$/, '');
  let sid = firstSeries;
  for (const r of runs) {
    out.runs.push([r.id, r.name, Number(t.experimentId), BENCH_USER, 'FINISHED', r.start, r.end, 'active', `${root}/${r.id}/artifacts`]);
    for (const [k, v] of r.params) out.params.push([r.id, k, v]);
    out.tags.push([r.id, 'mlflow.runName', r.name], [r.id, 'mlflow.user', BENCH_USER]);
    for (const [k, v] of r.tags) out.tags.push([r.id, k, v]);
    for (const m of r.metrics) {
      out.latest_metrics.push([sid, r.id, m.key, m.step, m.timestamp, m.value, 0, m.value, m.value, 1]);
      out.metrics.push([sid, m.step, m.timestamp, m.value, 0]);
      out.metric_blocks.push([sid, m.step >> 8, m.step, m.timestamp, m.value, 0, m.value, m.value, 1]);
      sid++;
    }
  }
  return out;
}

/** Loads every chunk; returns the number of runs written. */
export async function bulkLoad(t: BulkTarget, chunks: Iterable<BenchRun[]>, log?: (s: string) => void): Promise<number> {
  return t.dialect === 'sqlite' ? bulkLoadSqlite(t, chunks, log) : bulkLoadPostgres(t, chunks, log);
}

const ROWS_PER_STATEMENT = 100;

async function bulkLoadSqlite(t: BulkTarget, chunks: Iterable<BenchRun[]>, log?: (s: string) => void): Promise<number> {
  const conn = new BetterSqlite3(t.location);
  try {
    // A throwaway file: no rollback journal, no fsync; the store's WAL mode is set back at the end.
    // (WAL is persistent and only left through DELETE.)
    conn.pragma('journal_mode = DELETE');
    conn.pragma('journal_mode = OFF');
    conn.pragma('synchronous = OFF');
    conn.pragma('cache_size = -262144');
    const indexes = conn
      .prepare(`SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL AND tbl_name IN (${BULK_TABLES.map(() => '?').join(',')})`)
      .all(...BULK_TABLES) as { name: string; sql: string }[];
    for (const ix of indexes) conn.exec(`DROP INDEX "${ix.name}"`);
    const stmts = new Map<string, BetterSqlite3.Statement>();
    const stmt = (table: Table, n: number) => {
      const key = `${table}/${n}`;
      if (!stmts.has(key)) {
        const row = `(${COLUMNS[table].map(() => '?').join(',')})`;
        stmts.set(key, conn.prepare(`INSERT INTO ${table} (${COLUMNS[table].join(',')}) VALUES ${new Array(n).fill(row).join(',')}`));
      }
      return stmts.get(key)!;
    };
    let sid = Number((conn.prepare('SELECT max(series_id) AS m FROM latest_metrics').get() as { m: number | null }).m ?? 0) + 1;
    let total = 0;
    const t0 = performance.now();
    const writeChunk = conn.transaction((rows: Record<Table, Value[][]>) => {
      for (const table of BULK_TABLES) {
        const all = rows[table];
        for (let i = 0; i < all.length; i += ROWS_PER_STATEMENT) {
          const part = all.slice(i, i + ROWS_PER_STATEMENT);
          stmt(table, part.length).run(part.flat());
        }
      }
    });
    for (const runs of chunks) {
      writeChunk(rowsOf(runs, t, sid));
      sid += runs.reduce((n, r) => n + r.metrics.length, 0);
      total += runs.length;
      log?.(`  bulk: ${total} runs (${((performance.now() - t0) / 1000).toFixed(1)} s)`);
    }
    const t1 = performance.now();
    for (const ix of indexes) conn.exec(ix.sql);
    log?.(`  bulk: ${indexes.length} indexes rebuilt (${((performance.now() - t1) / 1000).toFixed(1)} s)`);
    conn.pragma('journal_mode = WAL');
    return total;
  } finally {
    conn.close();
  }
}

/** COPY text format: tab-separated, \N for NULL, backslash escapes. */
function copyText(rows: Value[][]): Buffer {
  const esc = (v: Value) =>
    v === null ? '\\N' : typeof v === 'number' ? String(v) : v.replace(/[\\\t\n\r]/g, (c) => (c === '\\' ? '\\\\' : c === '\t' ? '\\t' : c === '\n' ? '\\n' : '\\r'));
  let s = '';
  for (const r of rows) s += r.map(esc).join('\t') + '\n';
  return Buffer.from(s);
}

/** `COPY ... FROM STDIN` on pg's protocol (pg submits any object with `submit`). */
function copyIn(client: pg.Client, sql: string, data: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    const CHUNK = 1 << 20;
    const submittable = {
      submit(connection: any) {
        connection.query(sql);
      },
      handleCopyInResponse(connection: any) {
        for (let i = 0; i < data.length; i += CHUNK) connection.sendCopyFromChunk(data.subarray(i, i + CHUNK));
        connection.endCopyFrom();
      },
      handleCommandComplete() {},
      handleReadyForQuery() {
        resolve();
      },
      handleError(err: Error) {
        reject(err);
      },
    };
    client.query(submittable as any);
  });
}

async function bulkLoadPostgres(t: BulkTarget, chunks: Iterable<BenchRun[]>, log?: (s: string) => void): Promise<number> {
  const client = new pg.Client({ connectionString: t.location });
  await client.connect();
  try {
    await client.query("SET maintenance_work_mem = '512MB'");
    // Indexes that no constraint owns (a primary key or UNIQUE stays: foreign keys depend on them).
    const indexes = (
      await client.query<{ indexname: string; indexdef: string }>(
        `SELECT indexname, indexdef FROM pg_indexes i WHERE schemaname = current_schema() AND tablename = ANY($1)
         AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)`,
        [[...BULK_TABLES]],
      )
    ).rows;
    for (const ix of indexes) await client.query(`DROP INDEX "${ix.indexname}"`);
    let sid = Number((await client.query('SELECT max(series_id) AS m FROM latest_metrics')).rows[0].m ?? 0) + 1;
    let total = 0;
    const t0 = performance.now();
    for (const runs of chunks) {
      const rows = rowsOf(runs, t, sid);
      await client.query('BEGIN');
      try {
        await client.query('SET LOCAL session_replication_role = replica');
        for (const table of BULK_TABLES) await copyIn(client, `COPY ${table} (${COLUMNS[table].join(', ')}) FROM STDIN`, copyText(rows[table]));
        await client.query('COMMIT');
      } catch (e) {
        await client.query('ROLLBACK');
        throw e;
      }
      sid += runs.reduce((n, r) => n + r.metrics.length, 0);
      total += runs.length;
      log?.(`  bulk: ${total} runs (${((performance.now() - t0) / 1000).toFixed(1)} s)`);
    }
    const t1 = performance.now();
    for (const ix of indexes) await client.query(ix.indexdef);
    log?.(`  bulk: ${indexes.length} indexes rebuilt (${((performance.now() - t1) / 1000).toFixed(1)} s)`);
    // Identity columns do not advance on explicit ids; the server's next series must not collide.
    await client.query(`SELECT setval(pg_get_serial_sequence('latest_metrics', 'series_id'), (SELECT max(series_id) FROM latest_metrics))`);
    return total;
  } finally {
    await client.end();
  }
}
