import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '../src/store/index.js';
import { createTracking, runJson, searchRuns, searchRunsJson, type RunSearchInput } from '../src/tracking/index.js';
import type { SearchPlanOptions } from '../src/tracking/run-search.js';
import type { Projection } from '../src/tracking/run-loader.js';
import { createTestDatabase, DIALECTS, type TestDatabase } from './helpers/databases.js';

// The search routes answer with JSON the database wrote (run-page-json.ts) instead of
// JSON.stringify of loaded runs. Whatever the values hold, that text must read back as the object
// path's answer: parsed and stringified again it is byte-for-byte what JSON.stringify of
// `{ runs: runs.map(runJson), next_page_token }` gives, and each string is escaped exactly as
// JSON.stringify escapes it.
const TRICKY = [
  'plain', '', 'say "hi"', 'back\\slash', 'C:\\path\\"x"', 'tab\there', 'line\nbreak\r\n', 'ctl \u0001\u0008\u000b\u000c\u001f end',
  'del \u007f', 'é ü ß', '日本語のパラメータ', 'emoji 😀🚀', 'sep \u2028\u2029', '</script>', '{"json":[1,2]}', "it's", 'a'.repeat(500),
];

function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A finite double from random bits (every exponent, subnormals included). */
function randomDouble(rnd: () => number): number {
  const view = new DataView(new ArrayBuffer(8));
  for (;;) {
    view.setUint32(0, Math.floor(rnd() * 2 ** 32));
    view.setUint32(4, Math.floor(rnd() * 2 ** 32));
    const v = view.getFloat64(0);
    if (Number.isFinite(v)) return v;
  }
}

const SPECIAL = [NaN, Infinity, -Infinity, 0, -0, 0.1, 1 / 3, 0.30000000000000004, 1e-7, 1e21, 5e-324, -1.7976931348623157e308, 2 ** 53, 123456.789, 2.0, -17];

async function seed(db: Database): Promise<string> {
  const t = createTracking(db);
  const exp = await t.experiments.create('page-json', undefined, []);
  const rnd = prng(11);
  for (let i = 0; i < 60; i++) {
    const run = await t.runs.create({ experimentId: exp, runName: TRICKY[i % TRICKY.length]!, startTime: 1_700_000_000_000 + i * 1000 });
    const id = run.info.run_id;
    if (i % 10 === 9) continue; // a run with nothing logged
    const metrics = [
      { key: 'order', value: i % 7, timestamp: 1_700_000_000_123 + i, step: i * 1_000_003 },
      { key: 'special', value: SPECIAL[i % SPECIAL.length]!, timestamp: 5, step: 2 ** 40 + i },
      ...Array.from({ length: 12 }, (_, k) => ({ key: `r${k}`, value: randomDouble(rnd), timestamp: k, step: k })),
      { key: `odd name/${i % 3}:x.y-z_w`, value: rnd(), timestamp: 0, step: 0 },
    ];
    const params = TRICKY.slice(0, 1 + (i % TRICKY.length)).map((v, k) => ({ key: `p${k}`, value: v }));
    const tags = [{ key: 'note', value: TRICKY[(i * 5) % TRICKY.length]! }, { key: `k ${i % 4}/a:b`, value: String(i) }];
    await t.runs.logBatch(id, { metrics, params, tags });
    if (i % 8 === 0) {
      await t.inputs.logInputs(id, [
        { tags: [{ key: 'mlflow.data.context', value: 'train' }, { key: 'q', value: 'a "quoted" tag' }], dataset: { name: 'ds', digest: 'd1', source_type: 'local', source: '{"uri":"/tmp/x"}', schema: '{"cols":["a"]}' } },
        { tags: [], dataset: { name: 'ds-b', digest: 'd2', source_type: 'local', source: 'src', profile: '{"rows":3}' } },
      ]);
    }
    if (i % 13 === 0) await t.runs.delete(id);
  }
  return exp;
}

