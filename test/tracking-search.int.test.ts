import { beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from './helpers/databases.js';
import { prng } from './helpers/metric-oracle.js';
import type { TestServer } from './helpers/server.js';
import {
  createExperiment, createRun, logBatch, makeDatasetInput, makeMetric, ok, PREFIXES, searchAllRuns, type MetricInput,
} from './helpers/tracking-factories.js';
import { useServer } from './helpers/use-server.js';

interface SeedRun {
  name: string;
  start: number;
  end?: number;
  status: string;
  metrics: Record<string, MetricInput['value']>;
  params: Record<string, string>;
  tags: Record<string, string>;
  dataset?: { name: string; digest: string; context: string };
  deleted?: boolean;
}

/** Five runs whose values exercise every comparator; `r-e` is deleted. */
const SEED: SeedRun[] = [
  { name: 'r-a', start: 1000, end: 2000, status: 'FINISHED', metrics: { acc: 0.9, loss: 0.1, 'val/loss': 0.5 }, params: { model: 'Tree', lr: '0.1' }, tags: { env: 'prod', 'my tag': 'x', rank: 'b' }, dataset: { name: 'mnist', digest: 'd-mnist', context: 'training' } },
  { name: 'r-b', start: 2000, status: 'RUNNING', metrics: { acc: 0.5, loss: 'NaN', 'val/loss': 0.7 }, params: { model: 'tree', lr: '0.2' }, tags: { env: 'dev', rank: 'a' } },
  { name: 'r-c', start: 3000, end: 2500, status: 'FAILED', metrics: { acc: 'Infinity' }, params: { model: 'forest', lr: '0.05' }, tags: { env: 'Prod' }, dataset: { name: 'cifar', digest: 'd-cifar', context: 'eval' } },
  { name: 'r-d', start: 4000, end: 5000, status: 'FINISHED', metrics: { loss: 0.3 }, params: {}, tags: { rank: 'c' } },
  { name: 'r-e', start: 5000, status: 'FINISHED', metrics: { acc: -1 }, params: { model: 'TREE' }, tags: { env: 'prod' }, deleted: true },
];

async function seedRun(s: TestServer, experimentId: string, r: SeedRun): Promise<string> {
  const id = (await createRun(s, { experiment_id: experimentId, run_name: r.name, start_time: r.start })).info.run_id;
  await logBatch(s, id, {
    metrics: Object.entries(r.metrics).map(([key, value]) => makeMetric({ key, value })),
    params: Object.entries(r.params).map(([key, value]) => ({ key, value })),
    tags: Object.entries(r.tags).map(([key, value]) => ({ key, value })),
  });
  ok(await s.mlflow('POST', '/runs/update', { run_id: id, status: r.status, ...(r.end !== undefined ? { end_time: r.end } : {}) }));
  if (r.dataset) {
    const input = makeDatasetInput({ name: r.dataset.name, digest: r.dataset.digest }, [{ key: 'mlflow.data.context', value: r.dataset.context }]);
    ok(await s.mlflow('POST', '/runs/log-inputs', { run_id: id, datasets: [input] }));
  }
  if (r.deleted) ok(await s.mlflow('POST', '/runs/delete', { run_id: id }));
  return id;
}

describe.each(DIALECTS)('runs/search on %s', (dialect) => {
  const server = useServer(dialect);
  let exp: string;
  const ids: Record<string, string> = {};
  const names = (runs: any[]) => runs.map((r) => r.info.run_name);

  beforeAll(async () => {
    const s = server();
    exp = await createExperiment(s);
    for (const r of SEED) ids[r.name] = await seedRun(s, exp, r);
  });

  describe('filter', () => {
    const cases: [string, string[]][] = [
      ['metrics.acc > 0.6', ['r-a', 'r-c']],
      ['metrics.acc < 0.6', ['r-b']],
      ['metrics.acc = 0.5', ['r-b']],
      ['metrics.acc != 0.5', ['r-a', 'r-c']],
      ['metrics.loss >= 0.1', ['r-a', 'r-d']],
      ['metric.loss <= 1e308', ['r-a', 'r-d']],
      ['metrics.`val/loss` < 0.6', ['r-a']],
      ["params.model = 'tree'", ['r-b']],
      ["params.model != 'tree'", ['r-a', 'r-c']],
      ["params.model LIKE 'T%'", ['r-a']],
      ["params.model LIKE '%ree'", ['r-a', 'r-b']],
      ["params.model LIKE 'tre_'", ['r-b']],
      ["params.model ILIKE 't%'", ['r-a', 'r-b']],
      ["parameters.lr = '0.05'", ['r-c']],
      ["tags.env = 'prod'", ['r-a']],
      ["tags.env ILIKE 'PROD'", ['r-a', 'r-c']],
      ["tags.env != 'dev'", ['r-a', 'r-c']],
      ["tags.`my tag` = 'x'", ['r-a']],
      ["tags.mlflow.runName = 'r-d'", ['r-d']],
      ['tags.env IS NULL', ['r-d']],
      ["attributes.status = 'FINISHED'", ['r-a', 'r-d']],
      ["status != 'RUNNING'", ['r-a', 'r-c', 'r-d']],
      ["attributes.run_name LIKE 'r-%'", ['r-a', 'r-b', 'r-c', 'r-d']],
      ["attributes.run_name ILIKE 'R-B'", ['r-b']],
      ['"run name" = \'r-b\'', ['r-b']],
      ['attributes.start_time >= 3000', ['r-c', 'r-d']],
      ['created < 2000', ['r-a']],
      ['attributes.end_time > 2100', ['r-c', 'r-d']],
      ["datasets.name = 'mnist'", ['r-a']],
      ["datasets.name LIKE 'MN%'", []],
      ["datasets.name ILIKE 'MN%'", ['r-a']],
      ["datasets.digest IN ('d-cifar', 'nope')", ['r-c']],
      ["datasets.context = 'eval'", ['r-c']],
      ["metrics.acc > 0 AND params.model ILIKE '%tree%' and tags.env = 'prod'", ['r-a']],
    ];
    it.each(cases)('%s', async (filter, expected) => {
      const runs = await searchAllRuns(server(), { experiment_ids: [exp], filter });
      expect(names(runs).sort()).toEqual(expected);
    });

    it('selects run ids with IN and NOT IN', async () => {
      const s = server();
      const inList = await searchAllRuns(s, { experiment_ids: [exp], filter: `attributes.run_id IN ('${ids['r-a']}', '${ids['r-c']}')` });
      expect(names(inList).sort()).toEqual(['r-a', 'r-c']);
      const notIn = await searchAllRuns(s, { experiment_ids: [exp], filter: `run_id NOT IN ('${ids['r-a']}', '${ids['r-c']}')` });
      expect(names(notIn).sort()).toEqual(['r-b', 'r-d']);
    });

    it('honours run_view_type', async () => {
      const s = server();
      expect(names(await searchAllRuns(s, { experiment_ids: [exp], run_view_type: 'DELETED_ONLY' }))).toEqual(['r-e']);
      expect(names(await searchAllRuns(s, { experiment_ids: [exp], run_view_type: 'ALL', filter: "params.model = 'TREE'" }))).toEqual(['r-e']);
      expect(await searchAllRuns(s, { experiment_ids: [exp], filter: "params.model = 'TREE'" })).toEqual([]);
      expect(names(await searchAllRuns(s, { experiment_ids: [exp], run_view_type: 'ALL' }))).toHaveLength(5);
    });
  });

  describe('order_by', () => {
    const cases: [string[], string[]][] = [
      [[], ['r-d', 'r-c', 'r-b', 'r-a']],
      [['metrics.acc ASC'], ['r-b', 'r-a', 'r-c', 'r-d']],
      [['metrics.acc DESC'], ['r-c', 'r-a', 'r-b', 'r-d']],
      // As MLflow: values, then NaN (r-b), then runs without the metric (r-c), in both directions.
      [['metrics.loss'], ['r-a', 'r-d', 'r-b', 'r-c']],
      [['metrics.loss DESC'], ['r-d', 'r-a', 'r-b', 'r-c']],
      [['metrics.`val/loss` DESC'], ['r-b', 'r-a', 'r-d', 'r-c']],
      [['params.lr ASC'], ['r-c', 'r-a', 'r-b', 'r-d']],
      [['params.lr DESC'], ['r-b', 'r-a', 'r-c', 'r-d']],
      [['tags.rank ASC'], ['r-b', 'r-a', 'r-d', 'r-c']],
      [['tags.rank DESC'], ['r-d', 'r-a', 'r-b', 'r-c']],
      [['attributes.start_time ASC'], ['r-a', 'r-b', 'r-c', 'r-d']],
      [['start_time DESC'], ['r-d', 'r-c', 'r-b', 'r-a']],
      [['attributes.end_time ASC'], ['r-a', 'r-c', 'r-d', 'r-b']],
      [['attributes.end_time DESC'], ['r-d', 'r-c', 'r-a', 'r-b']],
      [['attributes.run_name DESC'], ['r-d', 'r-c', 'r-b', 'r-a']],
      [['attributes.status', 'metrics.acc DESC'], ['r-c', 'r-a', 'r-d', 'r-b']],
    ];
    it.each(cases)('%j', async (orderBy, expected) => {
      const s = server();
      expect(names(await searchAllRuns(s, { experiment_ids: [exp], order_by: orderBy }))).toEqual(expected);
      // Paging one run at a time walks the same order.
      expect(names(await searchAllRuns(s, { experiment_ids: [exp], order_by: orderBy, max_results: 1 }))).toEqual(expected);
    });
  });

  it.each(PREFIXES)('is served under %s, with full runs in the answer', async (prefix) => {
    const s = server();
    const runs = await searchAllRuns(s, { experiment_ids: [exp], filter: "tags.mlflow.runName = 'r-a'" }, `${prefix}/runs/search`);
    expect(runs).toHaveLength(1);
    const [run] = runs;
    expect(run.info).toMatchObject({ run_id: ids['r-a'], run_name: 'r-a', status: 'FINISHED', start_time: 1000, end_time: 2000 });
    expect(run.data.params).toEqual([{ key: 'lr', value: '0.1' }, { key: 'model', value: 'Tree' }]);
    expect(run.data.metrics.map((m: any) => [m.key, m.value])).toEqual([['acc', 0.9], ['loss', 0.1], ['val/loss', 0.5]]);
    expect(run.inputs.dataset_inputs.map((d: any) => d.dataset.name)).toEqual(['mnist']);
  });

  it('native POST /api/v1/runs/search returns only the requested columns', async () => {
    const s = server();
    const body = ok(await s.call('POST', '/api/v1/runs/search', { experiment_ids: [exp], columns: ['metrics.acc', 'params.lr', 'tags.`my tag`'], order_by: ['start_time ASC'] }));
    expect(names(body.runs)).toEqual(['r-a', 'r-b', 'r-c', 'r-d']);
    const [a, b, , d] = body.runs;
    expect(a.data).toEqual({ metrics: [{ key: 'acc', value: 0.9, timestamp: 1_700_000_000_000, step: 0 }], params: [{ key: 'lr', value: '0.1' }], tags: [{ key: 'my tag', value: 'x' }] });
    expect(b.data).toEqual({ metrics: [{ key: 'acc', value: 0.5, timestamp: 1_700_000_000_000, step: 0 }], params: [{ key: 'lr', value: '0.2' }], tags: [] });
    expect(d.data).toEqual({ metrics: [], params: [], tags: [] });
    expect(a.inputs.dataset_inputs).toEqual([]);
    expect(a.info.run_id).toBe(ids['r-a']);

    const wildcard = ok(await s.call('POST', '/api/v1/runs/search', { experiment_ids: [exp], columns: ['tags.*', 'inputs'], filter: "tags.mlflow.runName = 'r-a'" }));
    expect(wildcard.runs[0].data.metrics).toEqual([]);
    expect(wildcard.runs[0].data.params).toEqual([]);
    expect(wildcard.runs[0].data.tags.map((t: any) => t.key)).toEqual(['env', 'mlflow.runName', 'my tag', 'rank']);
    expect(wildcard.runs[0].inputs.dataset_inputs).toHaveLength(1);

    const bad = await s.call('POST', '/api/v1/runs/search', { experiment_ids: [exp], columns: ['bogus'] });
    expect(bad.status).toBe(400);
    expect(bad.body.message).toMatch(/column/);
  });
});

describe.each(DIALECTS)('runs/search keyset pages on %s', (dialect) => {
  const server = useServer(dialect);
  let exp: string;
  const ORDERS: string[][] = [
    [],
    ['metrics.m ASC'],
    ['metrics.m DESC'],
    ['params.p DESC', 'attributes.start_time ASC'],
    ['attributes.end_time ASC'],
    ['tags.t ASC', 'metrics.m DESC'],
  ];

  /** A run with tie-heavy sort values: few start times, metric values incl. NaN/±Infinity/missing. */
  async function randomRun(s: TestServer, r: () => number, name: string): Promise<void> {
    const values: (MetricInput['value'] | undefined)[] = [undefined, 'NaN', 'Infinity', '-Infinity', 0, 1, 2.5, -3];
    const id = (await createRun(s, { experiment_id: exp, run_name: name, start_time: 1000 + Math.floor(r() * 5) })).info.run_id;
    const m = values[Math.floor(r() * values.length)];
    const batch: Parameters<typeof logBatch>[2] = { metrics: m === undefined ? [] : [makeMetric({ key: 'm', value: m })] };
    if (r() < 0.8) batch.params = [{ key: 'p', value: `v${Math.floor(r() * 4)}` }];
    if (r() < 0.5) batch.tags = [{ key: 't', value: `t${Math.floor(r() * 3)}` }];
    await logBatch(s, id, batch);
    if (r() < 0.5) ok(await s.mlflow('POST', '/runs/update', { run_id: id, end_time: 2000 + Math.floor(r() * 3) }));
  }

  const runIds = (runs: any[]) => runs.map((x) => x.info.run_id as string);

  beforeAll(async () => {
    const s = server();
    exp = await createExperiment(s);
    const r = prng(7);
    for (let i = 0; i < 250; i++) await randomRun(s, r, `run-${i}`);
  }, 120_000);

  it.each(ORDERS.map((order) => ({ order, label: JSON.stringify(order) })))('paging 250 runs 7 at a time yields each run once, in order ($label)', async ({ order }) => {
    const s = server();
    const oneShot = runIds(ok(await s.mlflow('POST', '/runs/search', { experiment_ids: [exp], order_by: order })).runs);
    expect(oneShot).toHaveLength(250);
    const paged: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const body = ok(await s.mlflow('POST', '/runs/search', { experiment_ids: [exp], order_by: order, max_results: 7, page_token: token }));
      expect(body.runs.length).toBeLessThanOrEqual(7);
      paged.push(...runIds(body.runs));
      token = body.next_page_token;
      pages++;
    } while (token);
    expect(pages).toBe(Math.ceil(250 / 7));
    expect(paged).toEqual(oneShot);
  });

  it('stays exact while new runs are inserted between pages', async () => {
    const s = server();
    const order = ['metrics.m ASC'];
    const before = new Set(runIds(ok(await s.mlflow('POST', '/runs/search', { experiment_ids: [exp] })).runs));
    const r = prng(99);
    const paged: string[] = [];
    let token: string | undefined;
    let i = 0;
    do {
      const body = ok(await s.mlflow('POST', '/runs/search', { experiment_ids: [exp], order_by: order, max_results: 7, page_token: token }));
      paged.push(...runIds(body.runs));
      token = body.next_page_token;
      for (let k = 0; k < 3; k++) await randomRun(s, r, `late-${i++}`);
    } while (token);
    expect(new Set(paged).size).toBe(paged.length);
    for (const id of before) expect(paged).toContain(id);
    // The pages walk the final order: what they returned is a subsequence of it.
    const final = runIds(ok(await s.mlflow('POST', '/runs/search', { experiment_ids: [exp], order_by: order })).runs);
    const positions = paged.map((id) => final.indexOf(id));
    expect(positions.every((p, k) => p >= 0 && (k === 0 || p > positions[k - 1]!))).toBe(true);
  });

  it('refuses a page token on a different query', async () => {
    const s = server();
    const page = ok(await s.mlflow('POST', '/runs/search', { experiment_ids: [exp], max_results: 7, filter: 'metrics.m > 0' }));
    expect(page.next_page_token).toEqual(expect.any(String));
    const other = await createExperiment(s);
    const variants = [
      { experiment_ids: [exp], max_results: 7, filter: 'metrics.m > 1' },
      { experiment_ids: [exp], max_results: 7, filter: 'metrics.m > 0', order_by: ['metrics.m'] },
      { experiment_ids: [exp, other], max_results: 7, filter: 'metrics.m > 0' },
      { experiment_ids: [exp], max_results: 7, filter: 'metrics.m > 0', run_view_type: 'ALL' },
    ];
    for (const v of variants) {
      const res = await s.mlflow('POST', '/runs/search', { ...v, page_token: page.next_page_token });
      expect({ v, status: res.status, code: res.body.error_code }).toEqual({ v, status: 400, code: 'INVALID_PARAMETER_VALUE' });
      expect(res.body.message).toMatch(/page_token/);
    }
    // The same query with another page size takes the token.
    ok(await s.mlflow('POST', '/runs/search', { experiment_ids: [exp], max_results: 3, filter: 'metrics.m > 0', page_token: page.next_page_token }));
  });
});
