import { InvalidParameter } from '../core/errors.js';
import type { Executor, SqlValue } from '../store/index.js';
import { BLOCK_SHIFT } from './metric-writer.js';
import { chunkStepRange, lowerBound, sampledChunkPoints, seriesPoints, type PointRow } from './metric-chunks.js';
import { seriesInfo, toMetric, type HistoryPoint } from './metric-history.js';

/** One chart bucket: the last point in it (MLflow's latest rule), and min, max, count of values. */
export interface Bucket {
  step: number;
  /** The last point's timestamp (ms), for charts on a wall-clock or relative-time axis. */
  timestamp: number;
  last: number;
  min: number | null;
  max: number | null;
  count: number;
}

const BLOCK = 1 << BLOCK_SHIFT;

interface Agg {
  lastStep: number;
  lastTs: number;
  last: number;
  min: number | null;
  max: number | null;
  count: number;
}

/** The writer's latest rule (metric-writer `isLater`): NaN counts as -Infinity and loses a full tie to it. */
function later(a: Agg, step: number, ts: number, v: number): boolean {
  if (step !== a.lastStep) return step > a.lastStep;
  if (ts !== a.lastTs) return ts > a.lastTs;
  const bv = Number.isNaN(v) ? -Infinity : v;
  const av = Number.isNaN(a.last) ? -Infinity : a.last;
  if (bv !== av) return bv > av;
  return !Number.isNaN(v) && Number.isNaN(a.last);
}

function add(buckets: Map<number, Agg>, b: number, step: number, ts: number, last: number, min: number | null, max: number | null, count: number) {
  const a = buckets.get(b);
  if (!a) {
    buckets.set(b, { lastStep: step, lastTs: ts, last, min, max, count });
    return;
  }
  if (later(a, step, ts, last)) Object.assign(a, { lastStep: step, lastTs: ts, last });
  if (min !== null) a.min = a.min === null ? min : Math.min(a.min, min);
  if (max !== null) a.max = a.max === null ? max : Math.max(a.max, max);
  a.count += count;
}

/**
 * A series bucketed for a chart without reading its whole history. When a bucket spans at least
 * one 256-step block, buckets are aligned to blocks and built from the block summaries written
 * with the points (a 1M-point series is ~3,900 block rows), with raw points only for partial
 * blocks at the edges; narrower buckets aggregate raw points in SQL over the step range.
 */
