/**
 * @module The read benchmarks' data set, written straight into the database before the server
 * starts (through the store's SQL interface, multi-row INSERTs on SQLite and unnest() arrays on
 * PostgreSQL): 100,000 runs x (20 params, 20 metrics, 5 tags) would take ~15 minutes through
 * HTTP. Rows are exactly what the write path produces for one point per metric (history row,
 * series summary with count 1, one block summary), so every endpoint sees a consistent store.
 * Also one run with a long series (1,000,000 points), written through the real write path.
 */
import { randomBytes } from 'node:crypto';
import type { Database, Executor, SqlValue } from '../../src/store/index.js';
import { createTracking } from '../../src/tracking/index.js';

export const SEARCH_SHAPE = { params: 20, metrics: 20, tags: 5 };
const RUNS_PER_TX = 5_000;

export interface SearchData {
  experimentId: string;
  runs: number;
  seriesRunId: string;
  seriesKey: string;
  seriesPoints: number;
  loadSeconds: { runs: number; series: number };
}

type Col = 'text' | 'bigint' | 'float8' | 'int';

/** Multi-row insert of `rows` (column-major would be faster still; this keeps both dialects simple). */
async function insertRows(tx: Executor, table: string, cols: [string, Col][], rows: SqlValue[][]): Promise<void> {
  if (!rows.length) return;
  if (tx.dialect === 'postgres') {
    const lit = (v: SqlValue, type: Col) => (type === 'text' ? `"${String(v).replace(/["\\]/g, '\\$&')}"` : v === null ? 'NULL' : String(v));
    const arrays = cols.map(([, type], i) => `{${rows.map((r) => lit(r[i]!, type)).join(',')}}`);
    await tx.run(
      `INSERT INTO ${table} (${cols.map(([c]) => c).join(', ')}) SELECT * FROM unnest(${cols.map(([, t]) => `?::${t}[]`).join(', ')})`,
      arrays,
    );
    return;
  }
  const width = cols.length;
  const per = Math.floor(30_000 / width);
  const row = `(${new Array(width).fill('?').join(', ')})`;
  for (let i = 0; i < rows.length; i += per) {
    const chunk = rows.slice(i, i + per);
    await tx.run(`INSERT INTO ${table} (${cols.map(([c]) => c).join(', ')}) VALUES ${new Array(chunk.length).fill(row).join(', ')}`, chunk.flat());
  }
}

/** A seeded generator so every run of the benchmark searches the same data. */
function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const pad = (i: number) => String(i).padStart(2, '0');

/**
 * Param p00 takes 10 values (`lr-0` .. `lr-9`), p01 100 values, the rest 1,000; metrics are
 * uniform in [0, 1); tag `team` takes 5 values. A filter `metrics.m00 > 0.5 AND params.p00 =
 * 'lr-3'` therefore matches ~5% of runs (~5,000 of 100,000).
 */
