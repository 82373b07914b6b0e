import { beforeAll, describe, expect, it } from 'vitest';
import { badInputCases, type BadInputCase, type BadInputContext } from './helpers/bad-input-cases.js';
import { DIALECTS } from './helpers/databases.js';
import type { TestServer } from './helpers/server.js';
import {
  createExperiment, createRun, fullHistory, getRun, logBatch, makeMetric, ok, searchAllRuns,
} from './helpers/tracking-factories.js';
import { useServer } from './helpers/use-server.js';

/** Everything a rejected request could have written to: compared before and after each row. */
async function snapshot(s: TestServer, c: BadInputContext) {
  const histories = await Promise.all(['seeded', 'good', 'loss', 'm', 'bad!'].map((key) => fullHistory(s, c.run, key)));
  return {
    run: await getRun(s, c.run),
    deletedRun: await getRun(s, c.deletedRun),
    histories,
    runs: await searchAllRuns(s, { experiment_ids: [c.exp, c.deletedExp, '0'], run_view_type: 'ALL' }),
    experiments: ok(await s.mlflow('POST', '/experiments/search', { view_type: 'ALL' })).experiments,
    datasets: ok(await s.call('POST', '/ajax-api/2.0/mlflow/experiments/search-datasets', { experiment_ids: [c.exp] })).dataset_summaries,
  };
}

async function send(s: TestServer, row: BadInputCase, c: BadInputContext): Promise<{ status: number; body: any }> {
  const path = typeof row.path === 'function' ? row.path(c) : row.path;
  if (row.raw !== undefined) {
    const res = await fetch(s.url + path, { method: row.method, headers: { 'content-type': 'application/json' }, body: row.raw });
    const text = await res.text();
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      /* text */
    }
    return { status: res.status, body };
  }
  return s.call(row.method, path, row.body?.(c) ?? (row.method === 'POST' ? {} : undefined));
}

describe.each(DIALECTS)('bad input on %s', (dialect) => {
  const server = useServer(dialect);
  let ctx: BadInputContext;

  beforeAll(async () => {
    const s = server();
    const exp = await createExperiment(s, { tags: [{ key: 'owner', value: 'qa' }] });
    const deletedExp = await createExperiment(s);
    ok(await s.mlflow('POST', '/experiments/delete', { experiment_id: deletedExp }));
    const run = (await createRun(s, { experiment_id: exp, run_name: 'target' })).info.run_id;
    await logBatch(s, run, { metrics: [0, 1, 2].map((step) => makeMetric({ key: 'seeded', step })), params: [{ key: 'fixed', value: 'one' }], tags: [{ key: 'kept', value: 'yes' }] });
    await createRun(s, { experiment_id: exp, run_name: 'neighbour' });
    const deletedRun = (await createRun(s, { experiment_id: exp, run_name: 'gone' })).info.run_id;
    ok(await s.mlflow('POST', '/runs/delete', { run_id: deletedRun }));
    const runsToken = ok(await s.mlflow('POST', '/runs/search', { experiment_ids: [exp], max_results: 1 })).next_page_token;
    const experimentsToken = ok(await s.mlflow('POST', '/experiments/search', { max_results: 1 })).next_page_token;
    const historyToken = ok(await s.mlflow('GET', '/metrics/get-history', { run_id: run, metric_key: 'seeded', max_results: 1 })).next_page_token;
    ctx = { exp, deletedExp, run, deletedRun, runsToken, experimentsToken, historyToken };
    for (const [k, v] of Object.entries(ctx)) if (!v) throw new Error(`bad-input setup: no ${k}`);
  });

  it.each(badInputCases())('$name', async (row) => {
    const s = server();
    const expectation = row.expect;
    if (expectation === 'not-500') {
      const res = await send(s, row, ctx);
      expect(res.status).toBeLessThan(500);
      if (res.status >= 400) expect(res.body).toEqual({ error_code: expect.any(String), message: expect.any(String) });
      return;
    }
    const before = await snapshot(s, ctx);
    const res = await send(s, row, ctx);
    expect({ status: res.status, code: res.body?.error_code }).toEqual({ status: expectation.status, code: expectation.code });
    expect(res.body.message).toMatch(expectation.message);
    expect(await snapshot(s, ctx)).toEqual(before);
  });
});
