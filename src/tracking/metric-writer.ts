import type { MetricColumns } from '../core/metric-batch-binary.js';
import type { Executor, SqlValue } from '../store/index.js';
import { chunkPointKeys, insertChunks, packChunk, pointKey, type PackedChunk } from './metric-chunks.js';

/**
 * @module The metric write path: history points plus, in the same transaction, the per-series
 * summary (latest, min, max, count) and per-block summaries (256 steps a block) that search, sort
 * and charts read instead of the history.
 *
 * Exact duplicates (same key, step, timestamp, value) collapse, as in MLflow, and only points that
 * were new feed the summaries. The summaries are merged into the stored rows by the database
 * (UPDATE/UPSERT with the merge rule in SQL) rather than read, merged here and written back: that
 * is one statement per table instead of one per series and per block, and on PostgreSQL two
 * concurrent batches on one run cannot lose each other's counts (the row lock re-evaluates the
 * merge against the committed row).
 *
 * Measured on the 2-core dev machine, 1000-point batches (10 keys x 100 steps), in-process
 * (bench/.work numbers, same-run bare insert ~850k points/s): the previous version, which used
 * INSERT ... RETURNING for every point and ~30 statements per batch, ran ~250k points/s; 60% of
 * it was the RETURNING insert (SQLite materialises and better-sqlite3 builds an object per row:
 * 900k -> 350k points/s on the bare table). This version: ~420-450k points/s in the same harness,
 * 6 statements a batch; what is left is the INSERT itself (~1 us a point, the bare table's cost)
 * and the COMMIT (see SqliteDatabase.transaction for group commit).
 */

export interface MetricPoint {
  key: string;
  value: number;
  timestamp: number;
  step: number;
}

export const BLOCK_SHIFT = 8;
/** The stores whose writer packs chunks (metric-chunks.ts); the others take the row path only. */
export const CHUNK_DIALECTS: readonly string[] = ['sqlite', 'postgres'];
const BLOCK = 1 << BLOCK_SHIFT;
// 5 parameters a row. 200 rows a statement was the fastest of 100/200/500/1000 on the bare table
// (better-sqlite3 binds from a spread argument list) and stays far below SQLite's 32,766 limit.
const CHUNK = 200;
// Summary rows a statement (9-10 parameters each): below both databases' parameter limits.
const SUMMARY_CHUNK = 500;

interface Summary {
  step: number;
  timestamp: number;
  value: number;
  isNan: boolean;
  min: number | null;
  max: number | null;
  count: number;
}

/**
 * MLflow's "latest": the greatest (step, timestamp, value), a NaN value counting as -Infinity.
 * On a full tie (NaN against -Infinity at the same step and timestamp) the non-NaN point wins, so
 * the result does not depend on the order points arrive in; the SQL merges below use the same
 * 4-part key.
 */
function isLater(a: Summary, step: number, timestamp: number, value: number, isNan: boolean): boolean {
  if (step !== a.step) return step > a.step;
  if (timestamp !== a.timestamp) return timestamp > a.timestamp;
  const av = a.isNan ? -Infinity : a.value;
  const bv = isNan ? -Infinity : value;
  if (bv !== av) return bv > av;
  return !isNan && a.isNan;
}

function absorb(s: Summary | undefined, step: number, timestamp: number, value: number, isNan: boolean): Summary {
  if (!s) return { step, timestamp, value, isNan, min: isNan ? null : value, max: isNan ? null : value, count: 1 };
  if (isLater(s, step, timestamp, value, isNan)) {
    s.step = step;
    s.timestamp = timestamp;
    s.value = value;
    s.isNan = isNan;
  }
  if (!isNan) {
    if (s.min === null || value < s.min) s.min = value;
    if (s.max === null || value > s.max) s.max = value;
  }
  s.count++;
  return s;
}

const rowsOf = (n: number, row: string) => new Array(n).fill(row).join(', ');

/**
 * SQL text per row count, built once: the adapters look statements up by their text, and a string
 * built afresh on every call must be hashed in full each time (the 200-row INSERT is ~4 kB; that
 * hashing was 1.8% of the ingest profile), while a reused string keeps its hash.
 */
function memo(build: (rows: number) => string): (rows: number) => string {
  const cache: string[] = [];
  return (rows) => (cache[rows] ??= build(rows));
}

/** Points column-wise (the binary batch's shape; JSON batches are turned into it). */
export type { MetricColumns };

/** MetricPoint objects as columns: one pass, one Map lookup per change of key. */
export function pointsToColumns(points: readonly MetricPoint[]): MetricColumns {
  const n = points.length;
  const keys: string[] = [];
  const index = new Map<string, number>();
  const keyIndex = new Uint32Array(n);
  const values = new Float64Array(n);
  const timestamps = new Float64Array(n);
  const steps = new Float64Array(n);
  let lastKey: string | undefined;
  let last = 0;
  for (let i = 0; i < n; i++) {
    const p = points[i]!;
    if (p.key !== lastKey) {
      lastKey = p.key;
      let k = index.get(p.key);
      if (k === undefined) {
        index.set(p.key, (k = keys.length));
        keys.push(p.key);
      }
      last = k;
    }
    keyIndex[i] = last;
    values[i] = p.value;
    timestamps[i] = p.timestamp;
    steps[i] = p.step;
  }
  return { keys, keyIndex, values, timestamps, steps };
}

