/**
 * @module Read benchmarks against a running server over the loaded data set: runs/search (MLflow
 * API and the native projected search) on 100,000 runs, first page and a later page, and a
 * 1,000,000-point series bucketed for a chart and sampled by get-history-bulk-interval. Each
 * figure sits next to baselines from the same run: GET /health (the HTTP floor) and, for the
 * series, reading the whole history with the bare driver (what an unbucketed chart would need).
 */
import { unpackChunk } from '../../src/tracking/metric-chunks.js';
import BetterSqlite3 from 'better-sqlite3';
import pg from 'pg';
import type { Dialect } from './databases.js';
import { readDatabase } from './read-data-cache.js';
import { startServer } from './server-process.js';
import { http, sampleLatency, summarize, type Latency } from './stats.js';

export interface ReadResults {
  dialect: Dialect;
  runs: number;
  seriesPoints: number;
  dataCached: boolean;
  loadSeconds: { runs: number; series: number };
  health: Latency;
  search: { query: Record<string, unknown>; matches: number; firstPage: Latency; laterPage: Latency; laterPageNumber: number };
  nativeSearch: { columns: string[]; firstPage: Latency; laterPage: Latency };
  series: { buckets: number; latency: Latency; bucketsReturned: number; bareFullRead: Latency };
  bulkInterval: { maxResults: number; latency: Latency; points: number };
}

export const SEARCH_QUERY = {
  filter: "metrics.m00 > 0.5 AND params.p00 = 'lr-3'",
  order_by: ['metrics.m01 DESC'],
  max_results: 100,
};
export const NATIVE_COLUMNS = ['metrics.m00', 'metrics.m01', 'params.p00', 'tags.team'];
export const LATER_PAGE = 10;

/**
 * The benchmark's search, as MLflow's runs/search and as the native projected search, each with
 * `extra` fields (a page_token); `tokenFor` walks to page LATER_PAGE once, untimed, for its token.
 */
export function benchSearches(serverUrl: string, experimentId: string) {
  const body = { experiment_ids: [experimentId], ...SEARCH_QUERY };
  const mlflow = (extra: object) => http('POST', `${serverUrl}/api/2.0/mlflow/runs/search`, { ...body, ...extra });
  const native = (extra: object) => http('POST', `${serverUrl}/api/v1/runs/search`, { ...body, columns: NATIVE_COLUMNS, ...extra });
  const tokenFor = async (call: (x: object) => Promise<any>) => {
    let token: string | undefined;
    for (let p = 1; p < LATER_PAGE; p++) token = (await call(token ? { page_token: token } : {})).next_page_token;
    if (!token) throw new Error('the search has fewer pages than the benchmark walks');
    return token;
  };
  return { body, mlflow, native, tokenFor };
}