export async function bucketedSeries(ex: Executor, runId: string, key: string, opts: { buckets: number; startStep?: number; endStep?: number }): Promise<Bucket[]> {
  const n = opts.buckets;
  if (!Number.isInteger(n) || n < 1 || n > 10_000) throw new InvalidParameter(`Invalid value ${n} for parameter 'buckets': it must be an integer between 1 and 10000.`);
  const series = await seriesInfo(ex, runId, key);
  if (series === undefined) return [];
  const { sid, chunked } = series;
  const range = await stepRange(ex, sid, chunked);
  if (!range) return [];
  const start = Math.max(opts.startStep ?? range.lo, range.lo);
  const end = Math.min(opts.endStep ?? range.hi, range.hi);
  if (end < start) return [];
  const span = end - start + 1;
  const width = Math.ceil(span / n);
  const buckets = new Map<number, Agg>();
  if (width >= BLOCK) {
    // Bucket boundaries on multiples of a block-aligned width from a block-aligned origin, so no
    // block straddles two buckets; the width covers origin..end in n buckets (not n + 1).
    const origin = Math.floor(start / BLOCK) * BLOCK;
    const w = Math.ceil((end - origin + 1) / n / BLOCK) * BLOCK;
    const firstBlock = Math.ceil(start / BLOCK);
    const lastBlock = Math.floor((end + 1) / BLOCK) - 1;
    // Blocks are grouped into buckets in SQL: materialising a row costs better-sqlite3 ~3 us, so
    // the 1M-point series' 3,906 block rows took ~12 ms to read and its ~980 bucket rows take ~3.
    // A bucket's latest point is its highest block's (blocks hold disjoint step ranges).
    // (block * BLOCK - origin) >= 0, so CAST's truncation is floor division on both databases;
    // GROUP BY the alias because PostgreSQL does not match two parameterised copies of it. The
    // join takes series_id from the grouped rows, not a parameter: with a parameter PostgreSQL
    // (statistics from before the series grew) probed (series_id) and filtered block, 600 ms
    // instead of 12 ms.
    const grouped = await ex.all<{ b: number; last_step: number; last_timestamp: number; last_value: number; last_is_nan: number; min_value: number | null; max_value: number | null; count: number }>(
      `SELECT g.b, l.last_step, l.last_timestamp, l.last_value, l.last_is_nan, g.min_value, g.max_value, g.count
       FROM (SELECT series_id, CAST((block * ${BLOCK} - ?) / ? AS BIGINT) AS b, max(block) AS top, min(min_value) AS min_value, max(max_value) AS max_value, sum(count) AS count
             FROM metric_blocks WHERE series_id = ? AND block BETWEEN ? AND ? GROUP BY series_id, b) g
       JOIN metric_blocks l ON l.series_id = g.series_id AND l.block = g.top
       ORDER BY g.b`,
      [origin, w, sid, firstBlock, lastBlock],
    );
    for (const bl of grouped) {
      const last = Number(bl.last_is_nan) ? NaN : Number(bl.last_value);
      add(buckets, Number(bl.b), Number(bl.last_step), Number(bl.last_timestamp), last, nul(bl.min_value), nul(bl.max_value), Number(bl.count));
    }
    const edges: [number, number][] = [];
    if (lastBlock < firstBlock) edges.push([start, end]);
    else {
      if (start < firstBlock * BLOCK) edges.push([start, firstBlock * BLOCK - 1]);
      if ((lastBlock + 1) * BLOCK <= end) edges.push([(lastBlock + 1) * BLOCK, end]);
    }
    for (const [lo, hi] of edges) {
      const rows = chunked
        ? await seriesPoints(ex, sid, lo, hi)
        : await ex.all<PointRow>('SELECT step, timestamp, value, is_nan FROM metrics WHERE series_id = ? AND step BETWEEN ? AND ?', [sid, lo, hi]);
      for (const r of rows) {
        const nan = Number(r.is_nan) === 1;
        const v = nan ? NaN : Number(r.value);
        add(buckets, Math.floor((Number(r.step) - origin) / w), Number(r.step), Number(r.timestamp), v, nan ? null : v, nan ? null : v, 1);
      }
    }
  } else if (chunked) {
    // Points in chunks are not rows SQL can group: the same buckets, aggregated here.
    for (const p of await seriesPoints(ex, sid, start, end)) {
      const v = p.is_nan ? NaN : p.value;
      const nan = p.is_nan === 1;
      add(buckets, Math.floor((p.step - start) / width), p.step, p.timestamp, v, nan ? null : v, nan ? null : v, 1);
    }
  } else {
    const rows = await ex.all<{ b: number; last_step: number; min_value: number | null; max_value: number | null; count: number }>(
      // CAST: better-sqlite3 binds JS numbers as REAL, so SQLite would divide as floats (one
      // bucket per step). GROUP BY the alias: PostgreSQL does not match two parameterised copies
      // of the expression.
      `SELECT CAST((step - ?) / ? AS BIGINT) AS b, max(step) AS last_step, min(CASE WHEN is_nan = 0 THEN value END) AS min_value,
              max(CASE WHEN is_nan = 0 THEN value END) AS max_value, count(*) AS count
       FROM metrics WHERE series_id = ? AND step BETWEEN ? AND ? GROUP BY b ORDER BY b`,
      [start, width, sid, start, end],
    );
    const lastByStep = await latestAtSteps(ex, sid, rows.map((r) => Number(r.last_step)));
    for (const r of rows) {
      const p = lastByStep.get(Number(r.last_step))!;
      buckets.set(Number(r.b), { lastStep: Number(r.last_step), lastTs: p.ts, last: p.v, min: nul(r.min_value), max: nul(r.max_value), count: Number(r.count) });
    }
  }
  return [...buckets.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([, a]) => ({ step: a.lastStep, timestamp: a.lastTs, last: a.last, min: a.min, max: a.max, count: a.count }));
}

/** First and last step of a series: two index seeks (one query with both min() and max() would scan). */
async function stepRange(ex: Executor, sid: number, chunked: boolean): Promise<{ lo: number; hi: number } | undefined> {
  const lo = await ex.one<{ step: number }>('SELECT step FROM metrics WHERE series_id = ? ORDER BY step LIMIT 1', [sid]);
  const hi = await ex.one<{ step: number }>('SELECT step FROM metrics WHERE series_id = ? ORDER BY step DESC LIMIT 1', [sid]);
  const rows = lo && hi ? { lo: Number(lo.step), hi: Number(hi.step) } : undefined;
  const packed = chunked ? await chunkStepRange(ex, sid) : undefined;
  if (!packed) return rows;
  if (!rows) return packed;
  return { lo: Math.min(rows.lo, packed.lo), hi: Math.max(rows.hi, packed.hi) };
}

function nul(v: number | null): number | null {
  return v === null || v === undefined ? null : Number(v);
}

/** For each step, the latest point at it (greatest timestamp, then value; NaN, stored as 0, lowest). */
async function latestAtSteps(ex: Executor, sid: number, steps: number[]): Promise<Map<number, { ts: number; v: number }>> {
  const out = new Map<number, { ts: number; v: number }>();
  for (let i = 0; i < steps.length; i += 500) {
    const chunk = steps.slice(i, i + 500);
    const rows = await ex.all<{ step: number; timestamp: number; value: number; is_nan: number }>(
      `SELECT step, timestamp, value, is_nan FROM metrics WHERE series_id = ? AND step IN (${chunk.map(() => '?').join(',')}) ORDER BY step, timestamp, is_nan DESC, value`,
      [sid, ...chunk],
    );
    for (const r of rows) out.set(Number(r.step), { ts: Number(r.timestamp), v: Number(r.is_nan) ? NaN : Number(r.value) });
  }
  return out;
}

