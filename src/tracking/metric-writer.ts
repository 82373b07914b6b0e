import type { Executor, SqlValue } from '../store/index.js';

/**
 * @module The metric write path: history points plus, in the same transaction, the per-series
 * summary (latest, min, max, count) and per-block summaries (256 steps a block) that search, sort
 * and charts read instead of the history.
 */

export interface MetricPoint {
  key: string;
  value: number;
  timestamp: number;
  step: number;
}

export const BLOCK_SHIFT = 8;
// 5 parameters a row; 200 rows stay far below SQLite's 32,766-parameter limit and amortise the
// per-statement cost (measured: ~3x faster than one statement per row on better-sqlite3).
const CHUNK = 200;

interface Summary {
  step: number;
  timestamp: number;
  value: number;
  isNan: boolean;
  min: number | null;
  max: number | null;
  count: number;
}

/** MLflow's "latest": the greatest (step, timestamp, value); a NaN value loses ties. */
function isLater(a: Summary, step: number, timestamp: number, value: number, isNan: boolean): boolean {
  if (step !== a.step) return step > a.step;
  if (timestamp !== a.timestamp) return timestamp > a.timestamp;
  const av = a.isNan ? -Infinity : a.value;
  const bv = isNan ? -Infinity : value;
  return bv > av;
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
    s.min = s.min === null ? value : Math.min(s.min, value);
    s.max = s.max === null ? value : Math.max(s.max, value);
  }
  s.count++;
  return s;
}

function merge(into: Summary, from: Summary): Summary {
  // A series row created for this batch holds no point yet (count 0): take the batch's summary.
  if (into.count === 0) return { ...from };
  if (isLater(into, from.step, from.timestamp, from.value, from.isNan)) {
    into.step = from.step;
    into.timestamp = from.timestamp;
    into.value = from.value;
    into.isNan = from.isNan;
  }
  into.min = into.min === null ? from.min : from.min === null ? into.min : Math.min(into.min, from.min);
  into.max = into.max === null ? from.max : from.max === null ? into.max : Math.max(into.max, from.max);
  into.count += from.count;
  return into;
}

const placeholders = (n: number, width: number) => {
  const row = `(${new Array(width).fill('?').join(', ')})`;
  return new Array(n).fill(row).join(', ');
};

/**
 * Appends points to a run's metric history. Exact duplicates (same key, step, timestamp, value)
 * collapse, as in MLflow, and are not counted twice: only rows the INSERT reports as new feed
 * the summaries.
 */
export async function writeMetrics(tx: Executor, runId: string, points: readonly MetricPoint[]): Promise<void> {
  if (!points.length) return;
  const keys = [...new Set(points.map((p) => p.key))];
  const seriesIds = await ensureSeries(tx, runId, keys, points);

  // 1. History, reporting back which rows were new.
  const inserted: { series_id: number; step: number; timestamp: number; value: number; is_nan: number }[] = [];
  for (let i = 0; i < points.length; i += CHUNK) {
    const chunk = points.slice(i, i + CHUNK);
    const params: SqlValue[] = [];
    for (const p of chunk) {
      const nan = Number.isNaN(p.value);
      params.push(seriesIds.get(p.key)!, p.step, p.timestamp, nan ? 0 : p.value, nan ? 1 : 0);
    }
    const rows = await tx.all<(typeof inserted)[number]>(
      `INSERT INTO metrics (series_id, step, timestamp, value, is_nan) VALUES ${placeholders(chunk.length, 5)} ON CONFLICT DO NOTHING RETURNING series_id, step, timestamp, value, is_nan`,
      params,
    );
    for (const r of rows) inserted.push(r);
  }
  if (!inserted.length) return;

  // 2. Summaries of what was new, per series and per block.
  const perSeries = new Map<number, Summary>();
  const perBlock = new Map<string, { series: number; block: number; s: Summary }>();
  for (const r of inserted) {
    const series = Number(r.series_id);
    const step = Number(r.step);
    const isNan = Number(r.is_nan) === 1;
    const value = isNan ? NaN : Number(r.value);
    perSeries.set(series, absorb(perSeries.get(series), step, Number(r.timestamp), value, isNan));
    const block = Math.floor(step / (1 << BLOCK_SHIFT));
    const bk = `${series}:${block}`;
    const b = perBlock.get(bk);
    if (b) absorb(b.s, step, Number(r.timestamp), value, isNan);
    else perBlock.set(bk, { series, block, s: absorb(undefined, step, Number(r.timestamp), value, isNan) });
  }

  // 3. Merge into the stored summaries.
  const stored = await tx.all<SummaryRow>(
    `SELECT series_id, step, timestamp, value, is_nan, min_value, max_value, count FROM latest_metrics WHERE series_id IN (${[...perSeries.keys()].map(() => '?').join(',')})`,
    [...perSeries.keys()],
  );
  for (const row of stored) {
    const s = merge(fromRow(row), perSeries.get(Number(row.series_id))!);
    await tx.run('UPDATE latest_metrics SET step = ?, timestamp = ?, value = ?, is_nan = ?, min_value = ?, max_value = ?, count = ? WHERE series_id = ?', [
      s.step, s.timestamp, s.isNan ? 0 : s.value, s.isNan ? 1 : 0, s.min, s.max, s.count, Number(row.series_id),
    ]);
  }
  await mergeBlocks(tx, [...perBlock.values()]);
}

