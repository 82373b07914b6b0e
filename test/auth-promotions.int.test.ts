import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuthStore } from '../src/auth/index.js';
import type { RunningServer } from '../src/server/start-server.js';
import { startAuthServer } from './helpers/auth-server.js';
import { DIALECTS, type TestDatabase } from './helpers/databases.js';

/**
 * Under --auth the approver of a promotion is an authenticated user other than the requester
 * (an admin may approve their own request only with a recorded reason), and MLflow's
 * transition-stage obeys the same gates and review as aliases.
 */
const basic = (u: string, p: string) => `Basic ${Buffer.from(`${u}:${p}`).toString('base64')}`;
const ROOT = basic('root', 'root-password-1');
const BOB = basic('bob', 'bob-password-1');
const CAROL = basic('carol', 'carol-password-1');

describe.each(DIALECTS)('promotion reviews under auth (%s)', (dialect) => {
  let db: TestDatabase;
  let server: RunningServer;
  const call = async (auth: string, method: string, path: string, body?: unknown) => {
    const res = await fetch(server.url + path, { method, headers: { authorization: auth, 'content-type': 'application/json' }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
    return { status: res.status, body: (await res.json()) as any };
  };
  const ok = async (p: Promise<{ status: number; body: any }>) => {
    const r = await p;
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    return r.body;
  };
  /** A registered model (created by `auth`) with version 1 from a run whose auc is `auc`. */
  const modelWithVersion = async (auth: string, name: string, auc: number) => {
    const exp = (await ok(call(auth, 'POST', '/api/2.0/mlflow/experiments/create', { name: `${name}-exp` }))).experiment_id;
    const run = (await ok(call(auth, 'POST', '/api/2.0/mlflow/runs/create', { experiment_id: exp }))).run.info;
    await ok(call(auth, 'POST', '/api/2.0/mlflow/runs/log-metric', { run_id: run.run_id, key: 'auc', value: auc, timestamp: 1 }));
    const put = await fetch(`${server.url}/api/2.0/mlflow-artifacts/artifacts/${run.artifact_uri.replace(/^mlflow-artifacts:\/+/, '')}/model/MLmodel`, { method: 'PUT', headers: { authorization: auth }, body: 'flavors: {}\n' });
    expect(put.status).toBe(200);
    await ok(call(auth, 'POST', '/api/2.0/mlflow/registered-models/create', { name }));
    await ok(call(auth, 'POST', '/api/2.0/mlflow/model-versions/create', { name, source: `runs:/${run.run_id}/model`, run_id: run.run_id }));
  };

  beforeAll(async () => {
    ({ db, server } = await startAuthServer(dialect, { defaultPermission: 'READ' }));
    const store = new AuthStore(server.db);
    await store.createUser('bob', 'bob-password-1');
    await store.createUser('carol', 'carol-password-1');
  });
  afterAll(async () => {
    await server?.close();
    await db?.drop();
  });

  it('the requester cannot approve; another user with MANAGE can, and is recorded as the approver', async () => {
    await modelWithVersion(BOB, 'churn', 0.9);
    const req = (await ok(call(BOB, 'POST', '/api/v1/models/churn/promotions', { version: '1', alias: 'champion', user: 'carol' }))).request;
    expect(req.requested_by).toBe('bob'); // the authenticated user, whatever `user` says
    const self = await call(BOB, 'POST', `/api/v1/models/churn/promotions/${req.request_id}/approve`, { self_approval_reason: 'I am sure' });
    expect(self.status).toBe(403);
    expect(self.body).toMatchObject({ error_code: 'PERMISSION_DENIED' });
    expect(self.body.message).toContain("User 'bob' requested promotion");
    // carol reads (default READ) but cannot approve without MANAGE.
    expect((await call(CAROL, 'POST', `/api/v1/models/churn/promotions/${req.request_id}/approve`, {})).status).toBe(403);
    await ok(call(BOB, 'POST', '/api/2.0/mlflow/registered-models/permissions/create', { name: 'churn', username: 'carol', permission: 'MANAGE' }));
    const done = (await ok(call(CAROL, 'POST', `/api/v1/models/churn/promotions/${req.request_id}/approve`, { comment: 'lgtm', user: 'bob' }))).request;
    expect(done).toMatchObject({ status: 'APPROVED', decided_by: 'carol', requested_by: 'bob' });
    expect(done.self_approval).toBeUndefined();
  });

  it('an admin approves their own request only with a reason, which is kept and audited', async () => {
    await modelWithVersion(ROOT, 'fraud', 0.9);
    const req = (await ok(call(ROOT, 'POST', '/api/v1/models/fraud/promotions', { version: '1', stage: 'Production' }))).request;
    const bare = await call(ROOT, 'POST', `/api/v1/models/fraud/promotions/${req.request_id}/approve`, {});
    expect(bare.status).toBe(403);
    expect(bare.body.message).toContain('self_approval_reason');
    const blank = await call(ROOT, 'POST', `/api/v1/models/fraud/promotions/${req.request_id}/approve`, { self_approval_reason: '   ' });
    expect(blank.status).toBe(403);
    const done = (await ok(call(ROOT, 'POST', `/api/v1/models/fraud/promotions/${req.request_id}/approve`, { self_approval_reason: 'on-call fix, reviewer away' }))).request;
    expect(done).toMatchObject({ status: 'APPROVED', decided_by: 'root', self_approval: { reason: 'on-call fix, reviewer away', user: 'root' } });
    const again = (await ok(call(ROOT, 'GET', `/api/v1/models/fraud/promotions/${req.request_id}`))).request;
    expect(again.self_approval.reason).toBe('on-call fix, reviewer away');
    const audit = await server.db.one<{ details: string }>("SELECT details FROM registry_audit WHERE model_name = 'fraud' AND action = 'promotion_approved'");
    expect(JSON.parse(audit!.details)).toMatchObject({ self_approval_reason: 'on-call fix, reviewer away' });
  });

  it('transition-stage obeys the gates and the review rule, as set-alias does', async () => {
    await modelWithVersion(BOB, 'ranker', 0.5);
    await ok(call(BOB, 'PUT', '/api/v1/models/ranker/policy', { gates: ['metrics.auc >= 0.8'], require_review: false }));
    for (const [path, body] of [
      ['/api/2.0/mlflow/model-versions/transition-stage', { name: 'ranker', version: '1', stage: 'production', archive_existing_versions: false }],
      ['/api/2.0/mlflow/registered-models/alias', { name: 'ranker', alias: 'champion', version: '1' }],
    ] as const) {
      const r = await call(BOB, 'POST', path, body);
      expect(r.status, path).toBe(400);
      expect(r.body.message).toContain('fails its promotion gates');
    }
    await ok(call(BOB, 'PUT', '/api/v1/models/ranker/policy', { gates: [], require_review: true }));
    const review = await call(BOB, 'POST', '/api/2.0/mlflow/model-versions/transition-stage', { name: 'ranker', version: '1', stage: 'Production', archive_existing_versions: false });
    expect(review.status).toBe(403);
    expect(review.body.message).toContain('needs a reviewed promotion');
    const v = (await ok(call(BOB, 'GET', '/api/2.0/mlflow/model-versions/get?name=ranker&version=1'))).model_version;
    expect(v.current_stage).toBe('None');
  });
});