/**
 * Appends points to a run's metric history and merges what was new into the summaries. Runs
 * inside the caller's transaction.
 */
export async function writeMetrics(tx: Executor, runId: string, points: readonly MetricPoint[]): Promise<void> {
  if (points.length) await writeMetricColumns(tx, runId, pointsToColumns(points));
}

/** Writer options; the default reads TRAINYARD_METRIC_CHUNK_MIN (see metric-chunks.ts). */
export interface WriteOptions {
  /** Points of one series a batch needs for a packed chunk; Infinity: rows only. */
  chunkMin?: number;
}

let envChunkMin: number | undefined;
/** TRAINYARD_METRIC_CHUNK_MIN: 'off', or the points per series (>= 2) for a chunk; default 32. */
export function defaultChunkMin(): number {
  if (envChunkMin === undefined) {
    const v = process.env.TRAINYARD_METRIC_CHUNK_MIN;
    envChunkMin = !v ? 32 : v === 'off' ? Infinity : Math.max(2, Number(v));
  }
  return envChunkMin;
}

/** writeMetrics for a batch already in columns (the binary batch: no object per point). */
export async function writeMetricColumns(tx: Executor, runId: string, cols: MetricColumns, opts: WriteOptions = {}): Promise<void> {
  const n = cols.values.length;
  if (!n) return;
  const series = await ensureSeries(tx, runId, cols);
  const keySids = series.map((s) => s.sid);
  const chunkMin = opts.chunkMin ?? defaultChunkMin();
  const split = n >= chunkMin ? splitChunks(cols, series, chunkMin) : undefined;
  const rowIdx = split?.rowIdx;
  const m = rowIdx ? rowIdx.length : n;
  // The row path's points (all of them without chunks), with their series ids.
  const sids = new Float64Array(m);
  let rowCols: PointColumns = cols;
  if (!rowIdx) for (let i = 0; i < n; i++) sids[i] = keySids[cols.keyIndex[i]!]!;
  else {
    const sub = { steps: new Float64Array(m), timestamps: new Float64Array(m), values: new Float64Array(m), keyIndex: new Uint32Array(m) };
    for (let j = 0; j < m; j++) {
      const i = rowIdx[j]!;
      sids[j] = keySids[cols.keyIndex[i]!]!;
      sub.steps[j] = cols.steps[i]!;
      sub.timestamps[j] = cols.timestamps[i]!;
      sub.values[j] = cols.values[i]!;
      sub.keyIndex[j] = cols.keyIndex[i]!;
    }
    rowCols = sub;
  }
  const rowFresh = m ? await insertRows(tx, sids, rowCols, series) : NO_POINTS;
  if (!split) {
    // PostgreSQL's row statement merged its own summaries in SQL.
    if (tx.dialect !== 'postgres') await mergeFresh(tx, rowFresh);
    return;
  }
  const chunks: { sid: number; chunk: PackedChunk }[] = [];
  let total = tx.dialect === 'postgres' ? 0 : rowFresh.sid.length;
  const chunkedTo = new Map<number, number>();
  for (const [k, idx] of split.chunkIdx) {
    const chunk = packChunk(cols.steps, cols.timestamps, cols.values, idx);
    chunks.push({ sid: keySids[k]!, chunk });
    chunkedTo.set(keySids[k]!, chunk.lastStep);
    total += chunk.steps.length;
  }
  await insertChunks(tx, chunks);
  // Every chunk point is new (see splitChunks), so all of them feed the summaries, with the row
  // path's new points on SQLite (PostgreSQL's row statement merged those already).
  const all = { sid: new Float64Array(total), step: new Float64Array(total), ts: new Float64Array(total), value: new Float64Array(total) };
  let o = 0;
  if (tx.dialect !== 'postgres') {
    for (let j = 0; j < rowFresh.sid.length; j++, o++) {
      all.sid[o] = rowFresh.sid[j]!;
      all.step[o] = rowFresh.step[j]!;
      all.ts[o] = rowFresh.ts[j]!;
      all.value[o] = rowFresh.value[j]!;
    }
  }
  for (const { sid, chunk } of chunks) {
    all.sid.fill(sid, o, o + chunk.steps.length);
    all.step.set(chunk.steps, o);
    all.ts.set(chunk.timestamps, o);
    all.value.set(chunk.values, o);
    o += chunk.steps.length;
  }
  await mergeFresh(tx, all, chunkedTo);
}

const NO_POINTS: Fresh = { sid: [], step: [], ts: [], value: [] };

