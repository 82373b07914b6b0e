import { describe, expect, it } from 'vitest';
import { DIALECTS } from './helpers/databases.js';
import { useServer } from './helpers/use-server.js';

/** The native endpoints the web UI added, on both stores: comments, keys, metric summaries, run events. */
describe.each(DIALECTS)('UI API on %s', (dialect) => {
  const server = useServer(dialect);
  const newRun = async () => {
    const s = server();
    const exp = (await s.mlflow('POST', '/experiments/create', { name: `e-${Math.random()}` })).body.experiment_id;
    const run = (await s.mlflow('POST', '/runs/create', { experiment_id: exp })).body.run.info.run_id;
    await s.mlflow('POST', '/runs/log-batch', { run_id: run, params: [{ key: 'lr', value: '0.1' }], tags: [{ key: 'team', value: 'a' }], metrics: [3, 1, 2].map((value, step) => ({ key: 'loss', value, step, timestamp: 1000 + step })) });
    return { exp, run };
  };

  it('comments: authored by the acting user, in time order, deleted only by their author', async () => {
    const s = server();
    const { run } = await newRun();
    const post = (body: string, user?: string) => fetch(`${s.url}/api/v1/runs/${run}/comments`, { method: 'POST', headers: { 'content-type': 'application/json', ...(user ? { 'x-trainyard-user': user } : {}) }, body: JSON.stringify({ body }) }).then(async (r) => ({ status: r.status, body: await r.json() as any }));
    const a = await post('first', 'ana');
    expect(a.status).toBe(200);
    expect(a.body.comment).toMatchObject({ author: 'ana', body: 'first', run_id: run });
    await post('second', 'bo');
    expect((await post('anon')).body.comment.author).toBe('anonymous');
    const list = (await s.call('GET', `/api/v1/runs/${run}/comments`)).body.comments;
    expect(list.map((c: any) => `${c.author}:${c.body}`)).toEqual(['ana:first', 'bo:second', 'anonymous:anon']);
    const del = (user: string) => fetch(`${s.url}/api/v1/runs/${run}/comments/${a.body.comment.id}`, { method: 'DELETE', headers: { 'x-trainyard-user': user } });
    expect((await del('bo')).status).toBe(400);
    expect((await del('ana')).status).toBe(200);
    expect((await s.call('GET', `/api/v1/runs/${run}/comments`)).body.comments).toHaveLength(2);
    expect((await post('x'.repeat(10_001), 'ana')).status).toBe(400);
  });

  it('keys and metric summaries', async () => {
    const s = server();
    const { exp, run } = await newRun();
    const keys = (await s.call('GET', `/api/v1/experiments/${exp}/keys`)).body;
    expect(keys).toMatchObject({ metrics: ['loss'], params: ['lr'], truncated: false });
    expect(keys.tags).toContain('team');
    const sums = (await s.call('POST', '/api/v1/runs/metric-summaries', { run_ids: [run], keys: ['loss'] })).body.summaries;
    expect(sums).toEqual([{ run_id: run, key: 'loss', last: 2, step: 2, timestamp: 1002, min: 1, max: 3, count: 3 }]);
    expect((await s.call('GET', '/api/v1/experiments/99999/keys')).status).toBe(404);
    expect((await s.call('POST', '/api/v1/runs/metric-summaries', { run_ids: Array(1001).fill(run), keys: ['loss'] })).status).toBe(400);
    const series = (await s.call('GET', `/api/v1/runs/${run}/metrics/loss/series`, { buckets: 10, timestamps: true })).body.buckets;
    expect(series[0]).toMatchObject({ step: 0, timestamp: 1000, last: 3 });
  });

  it('run events: a running run\'s new metric arrives over server-sent events', async () => {
    const s = server();
    const { exp, run } = await newRun();
    const ctrl = new AbortController();
    const res = await fetch(`${s.url}/api/v1/experiments/${exp}/runs/events`, { signal: ctrl.signal });
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    const reader = res.body!.getReader();
    let text = '';
    const until = async (re: RegExp) => {
      while (!re.test(text)) text += new TextDecoder().decode((await reader.read()).value);
    };
    await until(/"run_id":"\w+".*"loss"/);
    await s.mlflow('POST', '/runs/log-metric', { run_id: run, key: 'loss', value: 0.5, step: 3, timestamp: 2000 });
    await until(/"last":0\.5/);
    await s.mlflow('POST', '/runs/update', { run_id: run, status: 'FINISHED' });
    await until(/"status":"FINISHED"/);
    ctrl.abort();
  });
});
