import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { benchRuns, BENCH_USER, type BenchRun } from '../bench/tracking/bench-runs.js';
import { bulkLoad, BULK_TABLES } from '../bench/tracking/bulk-load.js';
import { openDatabase, type Database } from '../src/store/index.js';
import { createTracking } from '../src/tracking/index.js';
import { createTestDatabase, DIALECTS, type TestDatabase } from './helpers/databases.js';

// The search benchmark's bulk loader (issue 14) must write exactly the rows the tracking API
// writes for the same runs, or the benchmark measures another store. Same specs, two stores: one
// through the service (runs/create, log-batch, runs/update), one through the loader; every row of
// every table it writes compared with run ids and series ids replaced by what they stand for, and
// the indexes it drops and rebuilds compared by definition.
const RUNS = 40;
const specs: BenchRun[] = [...benchRuns(RUNS, 15)].flat();

async function viaApi(db: Database, exp: string): Promise<void> {
  const t = createTracking(db);
  for (const r of specs) {
    const run = await t.runs.create({ experimentId: exp, runName: r.name, userId: BENCH_USER, startTime: r.start, tags: [{ key: 'mlflow.user', value: BENCH_USER }] });
    const id = run.info.run_id;
    await t.runs.logBatch(id, { params: r.params.map(([key, value]) => ({ key, value })), tags: r.tags.map(([key, value]) => ({ key, value })), metrics: r.metrics });
    await t.runs.update(id, { status: 'FINISHED', endTime: r.end });
  }
}

/** Every row of the loader's tables, ids replaced by run names and (run, key). */
async function dump(db: Database): Promise<Record<string, string[]>> {
  const names = new Map((await db.all<{ run_uuid: string; name: string }>('SELECT run_uuid, name FROM runs')).map((r) => [r.run_uuid, r.name]));
  const series = new Map((await db.all<{ series_id: number; run_uuid: string; key: string }>('SELECT series_id, run_uuid, key FROM latest_metrics')).map((r) => [Number(r.series_id), `${names.get(r.run_uuid)}/${r.key}`]));
  const out: Record<string, string[]> = {};
  for (const table of BULK_TABLES) {
    const rows = await db.all<Record<string, unknown>>(`SELECT * FROM ${table}`);
    out[table] = rows
      .map((row) => {
        const norm: Record<string, unknown> = {};
        for (const [k, v] of Object.entries(row)) {
          if (k === 'series_id') norm[k] = series.get(Number(v));
          else if (k === 'run_uuid') norm[k] = names.get(String(v));
          else if (k === 'artifact_uri') norm[k] = String(v).replace(String(row.run_uuid), '<run>');
          else norm[k] = typeof v === 'bigint' || (typeof v === 'string' && /^-?\d+$/.test(v) && k !== 'value') ? Number(v) : v;
        }
        return JSON.stringify(Object.keys(norm).sort().map((k) => [k, norm[k]]));
      })
      .sort();
  }
  return out;
}

async function indexDefinitions(db: Database): Promise<string[]> {
  const rows =
    db.dialect === 'sqlite'
      ? await db.all<{ d: string }>(`SELECT name || ': ' || coalesce(sql, '') AS d FROM sqlite_master WHERE type = 'index' AND tbl_name IN (${BULK_TABLES.map(() => '?').join(',')})`, [...BULK_TABLES])
      : await db.all<{ d: string }>(`SELECT indexname || ': ' || indexdef AS d FROM pg_indexes WHERE schemaname = current_schema() AND tablename IN (${BULK_TABLES.map(() => '?').join(',')})`, [...BULK_TABLES]);
  return rows.map((r) => r.d).sort();
}

describe.each(DIALECTS)('bench bulk loader on %s', (dialect) => {
  const dbs: TestDatabase[] = [];
  let api: Record<string, string[]>;
  let bulk: Record<string, string[]>;
  let apiIndexes: string[];
  let bulkIndexes: string[];
  let searchApi: unknown;
  let searchBulk: unknown;

  beforeAll(async () => {
    const [a, b] = [await createTestDatabase(dialect), await createTestDatabase(dialect)];
    dbs.push(a, b);
    const storeA = await openDatabase(a.url, a.home);
    const expA = await createTracking(storeA).experiments.create('bulk', undefined, []);
    await viaApi(storeA, expA);
    api = await dump(storeA);
    apiIndexes = await indexDefinitions(storeA);
    const { searchRuns } = await import('../src/tracking/index.js');
    const query = { filter: "metrics.m00 > 0.3 AND params.p00 != 'lr-1'", orderBy: ['metrics.m01 DESC'], maxResults: 7 };
    const names = async (db: Database, exp: string) => {
      const out: string[] = [];
      let token: string | undefined;
      do {
        const page = await searchRuns(db, { experimentIds: [exp], ...query, pageToken: token });
        out.push(...page.runs.map((r) => r.info.run_name));
        token = page.next_page_token;
      } while (token);
      return out;
    };
    searchApi = await names(storeA, expA);
    await storeA.close();

    let storeB = await openDatabase(b.url, b.home);
    const tb = createTracking(storeB);
    const expB = await tb.experiments.create('bulk', undefined, []);
    const artifactLocation = (await tb.experiments.get(expB)).artifact_location;
    await storeB.close();
    const n = await bulkLoad({ dialect, location: b.url, experimentId: expB, artifactLocation }, benchRuns(RUNS, 15));
    expect(n).toBe(RUNS);
    storeB = await openDatabase(b.url, b.home);
    bulk = await dump(storeB);
    bulkIndexes = await indexDefinitions(storeB);
    searchBulk = await names(storeB, expB);
    // The server's next series after a bulk load gets a fresh id.
    const extra = await createTracking(storeB).runs.create({ experimentId: expB, runName: 'after' });
    await createTracking(storeB).runs.logBatch(extra.info.run_id, { metrics: [{ key: 'm00', value: 1, step: 0, timestamp: 1 }] });
    await storeB.close();
  }, 120_000);

  afterAll(async () => {
    for (const d of dbs) await d.drop();
  });

  it('writes the same rows in every table as the tracking API does for the same runs', () => {
    for (const table of BULK_TABLES) {
      expect(bulk[table]!.length, table).toBeGreaterThan(0);
      expect(bulk[table], table).toEqual(api[table]);
    }
    expect(api.runs!.length).toBe(RUNS);
    expect(api.latest_metrics!.length).toBe(RUNS * 20);
  });

  it('leaves the same indexes (dropped for the load, rebuilt from their definitions)', () => {
    expect(bulkIndexes.length).toBeGreaterThan(3);
    expect(bulkIndexes).toEqual(apiIndexes);
  });

  it('answers a filtered, ordered, paged search identically', () => {
    expect((searchApi as string[]).length).toBeGreaterThan(7);
    expect(searchBulk).toEqual(searchApi);
  });
});