/** Folds new points into per-series and per-block summaries and merges those into the stored rows. */
async function mergeFresh(tx: Executor, fresh: Fresh, chunkedTo?: Map<number, number>): Promise<void> {
  if (!fresh.sid.length) return;
  const perSeries = new Map<number, Summary>();
  const perBlock = new Map<number, Map<number, Summary>>();
  // Points usually arrive grouped by key and step, so the previous point's summaries are the
  // likeliest hit: remembering them skips two Map lookups per point.
  let lastSid = NaN;
  let lastBlock = NaN;
  let sSum: Summary | undefined;
  let bSum: Summary | undefined;
  let blocks: Map<number, Summary> | undefined;
  for (let i = 0; i < fresh.sid.length; i++) {
    const sid = fresh.sid[i]!;
    const step = fresh.step[i]!;
    const ts = fresh.ts[i]!;
    const value = fresh.value[i]!;
    const nan = value !== value;
    const block = Math.floor(step / BLOCK);
    if (sid !== lastSid) {
      lastSid = sid;
      lastBlock = NaN;
      sSum = perSeries.get(sid);
      blocks = perBlock.get(sid);
      if (!blocks) perBlock.set(sid, (blocks = new Map()));
    }
    if (sSum) absorb(sSum, step, ts, value, nan);
    else perSeries.set(sid, (sSum = absorb(undefined, step, ts, value, nan)));
    if (block !== lastBlock) {
      lastBlock = block;
      bSum = blocks!.get(block);
    }
    if (bSum) absorb(bSum, step, ts, value, nan);
    else blocks!.set(block, (bSum = absorb(undefined, step, ts, value, nan)));
  }
  if (tx.dialect === 'postgres') return mergeSummariesPostgres(tx, perSeries, perBlock, chunkedTo);
  await mergeSeries(tx, perSeries, chunkedTo);
  await mergeBlocks(tx, perBlock);
}

/** New points, column-wise. A NaN value is NaN here (stored as 0 with is_nan = 1). */
interface Fresh {
  sid: ArrayLike<number>;
  step: ArrayLike<number>;
  ts: ArrayLike<number>;
  value: ArrayLike<number>;
}

const INSERT_POINTS = 'INSERT INTO metrics (series_id, step, timestamp, value, is_nan) VALUES ';
const insertPointsSql = memo((rows) => `${INSERT_POINTS}${rowsOf(rows, '(?, ?, ?, ?, ?)')} ON CONFLICT DO NOTHING`);
const insertPointsReturningSql = memo((rows) => `${insertPointsSql(rows)} RETURNING series_id, step, timestamp, value, is_nan`);

/**
 * SQLite: plain multi-row INSERT inside a savepoint. When every row went in (the normal case:
 * `changes` equals the row count) the input is the set of new points; otherwise (a client retry,
 * duplicates in the batch) the savepoint is rolled back and the batch is inserted again with
 * RETURNING, which names exactly the new rows. Measured on the bare table: insert ~900k points/s,
 * with the savepoint ~870k, with RETURNING ~350k.
 */
type PointColumns = Pick<MetricColumns, 'steps' | 'timestamps' | 'values' | 'keyIndex'>;

/** A series of the batch: its id, greatest stored step (-Infinity: none) and chunked_to. */
interface SeriesInfo {
  sid: number;
  maxStep: number;
  chunkedTo: number | null;
}

/**
 * Which points go into chunks (see metric-chunks.ts): per key, all of its points when there are
 * at least `chunkMin` and every step is after the series' greatest stored step. Undefined when no
 * key qualifies (the batch takes the row path unchanged).
 */
function splitChunks(cols: MetricColumns, series: SeriesInfo[], chunkMin: number): { rowIdx: number[]; chunkIdx: Map<number, number[]> } | undefined {
  const nk = cols.keys.length;
  const count = new Uint32Array(nk);
  const appends = new Uint8Array(nk).fill(1);
  const n = cols.keyIndex.length;
  for (let i = 0; i < n; i++) {
    const k = cols.keyIndex[i]!;
    count[k]!++;
    if (!(cols.steps[i]! > series[k]!.maxStep)) appends[k] = 0;
  }
  let any = false;
  for (let k = 0; k < nk; k++) if (appends[k] && count[k]! >= chunkMin) any = true;
  if (!any) return undefined;
  const chunkIdx = new Map<number, number[]>();
  const rowIdx: number[] = [];
  for (let i = 0; i < n; i++) {
    const k = cols.keyIndex[i]!;
    if (appends[k] && count[k]! >= chunkMin) {
      let list = chunkIdx.get(k);
      if (!list) chunkIdx.set(k, (list = []));
      list.push(i);
    } else rowIdx.push(i);
  }
  return { rowIdx, chunkIdx };
}

/**
 * The row path: points at steps a series' chunks cover are first checked against those chunks
 * (an exact duplicate of a chunked point is not new), then inserted with today's collapse. On
 * PostgreSQL the insert statement merges the new points' summaries itself and nothing is returned.
 */
async function insertRows(tx: Executor, sids: Float64Array, cols: PointColumns, series: SeriesInfo[]): Promise<Fresh> {
  const left = await dropChunked(tx, sids, cols, (i) => series[cols.keyIndex[i]!]!.chunkedTo);
  if (!left.sids.length) return NO_POINTS;
  if (tx.dialect !== 'postgres') return insertSqlite(tx, left.sids, left.cols);
  await writePostgres(tx, left.sids, left.cols.steps, left.cols.timestamps, left.cols.values);
  return NO_POINTS;
}

