import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isWriteRoute } from '../src/audit/index.js';
import { loadPipelineFile } from '../src/pipelines/index.js';
import { registeredRoutes } from '../src/server/app.js';
import { startServer, type RunningServer } from '../src/server/start-server.js';
import { createTestDatabase, DIALECTS, type TestDatabase } from './helpers/databases.js';

/**
 * Every state-changing route the server registers (other branches' routes included) must be
 * driven here with a request that succeeds, and each such request must leave exactly the audit
 * record naming its user, route, target and request id. A new write route without a row here
 * fails the first test, so no write can go unaudited by being forgotten.
 */
const API = '/api/2.0/mlflow';
const USER = 'auditor-ann';

interface Step {
  method: string;
  /** The route template as registered. */
  route: string;
  /** The concrete path (default: the template) and the body. */
  path?: () => string;
  body?: () => unknown;
  raw?: () => { body: string; type: string };
  /** Who sends it (default USER): a review needs a second person. */
  as?: string;
  /** The target the record must name. */
  target?: () => string;
}

describe.each(DIALECTS)('every write is audited (%s)', (dialect) => {
  let db: TestDatabase;
  let server: RunningServer;
  const s: Record<string, string> = {};
  const dir = mkdtempSync(join(tmpdir(), 'ty-audit-'));

  async function send(method: string, path: string, body?: unknown, raw?: { body: string; type: string }, user = USER) {
    const headers: Record<string, string> = { 'x-trainyard-user': user };
    let payload: string | undefined;
    if (raw) (headers['content-type'] = raw.type), (payload = raw.body);
    else if (body !== undefined) (headers['content-type'] = 'application/json'), (payload = JSON.stringify(body));
    const res = await fetch(server.url + path, { method, headers, body: payload });
    const text = await res.text();
    return { status: res.status, etag: res.headers.get('etag') ?? '', requestId: res.headers.get('x-request-id') ?? '', text, json: (() => { try { return JSON.parse(text); } catch { return undefined; } })() };
  }

  beforeAll(async () => {
    db = await createTestDatabase(dialect);
    server = await startServer({ host: '127.0.0.1', port: 0, home: db.home, db: db.url });
  });
  afterAll(async () => {
    await server?.close();
    await db?.drop();
  });

  const steps: Step[] = [
    { method: 'POST', route: `${API}/experiments/create`, body: () => ({ name: `audit-${dialect}` }), target: () => `experiment:${s.exp}` },
    { method: 'POST', route: `${API}/experiments/update`, body: () => ({ experiment_id: s.exp, new_name: `audit2-${dialect}` }), target: () => `experiment:${s.exp}` },
    { method: 'POST', route: `${API}/experiments/set-experiment-tag`, body: () => ({ experiment_id: s.exp, key: 'k', value: 'v' }) },
    { method: 'POST', route: `${API}/experiments/delete-experiment-tag`, body: () => ({ experiment_id: s.exp, key: 'k' }) },
    { method: 'POST', route: `${API}/runs/create`, body: () => ({ experiment_id: s.exp, run_name: 'r' }), target: () => `experiment:${s.exp}` },
    { method: 'POST', route: `${API}/runs/update`, body: () => ({ run_id: s.run, status: 'RUNNING' }), target: () => `run:${s.run}` },
    { method: 'POST', route: `${API}/runs/log-metric`, body: () => ({ run_id: s.run, key: 'm', value: 1, timestamp: 1, step: 0 }), target: () => `run:${s.run}` },
    { method: 'POST', route: `${API}/runs/log-parameter`, body: () => ({ run_id: s.run, key: 'p', value: '1' }) },
    { method: 'POST', route: `${API}/runs/set-tag`, body: () => ({ run_id: s.run, key: 't', value: '1' }) },
    { method: 'POST', route: `${API}/runs/delete-tag`, body: () => ({ run_id: s.run, key: 't' }) },
    { method: 'POST', route: `${API}/runs/log-batch`, body: () => ({ run_id: s.run, metrics: [{ key: 'b', value: 2, timestamp: 2, step: 1 }] }) },
    { method: 'POST', route: `${API}/runs/log-inputs`, body: () => ({ run_id: s.run, datasets: [{ dataset: { name: 'd', digest: 'abc', source_type: 'local', source: '/d' } }] }) },
    { method: 'POST', route: `${API}/runs/log-model`, body: () => ({ run_id: s.run, model_json: JSON.stringify({ artifact_path: 'model', flavors: {}, run_id: s.run, utc_time_created: '2024-01-01 00:00:00.000000' }) }) },
    { method: 'PUT', route: '/api/2.0/mlflow-artifacts/artifacts/*', path: () => `/api/2.0/mlflow-artifacts/artifacts/${s.exp}/${s.run}/artifacts/model/MLmodel`, raw: () => ({ body: 'artifact_path: model\n', type: 'application/octet-stream' }), target: () => `artifact:${s.exp}/${s.run}/artifacts/model/MLmodel` },
    { method: 'PUT', route: '/api/2.0/mlflow-artifacts/artifacts/*', path: () => `/api/2.0/mlflow-artifacts/artifacts/${s.exp}/${s.run}/artifacts/junk.txt`, raw: () => ({ body: 'x', type: 'application/octet-stream' }) },
    { method: 'DELETE', route: '/api/2.0/mlflow-artifacts/artifacts/*', path: () => `/api/2.0/mlflow-artifacts/artifacts/${s.exp}/${s.run}/artifacts/junk.txt` },
    { method: 'POST', route: '/api/2.0/mlflow-artifacts/mpu/create/*', path: () => `/api/2.0/mlflow-artifacts/mpu/create/${s.exp}/${s.run}/artifacts/big.bin`, body: () => ({ path: 'big.bin', num_parts: 1 }) },
    { method: 'PUT', route: '/api/2.0/mlflow-artifacts/mpu/upload-part/*', path: () => `/api/2.0/mlflow-artifacts/mpu/upload-part/${s.exp}/${s.run}/artifacts/big.bin?upload_id=${encodeURIComponent(s.upload)}&part_number=1`, raw: () => ({ body: 'part-one', type: 'application/octet-stream' }) },
    { method: 'POST', route: '/api/2.0/mlflow-artifacts/mpu/complete/*', path: () => `/api/2.0/mlflow-artifacts/mpu/complete/${s.exp}/${s.run}/artifacts/big.bin`, body: () => ({ path: 'big.bin', upload_id: s.upload, parts: [{ part_number: 1, etag: s.etag }] }) },
    { method: 'POST', route: '/api/2.0/mlflow-artifacts/mpu/create/*', path: () => `/api/2.0/mlflow-artifacts/mpu/create/${s.exp}/${s.run}/artifacts/gone.bin`, body: () => ({ path: 'gone.bin', num_parts: 1 }) },
    { method: 'POST', route: '/api/2.0/mlflow-artifacts/mpu/abort/*', path: () => `/api/2.0/mlflow-artifacts/mpu/abort/${s.exp}/${s.run}/artifacts/gone.bin`, body: () => ({ path: 'gone.bin', upload_id: s.upload }) },
    { method: 'POST', route: '/api/v1/runs/:run_id/comments', path: () => `/api/v1/runs/${s.run}/comments`, body: () => ({ body: 'looks good' }), target: () => `run:${s.run}` },
    { method: 'DELETE', route: '/api/v1/runs/:run_id/comments/:id', path: () => `/api/v1/runs/${s.run}/comments/${s.comment}` },
    { method: 'POST', route: `${API}/logged-models`, body: () => ({ experiment_id: s.exp, name: 'lm' }) },
    { method: 'PATCH', route: `${API}/logged-models/:model_id`, path: () => `${API}/logged-models/${s.lm}`, body: () => ({ status: 'LOGGED_MODEL_READY' }), target: () => `logged_model:${s.lm}` },
    { method: 'PATCH', route: `${API}/logged-models/:model_id/tags`, path: () => `${API}/logged-models/${s.lm}/tags`, body: () => ({ tags: [{ key: 'a', value: 'b' }] }) },
    { method: 'DELETE', route: `${API}/logged-models/:model_id/tags/:tag_key`, path: () => `${API}/logged-models/${s.lm}/tags/a` },
    { method: 'POST', route: `${API}/logged-models/:model_id/params`, path: () => `${API}/logged-models/${s.lm}/params`, body: () => ({ params: [{ key: 'p', value: '1' }] }) },
    { method: 'DELETE', route: `${API}/logged-models/:model_id`, path: () => `${API}/logged-models/${s.lm}` },
    { method: 'POST', route: `${API}/registered-models/create`, body: () => ({ name: 'audited-model' }), target: () => 'model:audited-model' },
    { method: 'POST', route: `${API}/registered-models/rename`, body: () => ({ name: 'audited-model', new_name: 'audited' }), target: () => 'model:audited-model' },
    { method: 'PATCH', route: `${API}/registered-models/update`, body: () => ({ name: 'audited', description: 'd' }) },
    { method: 'POST', route: `${API}/registered-models/set-tag`, body: () => ({ name: 'audited', key: 'k', value: 'v' }) },
    { method: 'DELETE', route: `${API}/registered-models/delete-tag`, body: () => ({ name: 'audited', key: 'k' }) },
    { method: 'POST', route: `${API}/model-versions/create`, body: () => ({ name: 'audited', source: `runs:/${s.run}/model`, run_id: s.run }), target: () => 'model:audited' },
    { method: 'PATCH', route: `${API}/model-versions/update`, body: () => ({ name: 'audited', version: '1', description: 'd' }) },
    { method: 'POST', route: `${API}/model-versions/set-tag`, body: () => ({ name: 'audited', version: '1', key: 'k', value: 'v' }) },
    { method: 'DELETE', route: `${API}/model-versions/delete-tag`, body: () => ({ name: 'audited', version: '1', key: 'k' }) },
    { method: 'POST', route: `${API}/registered-models/alias`, body: () => ({ name: 'audited', alias: 'champion', version: '1' }) },
    { method: 'DELETE', route: `${API}/registered-models/alias`, body: () => ({ name: 'audited', alias: 'champion' }) },
    { method: 'POST', route: `${API}/model-versions/transition-stage`, body: () => ({ name: 'audited', version: '1', stage: 'Staging', archive_existing_versions: false }) },
    { method: 'PUT', route: '/api/v1/models/:name/policy', path: () => '/api/v1/models/audited/policy', body: () => ({ gates: [], require_review: true }), target: () => 'model:audited' },
    { method: 'POST', route: '/api/v1/models/:name/promotions', path: () => '/api/v1/models/audited/promotions', body: () => ({ version: '1', alias: 'prod' }) },
    { method: 'POST', route: '/api/v1/models/:name/promotions/:request_id/cancel', path: () => `/api/v1/models/audited/promotions/${s.promotion}/cancel`, body: () => ({}) },
    { method: 'POST', route: '/api/v1/models/:name/promotions', path: () => '/api/v1/models/audited/promotions', body: () => ({ version: '1', alias: 'prod' }) },
    { method: 'POST', route: '/api/v1/models/:name/promotions/:request_id/reject', path: () => `/api/v1/models/audited/promotions/${s.promotion}/reject`, body: () => ({ comment: 'no' }), as: 'reviewer-bob' },
    { method: 'POST', route: '/api/v1/models/:name/promotions', path: () => '/api/v1/models/audited/promotions', body: () => ({ version: '1', alias: 'prod' }) },
    { method: 'POST', route: '/api/v1/models/:name/promotions/:request_id/approve', path: () => `/api/v1/models/audited/promotions/${s.promotion}/approve`, body: () => ({}), as: 'reviewer-bob' },
    { method: 'POST', route: `${API}/webhooks`, body: () => ({ name: 'hook', url: 'https://hooks.example.com/x', events: [{ entity: 'model_version', action: 'created' }] }) },
    { method: 'PATCH', route: `${API}/webhooks/:webhook_id`, path: () => `${API}/webhooks/${s.webhook}`, body: () => ({ description: 'renamed' }), target: () => `webhook:${s.webhook}` },
    { method: 'POST', route: `${API}/webhooks/:webhook_id/test`, path: () => `${API}/webhooks/${s.webhook}/test`, body: () => ({}) },
    { method: 'DELETE', route: `${API}/webhooks/:webhook_id`, path: () => `${API}/webhooks/${s.webhook}` },
    { method: 'DELETE', route: `${API}/model-versions/delete`, body: () => ({ name: 'audited', version: '1' }) },
    { method: 'DELETE', route: `${API}/registered-models/delete`, body: () => ({ name: 'audited' }) },
    { method: 'POST', route: '/api/v1/studies', body: () => ({ name: 'audited-study' }), target: () => 'study:audited-study' },
    { method: 'POST', route: '/api/v1/studies/:study/enqueue', path: () => '/api/v1/studies/audited-study/enqueue', body: () => ({ params: { x: 1 } }), target: () => 'study:audited-study' },
    { method: 'POST', route: '/api/v1/studies/:study/ask', path: () => '/api/v1/studies/audited-study/ask', body: () => ({}) },
    { method: 'POST', route: '/api/v1/studies/:study/trials/:number/suggest', path: () => `/api/v1/studies/audited-study/trials/${s.trial}/suggest`, body: () => ({ name: 'x', distribution: { type: 'float', low: 0, high: 2, log: false, step: null } }) },
    { method: 'POST', route: '/api/v1/studies/:study/trials/:number/report', path: () => `/api/v1/studies/audited-study/trials/${s.trial}/report`, body: () => ({ step: 0, value: 0.5 }) },
    { method: 'POST', route: '/api/v1/studies/:study/trials/:number/heartbeat', path: () => `/api/v1/studies/audited-study/trials/${s.trial}/heartbeat`, body: () => ({}) },
    { method: 'POST', route: '/api/v1/studies/:study/trials/:number/update', path: () => `/api/v1/studies/audited-study/trials/${s.trial}/update`, body: () => ({ user_attrs: { a: 1 } }) },
    { method: 'POST', route: '/api/v1/studies/:study/trials/:number/tell', path: () => `/api/v1/studies/audited-study/trials/${s.trial}/tell`, body: () => ({ state: 'COMPLETE', values: [0.25] }) },
    { method: 'POST', route: '/api/v1/studies/:study/trials', path: () => '/api/v1/studies/audited-study/trials', body: () => ({ trials: [{ state: 'COMPLETE', values: [0.5], params: { x: 1 }, distributions: { x: { type: 'float', low: 0, high: 2, log: false, step: null } } }] }) },
    { method: 'DELETE', route: '/api/v1/studies/:study', path: () => '/api/v1/studies/audited-study', target: () => 'study:audited-study' },
    { method: 'POST', route: '/api/v1/jobs', body: () => ({ job_id: `audit-job-${dialect}`, spec: { command: ['t.py'] }, supervisor: { nonce: 'n1', pid: process.pid, host: 'h' } }), target: () => `job:audit-job-${dialect}` },
    { method: 'POST', route: '/api/v1/jobs/:job_id/run', path: () => `/api/v1/jobs/audit-job-${dialect}/run`, body: () => ({ nonce: 'n1', run_id: s.run, experiment_id: s.exp }) },
    { method: 'POST', route: '/api/v1/jobs/:job_id/transition', path: () => `/api/v1/jobs/audit-job-${dialect}/transition`, body: () => ({ nonce: 'n1', state: 'running', attempt: 0 }) },
    { method: 'POST', route: '/api/v1/jobs/:job_id/events', path: () => `/api/v1/jobs/audit-job-${dialect}/events`, body: () => ({ nonce: 'n1', kind: 'note', detail: {} }) },
    { method: 'POST', route: '/api/v1/jobs/:job_id/heartbeat', path: () => `/api/v1/jobs/audit-job-${dialect}/heartbeat`, body: () => ({ nonce: 'n1' }) },
    { method: 'POST', route: '/api/v1/jobs/:job_id/checkpoint', path: () => `/api/v1/jobs/audit-job-${dialect}/checkpoint`, body: () => ({ nonce: 'n1', step: 1, path: '/c', sha256: 'a'.repeat(64) }) },
    { method: 'POST', route: '/api/v1/jobs/:job_id/cancel', path: () => `/api/v1/jobs/audit-job-${dialect}/cancel`, body: () => ({}) },
    { method: 'POST', route: '/api/v1/pipelines/runs', body: () => ({ spec: s.spec, executor: 'local' }) },
    { method: 'POST', route: '/api/v1/pipelines/runs/:run/cancel', path: () => `/api/v1/pipelines/runs/${s.pipelineRun}/cancel`, body: () => ({}), target: () => `pipeline_run:${s.pipelineRun}` },
    { method: 'POST', route: '/api/v1/pipelines/runs/:run/resume', path: () => `/api/v1/pipelines/runs/${s.pipelineRun}/resume`, body: () => ({}) },
    { method: 'POST', route: '/api/v1/pipelines/schedules', body: () => ({ file: s.pipelineFile, cron: '0 3 * * *' }) },
    { method: 'DELETE', route: '/api/v1/pipelines/schedules/:schedule', path: () => `/api/v1/pipelines/schedules/${s.schedule}` },
    { method: 'POST', route: `${API}/runs/delete`, body: () => ({ run_id: s.run }) },
    { method: 'POST', route: `${API}/runs/restore`, body: () => ({ run_id: s.run }) },
    { method: 'POST', route: `${API}/experiments/delete`, body: () => ({ experiment_id: s.exp }) },
    { method: 'POST', route: `${API}/experiments/restore`, body: () => ({ experiment_id: s.exp }), target: () => `experiment:${s.exp}` },
  ];

  /** Remembers the ids later steps need from a step's answer. */
  function remember(step: Step, json: any): void {
    if (step.route.endsWith('/experiments/create')) s.exp = json.experiment_id;
    if (step.route.endsWith('/runs/create')) s.run = json.run.info.run_id;
    if (step.route.endsWith('/mpu/create/*')) s.upload = json.upload_id;
    
    if (step.route.endsWith('/comments')) s.comment = String(json.comment?.id);
    if (step.route === `${API}/logged-models`) s.lm = json.model.info.model_id;
    if (step.route.endsWith('/promotions')) s.promotion = json.request.request_id;
    if (step.route === `${API}/webhooks`) s.webhook = json.webhook.webhook_id ?? json.webhook.id;
    if (step.route.endsWith('/ask')) s.trial = String(json.trial?.number ?? json.number);
    if (step.route === '/api/v1/pipelines/runs') s.pipelineRun = json.run.run_id;
    if (step.route === '/api/v1/pipelines/schedules') s.schedule = json.schedule.schedule_id;
  }

  it('has a succeeding request for every write route the server registers', () => {
    const covered = new Set(steps.map((x) => `${x.method} ${x.route}`));
    const missing = registeredRoutes(server.app)
      .filter((r) => isWriteRoute(r.method, r.url) && !r.url.startsWith('/ajax-api/'))
      .map((r) => `${r.method} ${r.url}`)
      .filter((r) => !covered.has(r));
    expect(missing).toEqual([]);
  });

  it('each write leaves one audit record: user, route, target and request id', async () => {
    const file = join(dir, 'audited.yaml');
    writeFileSync(file, 'name: audited\nsteps:\n  wait:\n    command: sleep 30\n');
    s.pipelineFile = file;
    s.spec = (await loadPipelineFile(file)).spec as unknown as string;
    const problems: string[] = [];
    for (const step of steps) {
      const path = step.path?.() ?? step.route;
      const res = await send(step.method, path, step.body?.(), step.raw?.(), step.as);
      if (res.status >= 300) {
        problems.push(`${step.method} ${path} -> ${res.status} ${res.text.slice(0, 200)}`);
        continue;
      }
      if (res.json) remember(step, res.json);
      if (step.route.endsWith('/mpu/upload-part/*')) s.etag = res.etag;
      const log = await send('GET', `/api/v1/audit?request_id=${encodeURIComponent(res.requestId)}`);
      const records = log.json.records as any[];
      if (records.length !== 1) {
        problems.push(`${step.method} ${path}: ${records.length} audit records`);
        continue;
      }
      const r = records[0];
      expect(r, `${step.method} ${path}`).toMatchObject({ user: step.as ?? USER, verified: false, action: `${step.method} ${step.route}`, remote: '127.0.0.1' });
      if (step.target) expect(r.target, `${step.method} ${path}`).toBe(step.target());
    }
    expect(problems).toEqual([]);
  });

  it('a search or a read leaves no record, and a refused write leaves none', async () => {
    const search = await send('POST', `${API}/experiments/search`, {});
    expect((await send('GET', `/api/v1/audit?request_id=${search.requestId}`)).json.records).toEqual([]);
    const bad = await send('POST', `${API}/runs/log-metric`, { run_id: 'f'.repeat(32), key: 'm', value: 1, timestamp: 1 });
    expect(bad.status).toBe(404);
    expect((await send('GET', `/api/v1/audit?request_id=${bad.requestId}`)).json.records).toEqual([]);
  });

  it('concurrent log-metrics (one group commit on PostgreSQL) leave exactly one record each, under each sender', async () => {
    const sent = await Promise.all(Array.from({ length: 12 }, (_, i) =>
      send('POST', `${API}/runs/log-metric`, { run_id: s.run, key: 'together', value: i, timestamp: 1, step: i }, undefined, `auditor-${i % 3}`)));
    expect(sent.map((r) => r.status)).toEqual(Array(12).fill(200));
    for (const [i, res] of sent.entries()) {
      const records = (await send('GET', `/api/v1/audit?request_id=${encodeURIComponent(res.requestId)}`)).json.records as any[];
      expect(records, `request ${i}`).toHaveLength(1);
      expect(records[0]).toMatchObject({ user: `auditor-${i % 3}`, action: `POST ${API}/runs/log-metric`, target: `run:${s.run}` });
    }
  });

  it('filters by target and user, newest first, paged', async () => {
    const byTarget = (await send('GET', `/api/v1/audit?target=${encodeURIComponent(`run:${s.run}`)}&max_results=2`)).json;
    expect(byTarget.records).toHaveLength(2);
    expect(byTarget.records.every((r: any) => r.target === `run:${s.run}`)).toBe(true);
    expect(Number(byTarget.records[0].id)).toBeGreaterThan(Number(byTarget.records[1].id));
    const next = (await send('GET', `/api/v1/audit?target=${encodeURIComponent(`run:${s.run}`)}&page_token=${byTarget.next_page_token}`)).json;
    expect(next.records.length).toBeGreaterThan(0);
    expect(Number(next.records[0].id)).toBeLessThan(Number(byTarget.records[1].id));
    const byUser = (await send('GET', `/api/v1/audit?user=${USER}&max_results=1000`)).json.records;
    expect(byUser.length).toBe(steps.filter((x) => !x.as).length);
    expect(byUser.every((r: any) => r.user === USER)).toBe(true);
    expect((await send('GET', '/api/v1/audit?page_token=abc')).status).toBe(400);
  });
});