export async function readBench(opts: { dialect: Dialect; runs: number; seriesPoints: number; samples: number; fresh: boolean; log: (s: string) => void }): Promise<ReadResults> {
  const { dialect, log } = opts;
  const { db, data, cached } = await readDatabase(dialect, opts.runs, opts.seriesPoints, opts.fresh, log);
  const server = await startServer({ home: db.home, db: db.url });
  try {
    const n = opts.samples;
    const health = await sampleLatency(n, 5, () => http('GET', `${server.url}/health`));

    const { body, mlflow, native, tokenFor } = benchSearches(server.url, data.experimentId);
    const mlflowToken = await tokenFor(mlflow);
    const nativeToken = await tokenFor(native);
    let matches = 0;
    for (let token: string | undefined, first = true; first || token; first = false) {
      const page = await http('POST', `${server.url}/api/v1/runs/search`, { ...body, max_results: 5000, columns: [], ...(token ? { page_token: token } : {}) });
      matches += page.runs.length;
      token = page.next_page_token;
    }
    const search = {
      query: SEARCH_QUERY,
      matches,
      firstPage: await sampleLatency(n, 3, () => mlflow({})),
      laterPage: await sampleLatency(n, 3, () => mlflow({ page_token: mlflowToken })),
      laterPageNumber: LATER_PAGE,
    };
    log(`  ${dialect} runs/search: first page p50 ${search.firstPage.p50} ms, page ${LATER_PAGE} p50 ${search.laterPage.p50} ms (${matches} matches; health p50 ${health.p50} ms)`);
    const nativeSearch = {
      columns: NATIVE_COLUMNS,
      firstPage: await sampleLatency(n, 3, () => native({})),
      laterPage: await sampleLatency(n, 3, () => native({ page_token: nativeToken })),
    };
    log(`  ${dialect} native search: first page p50 ${nativeSearch.firstPage.p50} ms, page ${LATER_PAGE} p50 ${nativeSearch.laterPage.p50} ms`);

    const seriesUrl = `${server.url}/api/v1/runs/${data.seriesRunId}/metrics/${data.seriesKey}/series?buckets=1000`;
    let bucketsReturned = 0;
    const seriesLatency = await sampleLatency(n, 3, async () => (bucketsReturned = (await http('GET', seriesUrl)).buckets.length));
    const bareFullRead = await bareSeriesRead(dialect, db.location, data.seriesRunId, data.seriesKey, Math.max(3, Math.floor(n / 5)));
    log(`  ${dialect} series (1000 buckets of ${data.seriesPoints} points): p50 ${seriesLatency.p50} ms; bare full read p50 ${bareFullRead.p50} ms`);
    const intervalUrl = `${server.url}/api/2.0/mlflow/metrics/get-history-bulk-interval?run_ids=${data.seriesRunId}&metric_key=${data.seriesKey}&max_results=320`;
    let intervalPoints = 0;
    const interval = await sampleLatency(n, 3, async () => (intervalPoints = (await http('GET', intervalUrl)).metrics.length));
    log(`  ${dialect} get-history-bulk-interval (320 of ${data.seriesPoints}): p50 ${interval.p50} ms`);
    return {
      dialect,
      runs: data.runs,
      seriesPoints: data.seriesPoints,
      dataCached: cached,
      loadSeconds: data.loadSeconds,
      health,
      search,
      nativeSearch,
      series: { buckets: 1000, latency: seriesLatency, bucketsReturned, bareFullRead },
      bulkInterval: { maxResults: 320, latency: interval, points: intervalPoints },
    };
  } finally {
    await server.stop();
    await db.drop();
  }
}

/**
 * Every point of the series through the bare driver: the floor for a chart that is not bucketed.
 * A series written in batches is mostly packed chunks (migration 018): their rows are read too and
 * unpacked, or the floor would be the few points stored as rows (it read 0 ms once the data set's
 * series became chunks).
 */
async function bareSeriesRead(dialect: Dialect, location: string, runId: string, key: string, reps: number): Promise<Latency> {
  const samples: number[] = [];
  if (dialect === 'sqlite') {
    const conn = new BetterSqlite3(location, { readonly: true });
    try {
      const sid = (conn.prepare('SELECT series_id FROM latest_metrics WHERE run_uuid = ? AND key = ?').get(runId, key) as { series_id: number }).series_id;
      const stmt = conn.prepare('SELECT step, timestamp, value, is_nan FROM metrics WHERE series_id = ? ORDER BY step, timestamp, value');
      const chunks = conn.prepare('SELECT points FROM metric_chunks WHERE series_id = ? ORDER BY first_step');
      for (let i = 0; i < reps; i++) {
        const t0 = performance.now();
        const points = stmt.all(sid).length + (chunks.all(sid) as { points: Uint8Array }[]).reduce((n, c) => n + unpackChunk(c.points).length, 0);
        samples.push(performance.now() - t0);
        if (!points) throw new Error('the bare read found no points of the series');
      }
    } finally {
      conn.close();
    }
    return summarize(samples);
  }
  const client = new pg.Client({ connectionString: location });
  await client.connect();
  try {
    const sid = (await client.query('SELECT series_id FROM latest_metrics WHERE run_uuid = $1 AND key = $2', [runId, key])).rows[0].series_id;
    for (let i = 0; i < reps; i++) {
      const t0 = performance.now();
      const rows = await client.query('SELECT step, timestamp, value, is_nan FROM metrics WHERE series_id = $1 ORDER BY step, timestamp, value', [sid]);
      const chunks = await client.query<{ points: Buffer }>('SELECT points FROM metric_chunks WHERE series_id = $1 ORDER BY first_step', [sid]);
      const points = rows.rows.length + chunks.rows.reduce((n, c) => n + unpackChunk(c.points).length, 0);
      samples.push(performance.now() - t0);
      if (!points) throw new Error('the bare read found no points of the series');
    }
  } finally {
    await client.end();
  }
  return summarize(samples);
}