/**
 * Drops the points that are exact duplicates of points already in their series' chunks. Only
 * points at a step <= the series' chunked_to can be (`chunkedToOf(i)`: point i's; null: the
 * series has no chunks), so a series without chunks costs no read.
 */
async function dropChunked(
  tx: Executor,
  sids: Float64Array,
  cols: PointColumns,
  chunkedToOf: (i: number) => number | null,
): Promise<{ sids: Float64Array; cols: PointColumns }> {
  const n = sids.length;
  let covered: Map<number, { lo: number; hi: number }> | undefined;
  for (let i = 0; i < n; i++) {
    const chunkedTo = chunkedToOf(i);
    const step = cols.steps[i]!;
    if (chunkedTo !== null && step <= chunkedTo) {
      covered ??= new Map();
      const r = covered.get(sids[i]!);
      if (!r) covered.set(sids[i]!, { lo: step, hi: step });
      else {
        if (step < r.lo) r.lo = step;
        if (step > r.hi) r.hi = step;
      }
    }
  }
  if (!covered) return { sids, cols };
  const known = new Map<number, Set<string>>();
  for (const [sid, r] of covered) known.set(sid, await chunkPointKeys(tx, sid, r.lo, r.hi));
  const keep: number[] = [];
  for (let i = 0; i < n; i++) {
    const set = known.get(sids[i]!);
    if (!set || !set.has(pointKey(cols.steps[i]!, cols.timestamps[i]!, cols.values[i]!))) keep.push(i);
  }
  if (keep.length === n) return { sids, cols };
  const m = keep.length;
  const sub = { steps: new Float64Array(m), timestamps: new Float64Array(m), values: new Float64Array(m), keyIndex: new Uint32Array(m) };
  const subSids = new Float64Array(m);
  for (let j = 0; j < m; j++) {
    const i = keep[j]!;
    subSids[j] = sids[i]!;
    sub.steps[j] = cols.steps[i]!;
    sub.timestamps[j] = cols.timestamps[i]!;
    sub.values[j] = cols.values[i]!;
    sub.keyIndex[j] = cols.keyIndex[i]!;
  }
  return { sids: subSids, cols: sub };
}

async function insertSqlite(tx: Executor, sids: Float64Array, cols: PointColumns): Promise<Fresh> {
  const n = sids.length;
  const { steps, timestamps, values } = cols;
  const chunkParams = (from: number, to: number): SqlValue[] => {
    const params = new Array<SqlValue>((to - from) * 5);
    let j = 0;
    for (let i = from; i < to; i++) {
      const v = values[i]!;
      const nan = v !== v;
      params[j++] = sids[i]!;
      params[j++] = steps[i]!;
      params[j++] = timestamps[i]!;
      params[j++] = nan ? 0 : v;
      params[j++] = nan ? 1 : 0;
    }
    return params;
  };
  // One point (log-metric) is new or not, which `changes` says without a savepoint: 2 statements
  // of the ~9 in a log-metric transaction saved.
  const savepoint = n > 1;
  if (savepoint) await tx.run('SAVEPOINT metric_points');
  let changes = 0;
  for (let i = 0; i < n; i += CHUNK) {
    const to = Math.min(n, i + CHUNK);
    changes += (await tx.run(insertPointsSql(to - i), chunkParams(i, to))).changes;
  }
  if (changes === 0 && !savepoint) return { sid: [], step: [], ts: [], value: [] };
  if (changes === n) {
    if (savepoint) await tx.run('RELEASE metric_points');
    return { sid: sids, step: steps, ts: timestamps, value: values };
  }
  await tx.run('ROLLBACK TO metric_points');
  await tx.run('RELEASE metric_points');
  const fresh = { sid: [] as number[], step: [] as number[], ts: [] as number[], value: [] as number[] };
  for (let i = 0; i < n; i += CHUNK) {
    const to = Math.min(n, i + CHUNK);
    const rows = await tx.all<{ series_id: number; step: number; timestamp: number; value: number; is_nan: number }>(
      insertPointsReturningSql(to - i),
      chunkParams(i, to),
    );
    for (const r of rows) {
      const nan = Number(r.is_nan) === 1;
      fresh.sid.push(Number(r.series_id));
      fresh.step.push(Number(r.step));
      fresh.ts.push(Number(r.timestamp));
      fresh.value.push(nan ? NaN : Number(r.value));
    }
  }
  return fresh;
}

// The merge rule in SQL: `new` is later than `old` when (step, timestamp, value-or--inf, not-NaN)
// is greater; min/max ignore NULL (a series or block of NaNs only has no min/max).
const NEG_INF = { sqlite: '-9e999', postgres: "'-Infinity'::float8" } as const;
function laterSql(dialect: 'sqlite' | 'postgres', nw: [string, string, string, string], old: [string, string, string, string]): string {
  const key = ([step, ts, value, isNan]: [string, string, string, string]) =>
    `${step}, ${ts}, CASE WHEN ${isNan} = 1 THEN ${NEG_INF[dialect]} ELSE ${value} END, 1 - ${isNan}`;
  return `(${key(nw)}) > (${key(old)})`;
}
function leastSql(dialect: 'sqlite' | 'postgres', fn: 'min' | 'max', a: string, b: string): string {
  if (dialect === 'postgres') return `${fn === 'min' ? 'LEAST' : 'GREATEST'}(${a}, ${b})`;
  return `CASE WHEN ${a} IS NULL THEN ${b} WHEN ${b} IS NULL THEN ${a} ELSE ${fn}(${a}, ${b}) END`;
}