describe('the audit log with --auth', () => {
  let db: TestDatabase;
  let server: RunningServer;
  const basic = (u: string, p: string) => `Basic ${Buffer.from(`${u}:${p}`).toString('base64')}`;
  const ROOT = basic('root', 'root-password-1');
  const BOB = basic('bob', 'bob-password-1');
  const call = async (method: string, path: string, auth: string, body?: unknown) => {
    const res = await fetch(server.url + path, { method, headers: { authorization: auth, 'x-trainyard-user': 'mallory', ...(body ? { 'content-type': 'application/json' } : {}) }, body: body ? JSON.stringify(body) : undefined });
    return { status: res.status, json: await res.json() as any };
  };
  beforeAll(async () => {
    db = await createTestDatabase('sqlite');
    process.env.TRAINYARD_ADMIN_USERNAME = 'root';
    process.env.TRAINYARD_ADMIN_PASSWORD = 'root-password-1';
    server = await startServer({ host: '127.0.0.1', port: 0, home: db.home, db: db.url, auth: true, defaultPermission: 'NO_PERMISSIONS' });
  });
  afterAll(async () => {
    delete process.env.TRAINYARD_ADMIN_USERNAME;
    delete process.env.TRAINYARD_ADMIN_PASSWORD;
    await server?.close();
    await db?.drop();
  });

  it('names the authenticated user, verified, whatever X-Trainyard-User claims; admins read all, others only what they can read', async () => {
    expect((await call('POST', '/api/2.0/mlflow/users/create', ROOT, { username: 'bob', password: 'bob-password-1' })).status).toBe(200);
    const exp = (await call('POST', '/api/2.0/mlflow/experiments/create', ROOT, { name: 'secret' })).json.experiment_id;
    const mine = (await call('POST', '/api/2.0/mlflow/experiments/create', BOB, { name: 'bobs' })).json.experiment_id;
    const all = (await call('GET', '/api/v1/audit', ROOT)).json.records;
    expect(all.map((r: any) => [r.user, r.verified, r.action, r.target])).toEqual([
      ['bob', true, 'POST /api/2.0/mlflow/experiments/create', `experiment:${mine}`],
      ['root', true, 'POST /api/2.0/mlflow/experiments/create', `experiment:${exp}`],
      ['root', true, 'POST /api/2.0/mlflow/users/create', 'user:bob'],
    ]);
    expect((await call('GET', '/api/v1/audit', BOB)).status).toBe(403);
    expect((await call('GET', `/api/v1/audit?target=experiment:${exp}`, BOB)).status).toBe(403);
    const own = await call('GET', `/api/v1/audit?target=experiment:${mine}`, BOB);
    expect(own.status).toBe(200);
    expect(own.json.records).toHaveLength(1);
  });
});
