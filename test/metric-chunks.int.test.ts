import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkSummaries } from '../bench/tracking/check-summaries.js';
import { migrate, openDatabase, type Database } from '../src/store/index.js';
import { bucketedSeries, createTracking, metricHistory, metricHistoryBulk, sampledHistory, type Tracking } from '../src/tracking/index.js';
import { CHUNK_DIALECTS, pointsToColumns, writeMetricColumns, type MetricPoint } from '../src/tracking/metric-writer.js';
import { bulkSeries } from '../src/tracking/series-bulk.js';
import { createTestDatabase, DIALECTS, type TestDatabase } from './helpers/databases.js';
import { prng } from './helpers/metric-oracle.js';

/**
 * Packed metric chunks (migration 018): the same batches written to one run through the row path
 * only and to another with every eligible series packed into chunks must read back identically
 * through every read API, with the same summaries, and the store must stay consistent.
 */
const KEYS = ['loss', 'acc'];

function batch(r: () => number, from: number, to: number, opts: { perStep?: number; specials?: boolean; reverse?: boolean } = {}): MetricPoint[] {
  const out: MetricPoint[] = [];
  for (const key of KEYS) {
    for (let step = from; step <= to; step++) {
      const k = 1 + Math.floor(r() * (opts.perStep ?? 1));
      for (let j = 0; j < k; j++) {
        const x = r();
        const value = opts.specials && x < 0.05 ? NaN : opts.specials && x < 0.07 ? Infinity : opts.specials && x < 0.09 ? -Infinity : Math.round(r() * 1000) / 8;
        out.push({ key, step, timestamp: 1000 + Math.floor(r() * 3), value });
      }
    }
  }
  // Exact duplicates inside the batch.
  for (let i = 0; i < out.length; i += 17) out.push({ ...out[i]! });
  if (opts.reverse) out.reverse();
  return out;
}