const seriesLaterSqlite = `m.count = 0 OR ${laterSql('sqlite', ['v.column2', 'v.column3', 'v.column4', 'v.column5'], ['m.step', 'm.timestamp', 'm.value', 'm.is_nan'])}`;
const mergeSeriesSql = memo(
  (rows) => `UPDATE latest_metrics AS m SET
    step = CASE WHEN ${seriesLaterSqlite} THEN v.column2 ELSE m.step END,
    timestamp = CASE WHEN ${seriesLaterSqlite} THEN v.column3 ELSE m.timestamp END,
    value = CASE WHEN ${seriesLaterSqlite} THEN v.column4 ELSE m.value END,
    is_nan = CASE WHEN ${seriesLaterSqlite} THEN v.column5 ELSE m.is_nan END,
    min_value = ${leastSql('sqlite', 'min', 'm.min_value', 'v.column6')},
    max_value = ${leastSql('sqlite', 'max', 'm.max_value', 'v.column7')},
    count = m.count + v.column8,
    chunked_to = COALESCE(v.column9, m.chunked_to)
  FROM (VALUES ${rowsOf(rows, '(?, ?, ?, ?, ?, ?, ?, ?, ?)')}) AS v
  WHERE m.series_id = v.column1`,
);

/**
 * Merges batch summaries into latest_metrics (SQLite; PostgreSQL does it inside its one
 * statement). A series row created empty for this batch (count 0) takes the batch's summary.
 */
async function mergeSeries(tx: Executor, perSeries: Map<number, Summary>, chunkedTo?: Map<number, number>): Promise<void> {
  const entries = [...perSeries];
  for (let i = 0; i < entries.length; i += SUMMARY_CHUNK) {
    const chunk = entries.slice(i, i + SUMMARY_CHUNK);
    const params: SqlValue[] = [];
    for (const [sid, s] of chunk) params.push(sid, s.step, s.timestamp, s.isNan ? 0 : s.value, s.isNan ? 1 : 0, s.min, s.max, s.count, chunkedTo?.get(sid) ?? null);
    await tx.run(mergeSeriesSql(chunk.length), params);
  }
}

const blockLaterSqlite = laterSql('sqlite', ['excluded.last_step', 'excluded.last_timestamp', 'excluded.last_value', 'excluded.last_is_nan'], ['b.last_step', 'b.last_timestamp', 'b.last_value', 'b.last_is_nan']);
const mergeBlocksSql = memo(
  (rows) => `INSERT INTO metric_blocks AS b (series_id, block, last_step, last_timestamp, last_value, last_is_nan, min_value, max_value, count)
  VALUES ${rowsOf(rows, '(?, ?, ?, ?, ?, ?, ?, ?, ?)')}
  ON CONFLICT (series_id, block) DO UPDATE SET
    last_step = CASE WHEN ${blockLaterSqlite} THEN excluded.last_step ELSE b.last_step END,
    last_timestamp = CASE WHEN ${blockLaterSqlite} THEN excluded.last_timestamp ELSE b.last_timestamp END,
    last_value = CASE WHEN ${blockLaterSqlite} THEN excluded.last_value ELSE b.last_value END,
    last_is_nan = CASE WHEN ${blockLaterSqlite} THEN excluded.last_is_nan ELSE b.last_is_nan END,
    min_value = ${leastSql('sqlite', 'min', 'b.min_value', 'excluded.min_value')},
    max_value = ${leastSql('sqlite', 'max', 'b.max_value', 'excluded.max_value')},
    count = b.count + excluded.count`,
);

async function mergeBlocks(tx: Executor, perBlock: Map<number, Map<number, Summary>>): Promise<void> {
  const rows: [number, number, Summary][] = [];
  for (const [sid, blocks] of perBlock) for (const [block, s] of blocks) rows.push([sid, block, s]);
  for (let i = 0; i < rows.length; i += SUMMARY_CHUNK) {
    const chunk = rows.slice(i, i + SUMMARY_CHUNK);
    const params: SqlValue[] = [];
    for (const [sid, block, s] of chunk) params.push(sid, block, s.step, s.timestamp, s.isNan ? 0 : s.value, s.isNan ? 1 : 0, s.min, s.max, s.count);
    await tx.run(mergeBlocksSql(chunk.length), params);
  }
}