describe.each(DIALECTS)('search pages as database-written JSON on %s', (dialect) => {
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

  /** Every page both ways; returns how many runs were compared. */
  async function compare(q: Omit<RunSearchInput, 'experimentIds' | 'pageToken'>, projection?: Projection, opts: SearchPlanOptions = {}): Promise<number> {
    let token: string | undefined;
    let n = 0;
    do {
      const input = { experimentIds: [exp], ...q, pageToken: token };
      const objects = await searchRuns(db, input, projection);
      const expected = JSON.stringify({ runs: objects.runs.map(runJson), ...(objects.next_page_token ? { next_page_token: objects.next_page_token } : {}) });
      const text = await searchRunsJson(db, input, projection, opts);
      expect(JSON.stringify(JSON.parse(text))).toBe(expected);
      for (const run of objects.runs) {
        // (PostgreSQL writes `"key" : "x"` with spaces; the strings themselves are spelled as JSON.stringify spells them.)
        for (const kv of [...run.data.params, ...run.data.tags]) expect(text).toContain(JSON.stringify(kv.value));
      }
      n += objects.runs.length;
      token = objects.next_page_token;
    } while (token);
    return n;
  }

  it('full runs (MLflow runs/search): every value, NaN, ±Infinity, random doubles, unicode, quotes and control characters', async () => {
    expect(await compare({ orderBy: ['metrics.order DESC'], maxResults: 7 })).toBeGreaterThan(40);
    expect(await compare({ filter: "params.p0 = 'plain'", maxResults: 1000 })).toBeGreaterThan(2);
    expect(await compare({ orderBy: ['attributes.run_name ASC'], maxResults: 25, viewType: 'ALL' })).toBe(60);
  });

  it('every plan (walk, driven, selective equality first) carries the same JSON, tokens included', async () => {
    // On PostgreSQL the families' JSON is read in the page's own statement, whichever plan it is.
    for (const plan of ['walk', 'driven', 'auto'] as const) {
      expect(await compare({ filter: "metrics.r0 > -1e300 AND params.p1 = ''", orderBy: ['metrics.order ASC'], maxResults: 6 }, undefined, { plan }), plan).toBeGreaterThan(20);
      expect(await compare({ filter: "params.p2 = 'say \"hi\"'", orderBy: ['metrics.order DESC'], maxResults: 4 }, { metrics: ['order'], params: 'all', tags: 'all' }, { plan }), plan).toBeGreaterThan(20);
    }
  });

  it('projected runs (native search columns), missing keys and empty families', async () => {
    expect(await compare({ orderBy: ['metrics.special ASC'], maxResults: 9 }, { metrics: ['special', 'nope'], params: ['p3'], tags: 'none', inputs: false })).toBeGreaterThan(40);
    expect(await compare({ maxResults: 50 }, { metrics: 'none', params: 'all', tags: ['note'], inputs: true })).toBeGreaterThan(40);
    expect(await compare({ maxResults: 50 }, { metrics: 'none', params: 'none', tags: 'none', inputs: false })).toBeGreaterThan(40);
  });

  it('doubles read back exactly, with MLflow spellings for the non-finite ones', async () => {
    const text = await searchRunsJson(db, { experimentIds: [exp], maxResults: 1000 }, { metrics: ['special'], params: 'none', tags: 'none' });
    const values = (JSON.parse(text) as { runs: { data: { metrics: { value: unknown }[] } }[] }).runs.flatMap((r) => r.data.metrics.map((m) => m.value));
    expect(values).toEqual(expect.arrayContaining(['NaN', 'Infinity', '-Infinity', 0.1, 1 / 3, 5e-324, -1.7976931348623157e308, 2 ** 53]));
    expect(text).not.toMatch(/null|e\+999/);
  });
  it('an empty page and an experiment list with no runs', async () => {
    expect(await searchRunsJson(db, { experimentIds: [exp], filter: "params.p0 = 'none such'" })).toBe('{"runs":[]}');
    expect(await searchRunsJson(db, { experimentIds: [] })).toBe('{"runs":[]}');
  });
});