export async function loadSearchData(db: Database, runs: number, seriesPoints: number, log: (s: string) => void): Promise<SearchData> {
  const t = createTracking(db);
  const experimentId = await t.experiments.create(`search-bench-${randomBytes(4).toString('hex')}`, undefined, []);
  const rnd = prng(42);
  const base = 1_760_000_000_000;
  const firstSeries = Number((await db.one<{ m: number | null }>('SELECT max(series_id) AS m FROM latest_metrics'))?.m ?? 0) + 1;
  let sid = firstSeries;
  const t0 = performance.now();
  for (let from = 0; from < runs; from += RUNS_PER_TX) {
    const runRows: SqlValue[][] = [];
    const params: SqlValue[][] = [];
    const tags: SqlValue[][] = [];
    const latest: SqlValue[][] = [];
    const history: SqlValue[][] = [];
    const blocks: SqlValue[][] = [];
    for (let i = from; i < Math.min(runs, from + RUNS_PER_TX); i++) {
      const id = randomBytes(16).toString('hex');
      const start = base + i * 1000;
      const name = `run-${i}`;
      runRows.push([id, name, Number(experimentId), 'bench', 'FINISHED', start, start + 600_000, 'active', `mlflow-artifacts:/${experimentId}/${id}/artifacts`]);
      for (let k = 0; k < SEARCH_SHAPE.params; k++) {
        const card = k === 0 ? 10 : k === 1 ? 100 : 1000;
        params.push([id, `p${pad(k)}`, k === 0 ? `lr-${Math.floor(rnd() * card)}` : String(Math.floor(rnd() * card))]);
      }
      tags.push([id, 'mlflow.runName', name], [id, 'mlflow.user', 'bench'], [id, 'team', `team-${i % 5}`], [id, 'stage', i % 2 ? 'dev' : 'prod'], [id, 'note', `note ${i}`]);
      for (let k = 0; k < SEARCH_SHAPE.metrics; k++) {
        const v = rnd();
        const ts = start + 500_000;
        latest.push([sid, id, `m${pad(k)}`, 99, ts, v, 0, v, v, 1]);
        history.push([sid, 99, ts, v, 0]);
        blocks.push([sid, 0, 99, ts, v, 0, v, v, 1]);
        sid++;
      }
    }
    await db.transaction(async (tx) => {
      // PostgreSQL checks foreign keys with a trigger per row (~900k checks per 20k runs, most
      // of the load time); the rows are consistent by construction, so the loader skips them for
      // its own transaction (superuser only, as on the benchmark's throwaway server).
      if (tx.dialect === 'postgres') await tx.run('SET LOCAL session_replication_role = replica');
      await insertRows(tx, 'runs', [['run_uuid', 'text'], ['name', 'text'], ['experiment_id', 'bigint'], ['user_id', 'text'], ['status', 'text'], ['start_time', 'bigint'], ['end_time', 'bigint'], ['lifecycle_stage', 'text'], ['artifact_uri', 'text']], runRows);
      await insertRows(tx, 'params', [['run_uuid', 'text'], ['key', 'text'], ['value', 'text']], params);
      await insertRows(tx, 'tags', [['run_uuid', 'text'], ['key', 'text'], ['value', 'text']], tags);
      await insertRows(tx, 'latest_metrics', [['series_id', 'bigint'], ['run_uuid', 'text'], ['key', 'text'], ['step', 'bigint'], ['timestamp', 'bigint'], ['value', 'float8'], ['is_nan', 'int'], ['min_value', 'float8'], ['max_value', 'float8'], ['count', 'bigint']], latest);
      await insertRows(tx, 'metrics', [['series_id', 'bigint'], ['step', 'bigint'], ['timestamp', 'bigint'], ['value', 'float8'], ['is_nan', 'int']], history);
      await insertRows(tx, 'metric_blocks', [['series_id', 'bigint'], ['block', 'bigint'], ['last_step', 'bigint'], ['last_timestamp', 'bigint'], ['last_value', 'float8'], ['last_is_nan', 'int'], ['min_value', 'float8'], ['max_value', 'float8'], ['count', 'bigint']], blocks);
    });
    if ((from / RUNS_PER_TX) % 4 === 3) log(`  loaded ${Math.min(runs, from + RUNS_PER_TX)} runs (${((performance.now() - t0) / 1000).toFixed(1)} s)`);
  }
  if (db.dialect === 'postgres') {
    // Identity columns do not advance on explicit ids; the server's next series must not collide.
    await db.run(`SELECT setval(pg_get_serial_sequence('latest_metrics', 'series_id'), (SELECT max(series_id) FROM latest_metrics))`);
    // What autovacuum does shortly after a bulk load (PostgreSQL 13+ vacuums insert-only tables
    // too): statistics for the planner, and the visibility map that index-only scans need.
    await db.exec('VACUUM ANALYZE');
  }
  const runsSeconds = (performance.now() - t0) / 1000;

  // The long series goes through the real write path: 1,000-point batches, as a client sends them.
  const t1 = performance.now();
  const run = await t.runs.create({ experimentId, runName: 'long-series' });
  const seriesKey = 'loss';
  const frnd = prng(7);
  for (let from = 0; from < seriesPoints; from += 1000) {
    const metrics = [];
    for (let s = from; s < Math.min(seriesPoints, from + 1000); s++) metrics.push({ key: seriesKey, value: 1 / (1 + s / 1000) + frnd() * 0.05, timestamp: base + s * 10, step: s });
    await t.runs.logBatch(run.info.run_id, { metrics });
  }
  const seriesSeconds = (performance.now() - t1) / 1000;
  // Statistics that include the long series, as autovacuum would have them by the time anyone
  // charts it: with the ones from before it, PostgreSQL planned get-history-bulk-interval's
  // queries for a 1-point series (~220 ms instead of ~10).
  if (db.dialect === 'postgres') await db.exec('VACUUM ANALYZE');
  return { experimentId, runs, seriesRunId: run.info.run_id, seriesKey, seriesPoints, loadSeconds: { runs: runsSeconds, series: seriesSeconds } };
}