const PG_ORDER = `ORDER BY series_id, step DESC, timestamp DESC, CASE WHEN is_nan = 1 THEN ${NEG_INF.postgres} ELSE value END DESC, is_nan`;
const PG_SERIES_LATER = `m.count = 0 OR ${laterSql('postgres', ['a.step', 'a.timestamp', 'a.value', 'a.is_nan'], ['m.step', 'm.timestamp', 'm.value', 'm.is_nan'])}`;
const PG_BLOCK_LATER = laterSql('postgres', ['excluded.last_step', 'excluded.last_timestamp', 'excluded.last_value', 'excluded.last_is_nan'], ['b.last_step', 'b.last_timestamp', 'b.last_value', 'b.last_is_nan']);
/** The points' RETURNING columns every merge below reads from the CTE `ins`. */
export const PG_INSERTED_COLUMNS = `series_id, step, timestamp, value, is_nan, step >> ${BLOCK_SHIFT} AS block`;
/**
 * The CTEs that merge the new points (CTE `ins`, PG_INSERTED_COLUMNS) into latest_metrics and
 * metric_blocks; the metric group commit's statement reuses them after its own `ins`.
 */
export const PG_MERGE_CTES = `s AS (
       SELECT l.*, g.lo, g.hi, g.n FROM
         (SELECT DISTINCT ON (series_id) series_id, step, timestamp, value, is_nan FROM ins ${PG_ORDER}) l
         JOIN (SELECT series_id, min(value) FILTER (WHERE is_nan = 0) AS lo, max(value) FILTER (WHERE is_nan = 0) AS hi, count(*) AS n
               FROM ins GROUP BY series_id) g USING (series_id)
     ),
     upd AS (
       UPDATE latest_metrics AS m SET
         step = CASE WHEN ${PG_SERIES_LATER} THEN a.step ELSE m.step END,
         timestamp = CASE WHEN ${PG_SERIES_LATER} THEN a.timestamp ELSE m.timestamp END,
         value = CASE WHEN ${PG_SERIES_LATER} THEN a.value ELSE m.value END,
         is_nan = CASE WHEN ${PG_SERIES_LATER} THEN a.is_nan ELSE m.is_nan END,
         min_value = LEAST(m.min_value, a.lo), max_value = GREATEST(m.max_value, a.hi), count = m.count + a.n
       FROM s AS a WHERE m.series_id = a.series_id
       RETURNING 1
     ),
     bl AS (
       SELECT l.*, g.lo, g.hi, g.n FROM
         (SELECT DISTINCT ON (series_id, block) series_id, block, step, timestamp, value, is_nan FROM ins
          ${PG_ORDER.replace('series_id,', 'series_id, block,')}) l
         JOIN (SELECT series_id, block, min(value) FILTER (WHERE is_nan = 0) AS lo, max(value) FILTER (WHERE is_nan = 0) AS hi, count(*) AS n
               FROM ins GROUP BY series_id, block) g USING (series_id, block)
     ),
     blk AS (
       INSERT INTO metric_blocks AS b (series_id, block, last_step, last_timestamp, last_value, last_is_nan, min_value, max_value, count)
       SELECT series_id, block, step, timestamp, value, is_nan, lo, hi, n FROM bl ORDER BY series_id, block
       ON CONFLICT (series_id, block) DO UPDATE SET
         last_step = CASE WHEN ${PG_BLOCK_LATER} THEN excluded.last_step ELSE b.last_step END,
         last_timestamp = CASE WHEN ${PG_BLOCK_LATER} THEN excluded.last_timestamp ELSE b.last_timestamp END,
         last_value = CASE WHEN ${PG_BLOCK_LATER} THEN excluded.last_value ELSE b.last_value END,
         last_is_nan = CASE WHEN ${PG_BLOCK_LATER} THEN excluded.last_is_nan ELSE b.last_is_nan END,
         min_value = LEAST(b.min_value, excluded.min_value), max_value = GREATEST(b.max_value, excluded.max_value),
         count = b.count + excluded.count
       RETURNING 1
     )`;
const PG_WRITE_SQL = `WITH ins AS (
       INSERT INTO metrics (series_id, step, timestamp, value, is_nan)
       SELECT * FROM unnest(?::bigint[], ?::bigint[], ?::bigint[], ?::float8[], ?::int[])
       ON CONFLICT DO NOTHING
       RETURNING ${PG_INSERTED_COLUMNS}
     ),
     ${PG_MERGE_CTES}
     SELECT (SELECT count(*) FROM upd) AS series, (SELECT count(*) FROM blk) AS blocks`;

/**
 * PostgreSQL: the points go in as five arrays (one bind each, instead of 5,000 parameters), and
 * one statement inserts them, aggregates the new ones (RETURNING) per series and per block and
 * merges both summaries: one round trip per batch where the row-at-a-time version made ~30.
 * Block rows are upserted in (series, block) order so concurrent batches on one run lock them in
 * the same order.
 */
type Column = ArrayLike<number> & { join(sep: string): string };

async function writePostgres(tx: Executor, sids: Column, steps: Column, timestamps: Column, values: ArrayLike<number>): Promise<void> {
  const n = sids.length;
  // Array literals built here: pg's own array encoder escapes every element (measurably slower),
  // and String(number) is exact for PostgreSQL's float8/bigint input (shortest round-trip form,
  // 'Infinity' and '-Infinity' included).
  // Typed arrays' own join (Array.prototype.join.call on one takes V8's slow generic path).
  const lit = (a: { join(sep: string): string }) => `{${a.join(',')}}`;
  const val = new Float64Array(n);
  const nan = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const v = values[i]!;
    if (v !== v) nan[i] = 1;
    else val[i] = v;
  }
  await tx.run(PG_WRITE_SQL, [lit(sids), lit(steps), lit(timestamps), lit(val), lit(nan)]);
}