/**
 * MLflow's get-history-bulk-interval: per run, up to `maxResults` steps spread evenly over the
 * range (the first and last step always included), and every point at those steps. Steps are
 * found with index seeks toward evenly spaced targets, so no run's whole history is read
 * (MLflow reads it all for every chart request, reference §7 #10).
 */
export async function sampledHistory(ex: Executor, runIds: string[], key: string, opts: { maxResults: number; startStep?: number; endStep?: number }): Promise<HistoryPoint[]> {
  const out: HistoryPoint[] = [];
  for (const runId of runIds) {
    const series = await seriesInfo(ex, runId, key);
    if (series === undefined) continue;
    const { sid, chunked } = series;
    const range = await stepRange(ex, sid, chunked);
    if (!range) continue;
    const lo = Math.max(opts.startStep ?? range.lo, range.lo);
    const hi = Math.min(opts.endStep ?? range.hi, range.hi);
    if (hi < lo) continue;
    const m = opts.maxResults;
    if (chunked) {
      // Only chunks in the range (no rows there): seek the targets in the chunks' step ranges.
      const targets: number[] = [];
      for (let i = 0; i < m; i++) targets.push(m === 1 ? lo : Math.round(lo + ((hi - lo) * i) / (m - 1)));
      const rowsThere = await ex.one('SELECT 1 AS x FROM metrics WHERE series_id = ? AND step BETWEEN ? AND ? LIMIT 1', [sid, lo, hi]);
      const sampled = rowsThere ? undefined : await sampledChunkPoints(ex, sid, lo, hi, targets);
      for (const p of sampled ?? sampleSteps(await seriesPoints(ex, sid, lo, hi), lo, hi, m)) out.push({ ...toMetric(key, p), run_id: runId });
      continue;
    }
    const steps = new Set<number>();
    // A range holding no more than m steps comes back whole, however its steps are spaced (the
    // seeks below would skip steps that fall between two targets); this reads at most m + 1 steps.
    const few = await ex.all<{ step: number }>('SELECT DISTINCT step FROM metrics WHERE series_id = ? AND step BETWEEN ? AND ? ORDER BY step LIMIT ?', [sid, lo, hi, m + 1]);
    if (few.length <= m) {
      for (const r of few) steps.add(Number(r.step));
    } else {
      // All seeks in one statement (a correlated lookup per target): on PostgreSQL each was a
      // round trip, 320 of them ~160-250 ms; SQLite is unchanged by it.
      const targets: number[] = [];
      for (let i = 0; i < m; i++) targets.push(m === 1 ? lo : Math.round(lo + ((hi - lo) * i) / (m - 1)));
      const found = await ex.all<{ step: number | null }>(
        `SELECT (SELECT step FROM metrics WHERE series_id = ? AND step >= t.column1 AND step <= ? ORDER BY step LIMIT 1) AS step
         FROM (VALUES ${targets.map(() => '(CAST(? AS BIGINT))').join(', ')}) AS t`,
        [sid, hi, ...targets],
      );
      for (const row of found) if (row.step !== null && row.step !== undefined) steps.add(Number(row.step));
      const last = await ex.one<{ step: number }>('SELECT step FROM metrics WHERE series_id = ? AND step <= ? ORDER BY step DESC LIMIT 1', [sid, hi]);
      if (last) steps.add(Number(last.step));
    }
    const list: SqlValue[] = [...steps].sort((a, b) => a - b);
    for (let i = 0; i < list.length; i += 500) {
      const chunk = list.slice(i, i + 500);
      const rows = await ex.all<{ step: number; timestamp: number; value: number; is_nan: number }>(
        `SELECT step, timestamp, value, is_nan FROM metrics WHERE series_id = ? AND step IN (${chunk.map(() => '?').join(',')}) ORDER BY step, timestamp, value`,
        [sid, ...chunk],
      );
      for (const r of rows) out.push({ ...toMetric(key, r), run_id: runId });
    }
  }
  return out;
}

/**
 * sampledHistory's choice of steps over points already read (a series with chunks): the same
 * steps the seeks find (the first step at or after each target, and the last step), and every
 * point at them, in history order.
 */
function sampleSteps(points: PointRow[], lo: number, hi: number, m: number): PointRow[] {
  const distinct: number[] = [];
  for (const p of points) if (distinct[distinct.length - 1] !== p.step) distinct.push(p.step);
  if (distinct.length <= m) return points;
  const chosen = new Set<number>();
  for (let i = 0; i < m; i++) {
    const target = m === 1 ? lo : Math.round(lo + ((hi - lo) * i) / (m - 1));
    const a = lowerBound(distinct, target);
    if (a < distinct.length) chosen.add(distinct[a]!);
  }
  chosen.add(distinct[distinct.length - 1]!);
  return points.filter((p) => chosen.has(p.step));
}
