import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Database, type Executor } from '../src/store/index.js';
import { createTracking } from '../src/tracking/index.js';
import { searchRuns, type SearchPlanOptions } from '../src/tracking/run-search.js';
import { createTestDatabase, DIALECTS, type TestDatabase } from './helpers/databases.js';

// runs/search picks its plan (issue 14): the ordered walk of the order metric, the driven plan
// (start from the filter's smallest matching list, sort), or, for a selective equality, the
// driven plan before any walk. Whatever it picks, every page must be the same: compared here
// plan against plan over ties, NaN, +-Infinity, runs without the metric, deleted runs, page
// tokens and page sizes from 1 to beyond the result.
const RUNS = 240;

function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

async function seed(db: Database): Promise<string> {
  const t = createTracking(db);
  const exp = await t.experiments.create('plans', undefined, []);
  const other = await t.experiments.create('other', undefined, []);
  const rnd = prng(3);
  for (let i = 0; i < RUNS; i++) {
    const run = await t.runs.create({ experimentId: i % 17 === 0 ? other : exp, runName: `r${i}`, startTime: 1_700_000_000_000 + (i % 9) * 1000 });
    const id = run.info.run_id;
    const kind = rnd();
    // m: few distinct values (long runs of ties), some NaN, some infinite, some runs without it.
    const m = kind < 0.08 ? NaN : kind < 0.11 ? Infinity : kind < 0.13 ? -Infinity : Math.round(rnd() * 12) / 12;
    const metrics = kind > 0.92 ? [] : [{ key: 'm', value: m, timestamp: 1, step: 0 }];
    metrics.push({ key: 'x', value: rnd(), timestamp: 1, step: 0 });
    const p = i % 40 === 0 ? 'rare' : i % 4 === 0 ? 'mid' : 'a';
    await t.runs.logBatch(id, { metrics, params: [{ key: 'p', value: p }], tags: [{ key: 't', value: String(i % 3) }] });
    if (i % 23 === 0) await t.runs.delete(id);
  }
  return exp;
}

/** Every page of a search, as run names, with the page token of each page. */
async function allPages(ex: Executor, exp: string, q: { filter?: string; orderBy: string[]; maxResults: number }, opts: SearchPlanOptions): Promise<string[][]> {
  const pages: string[][] = [];
  let token: string | undefined;
  do {
    const page = await searchRuns(ex, { experimentIds: [exp], ...q, pageToken: token }, { metrics: 'all', params: 'all', tags: 'none' }, opts);
    pages.push(page.runs.map((r) => `${r.info.run_name}:${r.data.metrics.map((x) => `${x.key}=${x.value}`).join(',')}`));
    token = page.next_page_token;
  } while (token && pages.length < 300);
  return pages;
}

/** An executor that records each statement's text. */
function recording(db: Database, seen: string[]): Executor {
  return {
    dialect: db.dialect,
    all: (sql, params) => (seen.push(sql), db.all(sql, params)),
    one: (sql, params) => (seen.push(sql), db.one(sql, params)),
    run: (sql, params) => db.run(sql, params),
    runMany: (sql, rows) => db.runMany(sql, rows),
  } as Executor;
}

const FILTERS = [undefined, "params.p = 'rare'", "params.p = 'mid' AND tags.t = '1'", "params.p = 'a' AND metrics.x > 0.3", "params.p = 'none'", 'metrics.m >= 0.5'];
const ORDERS = [['metrics.m DESC'], ['metrics.m ASC', 'params.p ASC'], ['metrics.x ASC']];
const SIZES = [4, 33, 1000];

describe.each(DIALECTS)('runs/search plans agree on %s', (dialect) => {
  let tdb: TestDatabase;
  let db: Database;
  let exp: string;
  beforeAll(async () => {
    tdb = await createTestDatabase(dialect);
    db = await openDatabase(tdb.url, tdb.home);
    exp = await seed(db);
  }, 120_000);
  afterAll(async () => {
    await db?.close();
    await tdb?.drop();
  });

  it('auto, walk-first and driven-only give the same pages for every filter, order and page size', async () => {
    let compared = 0;
    for (const filter of FILTERS) {
      for (const orderBy of ORDERS) {
        for (const maxResults of SIZES) {
          const q = { filter, orderBy, maxResults };
          const driven = await allPages(db, exp, q, { plan: 'driven' });
          const flat = driven.flat();
          expect(new Set(flat).size, JSON.stringify(q)).toBe(flat.length);
          expect(await allPages(db, exp, q, { plan: 'walk' }), JSON.stringify(q)).toEqual(driven);
          expect(await allPages(db, exp, q, { plan: 'auto' }), JSON.stringify(q)).toEqual(driven);
          compared += flat.length;
        }
      }
    }
    expect(compared).toBeGreaterThan(1000);
  }, 240_000);

  it('a selective equality is answered from its own runs, a common one by the walk', async () => {
    const plansOf = async (filter: string) => {
      const seen: string[] = [];
      const page = await searchRuns(recording(db, seen), { experimentIds: [exp], filter, orderBy: ['metrics.m DESC'], maxResults: 5 }, { metrics: 'none', params: 'none', tags: 'none' });
      return { walked: seen.some((s) => s.includes('WITH walk')), counted: seen.some((s) => s.includes('count(*) AS n FROM (')), n: page.runs.length };
    };
    // (SQLite only: on PostgreSQL the count would be one more round trip; there the walk tries first.)
    expect(await plansOf("params.p = 'rare'")).toEqual(dialect === 'sqlite' ? { walked: false, counted: true, n: 5 } : { walked: true, counted: true, n: 5 });
    // 'a' matches ~3/4 of the runs: above the threshold (max(page + slack, 10 a row) = 60 here), so the walk answers.
    expect(await plansOf("params.p = 'a'")).toMatchObject({ walked: true, n: 5 });
    expect(await plansOf('metrics.x > 0.5')).toMatchObject({ walked: true, counted: false, n: 5 });
  });
});
