/**
 * @module The read benchmarks' data set: N runs x (20 params, 20 metrics, 5 tags) written by the
 * bulk loader (bulk-load.ts: the rows the API would write, without HTTP; 100,000 runs took
 * 155-230 s through the store's SQL interface before it, ~15 minutes through HTTP), plus one run
 * with a long series (1,000,000 points) written through the real write path.
 */
import { randomBytes } from 'node:crypto';
import type { Database } from '../../src/store/index.js';
import { createTracking } from '../../src/tracking/index.js';
import { BENCH_BASE_TIME, benchRuns, prng } from './bench-runs.js';
import { bulkLoad } from './bulk-load.js';

export { SEARCH_SHAPE, pad } from './bench-runs.js';
const RUNS_PER_CHUNK = 10_000;

export interface SearchData {
  experimentId: string;
  runs: number;
  seriesRunId: string;
  seriesKey: string;
  seriesPoints: number;
  loadSeconds: { runs: number; series: number };
}

/** `open` opens the (migrated) store at `location`; the bulk load runs while no store holds it. */
export async function loadSearchData(open: () => Promise<Database>, location: string, runs: number, seriesPoints: number, log: (s: string) => void): Promise<SearchData> {
  let db = await open();
  const t = createTracking(db);
  const experimentId = await t.experiments.create(`search-bench-${randomBytes(4).toString('hex')}`, undefined, []);
  const artifactLocation = (await t.experiments.get(experimentId)).artifact_location;
  await db.close();
  const t0 = performance.now();
  const every = Math.max(1, Math.round(runs / RUNS_PER_CHUNK / 5));
  let n = 0;
  await bulkLoad({ dialect: db.dialect, location, experimentId, artifactLocation }, benchRuns(runs, RUNS_PER_CHUNK), (s) => (++n % every === 0 || s.includes('indexes')) && log(s));
  const runsSeconds = (performance.now() - t0) / 1000;

  db = await open();
  const t2 = createTracking(db);
  try {
    if (db.dialect === 'postgres') {
      // What autovacuum does shortly after a bulk load (PostgreSQL 13+ vacuums insert-only tables
      // too): statistics for the planner, and the visibility map that index-only scans need.
      await db.exec('VACUUM ANALYZE');
    }
    // The long series goes through the real write path: 1,000-point batches, as a client sends them.
    const t1 = performance.now();
    const run = await t2.runs.create({ experimentId, runName: 'long-series' });
    const seriesKey = 'loss';
    const frnd = prng(7);
    for (let from = 0; from < seriesPoints; from += 1000) {
      const metrics = [];
      for (let s = from; s < Math.min(seriesPoints, from + 1000); s++) metrics.push({ key: seriesKey, value: 1 / (1 + s / 1000) + frnd() * 0.05, timestamp: BENCH_BASE_TIME + s * 10, step: s });
      await t2.runs.logBatch(run.info.run_id, { metrics });
    }
    const seriesSeconds = (performance.now() - t1) / 1000;
    // Statistics that include the long series, as autovacuum would have them by the time anyone
    // charts it: with the ones from before it, PostgreSQL planned get-history-bulk-interval's
    // queries for a 1-point series (~220 ms instead of ~10).
    if (db.dialect === 'postgres') await db.exec('VACUUM ANALYZE');
    return { experimentId, runs, seriesRunId: run.info.run_id, seriesKey, seriesPoints, loadSeconds: { runs: runsSeconds, series: seriesSeconds } };
  } finally {
    await db.close();
  }
}
