/**
 * @module Consistency check for the metric write path: recomputes every per-series summary
 * (latest_metrics) and per-block summary (metric_blocks) from the stored history and compares.
 * The benchmark runs it after ingest so a fast path that drifts from the rules fails loudly;
 * `fuzzWritePath` drives writeMetrics with duplicates, NaN, ±Infinity and out-of-order steps.
 */
import type { Database, Executor } from '../../src/store/index.js';
import { unpackChunk, type RunsService } from '../../src/tracking/index.js';

interface Row {
  series_id: number;
  step: number;
  timestamp: number;
  value: number;
  is_nan: number;
}

interface Expected {
  step: number;
  timestamp: number;
  value: number;
  isNan: boolean;
  min: number | null;
  max: number | null;
  count: number;
}

/** (step, timestamp, value) with NaN as -Infinity; on a full tie a non-NaN value wins. */
function later(a: Expected, r: Row): boolean {
  if (r.step !== a.step) return r.step > a.step;
  if (r.timestamp !== a.timestamp) return r.timestamp > a.timestamp;
  const av = a.isNan ? -Infinity : a.value;
  const bv = r.is_nan ? -Infinity : r.value;
  if (bv !== av) return bv > av;
  return !r.is_nan && a.isNan;
}

function add(m: Map<string, Expected>, key: string, r: Row) {
  const nan = Number(r.is_nan) === 1;
  const e = m.get(key);
  if (!e) {
    m.set(key, { step: r.step, timestamp: r.timestamp, value: nan ? 0 : r.value, isNan: nan, min: nan ? null : r.value, max: nan ? null : r.value, count: 1 });
    return;
  }
  if (later(e, r)) Object.assign(e, { step: r.step, timestamp: r.timestamp, value: nan ? 0 : r.value, isNan: nan });
  if (!nan) {
    e.min = e.min === null ? r.value : Math.min(e.min, r.value);
    e.max = e.max === null ? r.value : Math.max(e.max, r.value);
  }
  e.count++;
}

const same = (a: unknown, b: unknown) => (a === null || b === null ? a === b : Number(a) === Number(b));

/** Returns a list of mismatches (empty when every summary matches the history). */
export async function checkSummaries(ex: Executor, seriesIds?: number[]): Promise<string[]> {
  const where = seriesIds ? `WHERE series_id IN (${seriesIds.join(',')})` : '';
  const rows = (await ex.all<Row>(`SELECT series_id, step, timestamp, value, is_nan FROM metrics ${where}`)).map((r) => ({
    series_id: Number(r.series_id), step: Number(r.step), timestamp: Number(r.timestamp), value: Number(r.value), is_nan: Number(r.is_nan),
  }));
  // Points packed in chunks (migration 018) are history too.
  for (const c of await ex.all<{ series_id: number; points: Uint8Array }>(`SELECT series_id, points FROM metric_chunks ${where}`)) {
    for (const p of unpackChunk(c.points)) rows.push({ series_id: Number(c.series_id), ...p });
  }
  const series = new Map<string, Expected>();
  const blocks = new Map<string, Expected>();
  for (const r of rows) {
    add(series, String(r.series_id), r);
    add(blocks, `${r.series_id}:${Math.floor(r.step / 256)}`, r);
  }
  const problems: string[] = [];
  const lm = await ex.all<{ series_id: number; step: number; timestamp: number; value: number; is_nan: number; min_value: number | null; max_value: number | null; count: number }>(
    `SELECT series_id, step, timestamp, value, is_nan, min_value, max_value, count FROM latest_metrics ${where}`,
  );
  for (const s of lm) {
    const e = series.get(String(s.series_id));
    if (!e) {
      if (Number(s.count) !== 0) problems.push(`series ${s.series_id}: count ${s.count} but no history`);
      continue;
    }
    const got = [s.step, s.timestamp, s.value, s.is_nan, s.min_value, s.max_value, s.count];
    const want = [e.step, e.timestamp, e.value, e.isNan ? 1 : 0, e.min, e.max, e.count];
    if (!got.every((g, i) => same(g, want[i]))) problems.push(`series ${s.series_id}: stored ${JSON.stringify(got)} expected ${JSON.stringify(want)}`);
  }
  const mb = await ex.all<{ series_id: number; block: number; last_step: number; last_timestamp: number; last_value: number; last_is_nan: number; min_value: number | null; max_value: number | null; count: number }>(
    `SELECT series_id, block, last_step, last_timestamp, last_value, last_is_nan, min_value, max_value, count FROM metric_blocks ${where}`,
  );
  if (mb.length !== blocks.size) problems.push(`${mb.length} block rows, expected ${blocks.size}`);
  for (const b of mb) {
    const e = blocks.get(`${b.series_id}:${b.block}`);
    const got = [b.last_step, b.last_timestamp, b.last_value, b.last_is_nan, b.min_value, b.max_value, b.count];
    const want = e ? [e.step, e.timestamp, e.value, e.isNan ? 1 : 0, e.min, e.max, e.count] : [];
    if (!e || !got.every((g, i) => same(g, want[i]))) problems.push(`block ${b.series_id}:${b.block}: stored ${JSON.stringify(got)} expected ${JSON.stringify(want)}`);
  }
  return problems;
}

/** Random batches with duplicates (within and across batches), NaN, ±Infinity and steps out of order. */
export async function fuzzWritePath(db: Database, runs: RunsService, seed = 1, batches = 60): Promise<string[]> {
  let s = seed >>> 0;
  const rnd = () => ((s = (Math.imul(s ^ (s >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0) / 2 ** 32);
  const runIds = [(await runs.create({})).info.run_id, (await runs.create({})).info.run_id];
  const specials = [NaN, Infinity, -Infinity, 0, -1];
  const sent: { key: string; value: number; timestamp: number; step: number }[] = [];
  for (let b = 0; b < batches; b++) {
    const metrics: typeof sent = [];
    const n = 1 + Math.floor(rnd() * (rnd() < 0.2 ? 1000 : 40));
    for (let i = 0; i < n; i++) {
      if (sent.length && rnd() < 0.15) {
        metrics.push(sent[Math.floor(rnd() * sent.length)]!); // exact duplicate of an earlier point
        continue;
      }
      const value = rnd() < 0.1 ? specials[Math.floor(rnd() * specials.length)]! : Math.round(rnd() * 100) / 10;
      metrics.push({ key: `k${Math.floor(rnd() * 4)}`, value, timestamp: 1000 + Math.floor(rnd() * 5), step: Math.floor(rnd() * 2000) - 300 });
    }
    if (rnd() < 0.2) metrics.push(...metrics.slice(0, 3)); // duplicates inside one batch
    sent.push(...metrics);
    const runId = runIds[b % 2]!;
    if (rnd() < 0.3) await Promise.all([runs.logBatch(runId, { metrics }), runs.logBatch(runId, { metrics: metrics.slice(0, 5) })]);
    else await runs.logBatch(runId, { metrics });
  }
  const ids = (await db.all<{ series_id: number }>(`SELECT series_id FROM latest_metrics WHERE run_uuid IN (?, ?)`, runIds)).map((r) => Number(r.series_id));
  return checkSummaries(db, ids);
}