describe.each(DIALECTS)('metric chunks on %s', (dialect) => {
  let t: TestDatabase;
  let db: Database;
  let tracking: Tracking;
  let rowsRun: string;
  let chunkRun: string;
  const write = async (points: MetricPoint[]) => {
    await db.transaction((tx) => writeMetricColumns(tx, rowsRun, pointsToColumns(points), { chunkMin: Infinity }));
    await db.transaction((tx) => writeMetricColumns(tx, chunkRun, pointsToColumns(points), { chunkMin: 2 }));
  };
  const summaries = async (runId: string) =>
    (await db.all(`SELECT key, step, timestamp, value, is_nan, min_value, max_value, count FROM latest_metrics WHERE run_uuid = ? ORDER BY key`, [runId])).map((r) =>
      Object.fromEntries(Object.entries(r).map(([k, v]) => [k, typeof v === 'string' && k !== 'key' ? Number(v) : v])),
    );
  const blocks = async (runId: string) =>
    (await db.all(
      `SELECT l.key, b.block, b.last_step, b.last_timestamp, b.last_value, b.last_is_nan, b.min_value, b.max_value, b.count
       FROM metric_blocks b JOIN latest_metrics l ON l.series_id = b.series_id WHERE l.run_uuid = ? ORDER BY l.key, b.block`,
      [runId],
    )).map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, typeof v === 'string' && k !== 'key' ? Number(v) : v])));
  const chunkRows = async (runId: string) =>
    Number((await db.one<{ n: number }>('SELECT count(*) AS n FROM metric_chunks c JOIN latest_metrics l ON l.series_id = c.series_id WHERE l.run_uuid = ?', [runId]))!.n);

  /** Every read API, on one run, with run ids taken out so both runs' answers can be compared. */
  async function readAll(runId: string) {
    const out: Record<string, unknown> = {};
    for (const key of KEYS) {
      for (const pageSize of [7, 333, 25_000]) {
        const pages: unknown[] = [];
        let token: string | undefined;
        do {
          const page = await metricHistory(db, runId, key, pageSize, token);
          pages.push(page.metrics);
          token = page.next_page_token;
        } while (token);
        out[`history ${key} ${pageSize}`] = pages;
      }
      for (const max of [50, 25_000]) out[`bulk ${key} ${max}`] = (await metricHistoryBulk(db, [runId], key, max)).map(({ run_id: _r, ...p }) => p);
      for (const q of [{ buckets: 3 }, { buckets: 7, startStep: 100, endStep: 1900 }, { buckets: 50 }, { buckets: 3000 }, { buckets: 20, startStep: 590, endStep: 1310 }]) {
        out[`buckets ${key} ${JSON.stringify(q)}`] = await bucketedSeries(db, runId, key, q);
      }
      for (const q of [{ maxResults: 10 }, { maxResults: 100, startStep: 550, endStep: 1250 }, { maxResults: 5000 }]) {
        out[`sampled ${key} ${JSON.stringify(q)}`] = (await sampledHistory(db, [runId], key, q)).map(({ run_id: _r, ...p }) => p);
      }
    }
    out.series = (await bulkSeries(db, { runIds: [runId], keys: KEYS, buckets: 40, timestamps: true })).series.map(({ run_id: _r, ...s }) => s);
    out.summaries = await summaries(runId);
    out.blocks = await blocks(runId);
    return out;
  }

  beforeAll(async () => {
    t = await createTestDatabase(dialect);
    db = await openDatabase(t.url, t.home);
    await migrate(db);
    tracking = createTracking(db);
    rowsRun = (await tracking.runs.create({})).info.run_id;
    chunkRun = (await tracking.runs.create({})).info.run_id;
  });
  afterAll(async () => {
    await db?.close();
    await t?.drop();
  });

  it('answers every read the same whether points went into chunks or rows', async () => {
    const r = prng(14);
    // 1: appends with several points a step, duplicates in the batch, NaN and ±Infinity.
    const first = batch(r, 0, 599, { perStep: 3, specials: true });
    await write(first);
    const afterFirst = await summaries(chunkRun);
    expect(afterFirst).toEqual(await summaries(rowsRun));
    if (CHUNK_DIALECTS.includes(dialect)) expect(await chunkRows(chunkRun)).toBe(KEYS.length);
    expect(await chunkRows(rowsRun)).toBe(0);

    // 2: the same batch again (a client retry): nothing new, counts unchanged.
    await write(first);
    expect(await summaries(chunkRun)).toEqual(afterFirst);
    expect(await summaries(rowsRun)).toEqual(afterFirst);
    const stored = await db.one<{ n: number }>('SELECT count(*) AS n FROM metrics m JOIN latest_metrics l ON l.series_id = m.series_id WHERE l.run_uuid = ?', [chunkRun]);
    if (CHUNK_DIALECTS.includes(dialect)) expect(Number(stored!.n)).toBe(0);

    // 3: another append; 4: overlapping steps with exact duplicates of chunked points and new ones.
    const third = batch(r, 600, 1199, { specials: true });
    await write(third);
    await write([...third.slice(500, 700), ...batch(r, 1100, 1300, { perStep: 2 })]);
    // 5: an append after rows; 6: one point; 7: an append sent in reverse order.
    await write(batch(r, 1301, 1700, { specials: true }));
    await write([{ key: 'loss', step: 1701, timestamp: 5, value: -Infinity }]);
    await write(batch(r, 1702, 2100, { perStep: 2, specials: true, reverse: true }));
    // 8: a resend of an old chunk's points mixed with a few new points at its steps.
    await write([...first.slice(0, 40), { key: 'acc', step: 3, timestamp: 7, value: NaN }, { key: 'loss', step: 4, timestamp: 1, value: 0.5 }]);

    const rows = await readAll(rowsRun);
    const chunks = await readAll(chunkRun);
    for (const k of Object.keys(rows)) expect({ read: k, answer: chunks[k] }).toEqual({ read: k, answer: rows[k] });
    const loss = (rows.summaries as { key: string; count: number }[]).find((s) => s.key === 'loss')!;
    expect(loss.count).toBeGreaterThan(3000);
    if (CHUNK_DIALECTS.includes(dialect)) expect(await chunkRows(chunkRun)).toBeGreaterThanOrEqual(3 * KEYS.length);
    expect(await checkSummaries(db)).toEqual([]);
  }, 60_000);

  it('keeps every point exactly once when chunk appends, their resends and single writes at chunked steps race', async () => {
    // PostgreSQL runs these side by side (the group commit takes the single writes); the writer
    // locks each series before reading its greatest step and chunked_to, so a resend or a point
    // racing the chunk that holds its twin is still collapsed. SQLite serialises them.
    const r = prng(77);
    const run = (await tracking.runs.create({})).info.run_id;
    const appends: MetricPoint[][] = [];
    for (let from = 0; from < 1600; from += 200) appends.push(batch(r, from, from + 199, { perStep: 2 }));
    const singles = appends.flatMap((a) => [a[5]!, a[77]!, { ...a[9]!, value: a[9]!.value + 0.25 }]);
    const writes: Promise<void>[] = [];
    for (const a of appends) {
      writes.push(tracking.runs.logMetricColumns(run, pointsToColumns(a)));
      writes.push(tracking.runs.logMetricColumns(run, pointsToColumns(a)));
    }
    for (const p of singles) writes.push(tracking.runs.logMetric(run, p));
    await Promise.all(writes);
    const distinct = new Set([...appends.flat(), ...singles].map((p) => `${p.key}|${p.step}|${p.timestamp}|${p.value}`));
    const stored = new Set<string>();
    let n = 0;
    for (const key of KEYS) {
      let token: string | undefined;
      do {
        const page = await metricHistory(db, run, key, 25_000, token);
        for (const p of page.metrics) stored.add(`${p.key}|${p.step}|${p.timestamp}|${p.value}`);
        n += page.metrics.length;
        token = page.next_page_token;
      } while (token);
    }
    expect(n).toBe(distinct.size);
    expect(stored).toEqual(distinct);
    const counts = (await summaries(run)) as { count: number }[];
    expect(counts.reduce((a, s) => a + s.count, 0)).toBe(distinct.size);
    if (CHUNK_DIALECTS.includes(dialect)) expect(await chunkRows(run)).toBeGreaterThan(0);
    expect(await checkSummaries(db)).toEqual([]);
  }, 60_000);

  it('samples a series held only in chunks (get-history-bulk-interval) as it samples rows, decoding only the chunks it needs', async () => {
    const r = prng(41);
    const a = (await tracking.runs.create({})).info.run_id;
    const b = (await tracking.runs.create({})).info.run_id;
    // Appends only: every chunk run's points stay in chunks, none in rows.
    for (let from = 0; from < 3000; from += 250) {
      const points = batch(r, from, from + 249, { perStep: 3, specials: true });
      await db.transaction((tx) => writeMetricColumns(tx, a, pointsToColumns(points), { chunkMin: Infinity }));
      await db.transaction((tx) => writeMetricColumns(tx, b, pointsToColumns(points), { chunkMin: 2 }));
    }
    if (CHUNK_DIALECTS.includes(dialect)) expect(await chunkRows(b)).toBe(12 * KEYS.length);
    for (const key of KEYS) {
      for (const q of [{ maxResults: 10 }, { maxResults: 1 }, { maxResults: 2 }, { maxResults: 320 }, { maxResults: 77, startStep: 249, endStep: 2251 }, { maxResults: 5, startStep: 250, endStep: 250 }, { maxResults: 33, startStep: -10, endStep: 1000 }, { maxResults: 3000 }]) {
        const rowsAnswer = (await sampledHistory(db, [a], key, q)).map(({ run_id: _r, ...p }) => p);
        const chunkAnswer = (await sampledHistory(db, [b], key, q)).map(({ run_id: _r, ...p }) => p);
        expect({ key, q, answer: chunkAnswer }).toEqual({ key, q, answer: rowsAnswer });
      }
    }
  }, 60_000);
});