const PG_MERGE_SUMMARIES_SQL = `WITH a AS (
       SELECT * FROM unnest(?::bigint[], ?::bigint[], ?::bigint[], ?::float8[], ?::int[], ?::float8[], ?::float8[], ?::bigint[], ?::bigint[])
         AS a(series_id, step, timestamp, value, is_nan, lo, hi, n, chunked_to)
     ),
     upd AS (
       UPDATE latest_metrics AS m SET
         step = CASE WHEN ${PG_SERIES_LATER} THEN a.step ELSE m.step END,
         timestamp = CASE WHEN ${PG_SERIES_LATER} THEN a.timestamp ELSE m.timestamp END,
         value = CASE WHEN ${PG_SERIES_LATER} THEN a.value ELSE m.value END,
         is_nan = CASE WHEN ${PG_SERIES_LATER} THEN a.is_nan ELSE m.is_nan END,
         min_value = LEAST(m.min_value, a.lo), max_value = GREATEST(m.max_value, a.hi), count = m.count + a.n,
         chunked_to = COALESCE(a.chunked_to, m.chunked_to)
       FROM a WHERE m.series_id = a.series_id
       RETURNING 1
     ),
     blk AS (
       INSERT INTO metric_blocks AS b (series_id, block, last_step, last_timestamp, last_value, last_is_nan, min_value, max_value, count)
       SELECT * FROM unnest(?::bigint[], ?::bigint[], ?::bigint[], ?::bigint[], ?::float8[], ?::int[], ?::float8[], ?::float8[], ?::bigint[])
         AS v(series_id, block, step, timestamp, value, is_nan, lo, hi, n)
       ORDER BY series_id, block
       ON CONFLICT (series_id, block) DO UPDATE SET
         last_step = CASE WHEN ${PG_BLOCK_LATER} THEN excluded.last_step ELSE b.last_step END,
         last_timestamp = CASE WHEN ${PG_BLOCK_LATER} THEN excluded.last_timestamp ELSE b.last_timestamp END,
         last_value = CASE WHEN ${PG_BLOCK_LATER} THEN excluded.last_value ELSE b.last_value END,
         last_is_nan = CASE WHEN ${PG_BLOCK_LATER} THEN excluded.last_is_nan ELSE b.last_is_nan END,
         min_value = LEAST(b.min_value, excluded.min_value), max_value = GREATEST(b.max_value, excluded.max_value),
         count = b.count + excluded.count
       RETURNING 1
     )
     SELECT (SELECT count(*) FROM upd) AS series, (SELECT count(*) FROM blk) AS blocks`;

/**
 * PostgreSQL: summaries computed here (the chunk path's points, which no INSERT ... RETURNING
 * hands to SQL) merged into latest_metrics and metric_blocks in one statement, one array per
 * column: a 10,000-point batch of 10 keys sends ~10 series and ~40 block summaries, not its points.
 */
async function mergeSummariesPostgres(
  tx: Executor,
  perSeries: Map<number, Summary>,
  perBlock: Map<number, Map<number, Summary>>,
  chunkedTo?: Map<number, number>,
): Promise<void> {
  const lit = (a: (number | null)[]) => `{${a.map((v) => (v === null ? 'NULL' : String(v))).join(',')}}`;
  const s: (number | null)[][] = [[], [], [], [], [], [], [], [], []];
  for (const [sid, x] of perSeries) {
    const row = [sid, x.step, x.timestamp, x.isNan ? 0 : x.value, x.isNan ? 1 : 0, x.min, x.max, x.count, chunkedTo?.get(sid) ?? null];
    row.forEach((v, i) => s[i]!.push(v));
  }
  const b: (number | null)[][] = [[], [], [], [], [], [], [], [], []];
  for (const [sid, blocks] of perBlock) {
    for (const [block, x] of blocks) {
      const row = [sid, block, x.step, x.timestamp, x.isNan ? 0 : x.value, x.isNan ? 1 : 0, x.min, x.max, x.count];
      row.forEach((v, i) => b[i]!.push(v));
    }
  }
  await tx.run(PG_MERGE_SUMMARIES_SQL, [...s.map(lit), ...b.map(lit)]);
}

/**
 * PostgreSQL: points whose series ids are already known (several runs' points at once: the group
 * commit of MetricGroupWriter), inserted and merged into the summaries in one statement. The
 * series rows are locked first (in series order, as every writer here locks them), so chunked_to
 * is read after any concurrent chunk append on the same series has committed: a point at a
 * chunked step is then checked against the chunks like on the row path of writeMetricColumns.
 */