interface SummaryRow {
  series_id: number;
  step: number;
  timestamp: number;
  value: number;
  is_nan: number;
  min_value: number | null;
  max_value: number | null;
  count: number;
}

function fromRow(r: SummaryRow): Summary {
  const isNan = Number(r.is_nan) === 1;
  return {
    step: Number(r.step),
    timestamp: Number(r.timestamp),
    value: isNan ? NaN : Number(r.value),
    isNan,
    min: r.min_value === null ? null : Number(r.min_value),
    max: r.max_value === null ? null : Number(r.max_value),
    count: Number(r.count),
  };
}

/** Series ids for the keys, creating empty series rows (count 0) for new keys. */
async function ensureSeries(tx: Executor, runId: string, keys: string[], points: readonly MetricPoint[]): Promise<Map<string, number>> {
  const ids = new Map<string, number>();
  const rows = await tx.all<{ series_id: number; key: string }>(
    `SELECT series_id, key FROM latest_metrics WHERE run_uuid = ? AND key IN (${keys.map(() => '?').join(',')})`,
    [runId, ...keys],
  );
  for (const r of rows) ids.set(r.key, Number(r.series_id));
  for (const key of keys) {
    if (ids.has(key)) continue;
    const first = points.find((p) => p.key === key)!;
    const row = await tx.one<{ series_id: number }>(
      'INSERT INTO latest_metrics (run_uuid, key, step, timestamp, value, is_nan, min_value, max_value, count) VALUES (?, ?, ?, ?, 0, 0, NULL, NULL, 0) RETURNING series_id',
      [runId, key, first.step, first.timestamp],
    );
    ids.set(key, Number(row!.series_id));
  }
  return ids;
}

async function mergeBlocks(tx: Executor, blocks: { series: number; block: number; s: Summary }[]): Promise<void> {
  const bySeries = new Map<number, typeof blocks>();
  for (const b of blocks) {
    if (!bySeries.has(b.series)) bySeries.set(b.series, []);
    bySeries.get(b.series)!.push(b);
  }
  for (const [series, list] of bySeries) {
    const existing = await tx.all<{ block: number; last_step: number; last_timestamp: number; last_value: number; last_is_nan: number; min_value: number | null; max_value: number | null; count: number }>(
      `SELECT block, last_step, last_timestamp, last_value, last_is_nan, min_value, max_value, count FROM metric_blocks WHERE series_id = ? AND block IN (${list.map(() => '?').join(',')})`,
      [series, ...list.map((b) => b.block)],
    );
    const old = new Map(existing.map((r) => [Number(r.block), r]));
    for (const b of list) {
      const r = old.get(b.block);
      const s = r
        ? merge(
            fromRow({ series_id: series, step: r.last_step, timestamp: r.last_timestamp, value: r.last_value, is_nan: r.last_is_nan, min_value: r.min_value, max_value: r.max_value, count: r.count }),
            b.s,
          )
        : b.s;
      await tx.run(
        `INSERT INTO metric_blocks (series_id, block, last_step, last_timestamp, last_value, last_is_nan, min_value, max_value, count) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (series_id, block) DO UPDATE SET last_step = excluded.last_step, last_timestamp = excluded.last_timestamp, last_value = excluded.last_value,
         last_is_nan = excluded.last_is_nan, min_value = excluded.min_value, max_value = excluded.max_value, count = excluded.count`,
        [series, b.block, s.step, s.timestamp, s.isNan ? 0 : s.value, s.isNan ? 1 : 0, s.min, s.max, s.count],
      );
    }
  }
}