export async function writeSeriesPoints(tx: Executor, sids: number[], points: readonly MetricPoint[]): Promise<void> {
  if (tx.dialect !== 'postgres') throw new Error('writeSeriesPoints is the PostgreSQL group path');
  if (!points.length) return;
  const c = pointsToColumns(points);
  const ids = Float64Array.from(sids);
  const distinct = [...new Set(sids)];
  const rows = await tx.all<{ series_id: number; chunked_to: number | null }>(
    `SELECT series_id, chunked_to FROM latest_metrics WHERE series_id = ANY(?::bigint[]) ORDER BY series_id FOR UPDATE`,
    [`{${distinct.join(',')}}`],
  );
  const chunked = new Map<number, number>();
  for (const r of rows) if (r.chunked_to !== null && r.chunked_to !== undefined) chunked.set(Number(r.series_id), Number(r.chunked_to));
  const left = chunked.size ? await dropChunked(tx, ids, c, (i) => chunked.get(ids[i]!) ?? null) : { sids: ids, cols: c };
  if (left.sids.length) await writePostgres(tx, left.sids, left.cols.steps, left.cols.timestamps, left.cols.values);
}

const createSeriesPostgres = memo(
  (rows) => `INSERT INTO latest_metrics (run_uuid, key, step, timestamp, value, is_nan, min_value, max_value, count)
   VALUES ${rowsOf(rows, '(?, ?, ?, ?, 0, 0, NULL, NULL, 0)')} ON CONFLICT (run_uuid, key) DO NOTHING RETURNING series_id, key`,
);
// SQLite's latest_metrics is clustered by (run_uuid, key) (migration 019), so series_id is not a
// rowid: new series take max + 1, + 2, ... as the rowid did (one writer at a time: no race).
// `WHERE true` lets ON CONFLICT follow a SELECT.
const createSeriesSqlite = memo(
  (rows) => `INSERT INTO latest_metrics (series_id, run_uuid, key, step, timestamp, value, is_nan, min_value, max_value, count)
   SELECT (SELECT ifnull(max(series_id), 0) FROM latest_metrics) + v.column1, v.column2, v.column3, v.column4, v.column5, 0, 0, NULL, NULL, 0
   FROM (VALUES ${rowsOf(rows, '(?, ?, ?, ?, ?)')}) AS v WHERE true
   ON CONFLICT (run_uuid, key) DO NOTHING RETURNING series_id, key`,
);

/**
 * Series ids for the batch's keys, creating empty series rows (count 0) for new keys. ON CONFLICT
 * DO NOTHING plus a re-read makes two concurrent first batches on PostgreSQL agree on one row
 * instead of one failing with a unique violation.
 */
async function ensureSeries(tx: Executor, runId: string, cols: MetricColumns): Promise<SeriesInfo[]> {
  // The first point of each key seeds a new series row.
  const firstAt = new Array<number>(cols.keys.length).fill(-1);
  for (let i = 0, left = cols.keys.length; i < cols.keyIndex.length && left; i++) {
    const k = cols.keyIndex[i]!;
    if (firstAt[k] === -1) {
      firstAt[k] = i;
      left--;
    }
  }
  // Keys the dictionary holds but no point uses (a binary batch may carry them) get no series.
  const keys = cols.keys.filter((_k, i) => firstAt[i] !== -1);
  const ids = new Map<string, SeriesInfo>();
  // PostgreSQL: the series rows are locked (in series order, as every writer here locks them)
  // before their step and chunked_to are read, so the chunk rule (every step after the greatest
  // stored one) and the duplicate check against chunks see what a concurrent batch on the same
  // series committed: READ COMMITTED's FOR UPDATE waits for it and returns the committed row.
  // SQLite has one writer at a time.
  const lock = tx.dialect === 'postgres' ? ' ORDER BY series_id FOR UPDATE' : '';
  const select = async (list: string[]) => {
    const rows = await tx.all<{ series_id: number; key: string; step: number; count: number; chunked_to: number | null }>(
      `SELECT series_id, key, step, count, chunked_to FROM latest_metrics WHERE run_uuid = ? AND key IN (${list.map(() => '?').join(',')})${lock}`,
      [runId, ...list],
    );
    for (const r of rows) {
      const chunkedTo = r.chunked_to === null || r.chunked_to === undefined ? null : Number(r.chunked_to);
      ids.set(r.key, { sid: Number(r.series_id), maxStep: Number(r.count) > 0 ? Number(r.step) : -Infinity, chunkedTo });
    }
  };
  await select(keys);
  // Sorted, so two batches creating the same series wait on each other in one order.
  const missing = keys.filter((k) => !ids.has(k)).sort();
  if (missing.length) {
    const params: SqlValue[] = [];
    const sqlite = tx.dialect === 'sqlite';
    missing.forEach((key, i) => {
      const at = firstAt[cols.keys.indexOf(key)]!;
      if (sqlite) params.push(i + 1);
      params.push(runId, key, cols.steps[at]!, cols.timestamps[at]!);
    });
    const created = await tx.all<{ series_id: number; key: string }>(sqlite ? createSeriesSqlite(missing.length) : createSeriesPostgres(missing.length), params);
    for (const r of created) ids.set(r.key, { sid: Number(r.series_id), maxStep: -Infinity, chunkedTo: null });
    if (ids.size < keys.length) await select(keys.filter((k) => !ids.has(k)));
  }
  const none: SeriesInfo = { sid: -1, maxStep: -Infinity, chunkedTo: null };
  return cols.keys.map((k) => ids.get(k) ?? none);
}
