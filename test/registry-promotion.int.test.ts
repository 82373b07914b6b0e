import { describe, expect, it } from 'vitest';
import { DIALECTS } from './helpers/databases.js';
import { createVersion, modelWithVersion, putArtifact } from './helpers/registry-factories.js';
import type { TestServer } from './helpers/server.js';
import { ok } from './helpers/tracking-factories.js';
import { useServer } from './helpers/use-server.js';

/** Native registry calls, optionally as a user (the X-Trainyard-User header). */
async function native(s: TestServer, method: string, path: string, body?: Record<string, unknown>, user?: string) {
  const init: RequestInit = { method, headers: { ...(user ? { 'x-trainyard-user': user } : {}), ...(body && method !== 'GET' ? { 'content-type': 'application/json' } : {}) } };
  let url = s.url + path;
  if (body && method === 'GET') url += `?${new URLSearchParams(body as Record<string, string>)}`;
  else if (body) init.body = JSON.stringify(body);
  const res = await fetch(url, init);
  const text = await res.text();
  let parsed: any = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    /* markdown */
  }
  return { status: res.status, body: parsed };
}

const modelPath = (name: string) => `/api/v1/models/${encodeURIComponent(name)}`;

describe.each(DIALECTS)('promotion, gates, audit, lineage and cards on %s', (dialect) => {
  const server = useServer(dialect);

  it('promotes through a reviewed request: pending, then approved by another user, which moves the alias', async () => {
    const s = server();
    const { name, artifactUri } = await modelWithVersion(s);
    await putArtifact(s, artifactUri, 'eval/report.json', JSON.stringify({ auc: 0.91, fairness: { di_ratio: 0.86 } }));
    const req = ok(await native(s, 'POST', `${modelPath(name)}/promotions`, { version: '1', alias: 'champion', comment: 'beats v0 on holdout', evaluation_report: 'eval/report.json' }, 'ana')).request;
    expect(req).toMatchObject({ name, version: '1', target: '@champion', status: 'PENDING', requested_by: 'ana', comment: 'beats v0 on holdout', evaluation_report: `${artifactUri}/eval/report.json` });
    // Nothing moved yet.
    expect((await s.mlflow('GET', '/registered-models/alias', { name, alias: 'champion' })).status).toBe(404);
    const self = await native(s, 'POST', `${modelPath(name)}/promotions/${req.request_id}/approve`, { comment: 'lgtm' }, 'ana');
    expect(self.status).toBe(403);
    expect(self.body.error_code).toBe('PERMISSION_DENIED');
    const done = ok(await native(s, 'POST', `${modelPath(name)}/promotions/${req.request_id}/approve`, { comment: 'lgtm' }, 'bo')).request;
    expect(done).toMatchObject({ status: 'APPROVED', decided_by: 'bo', decision_comment: 'lgtm' });
    expect(ok(await s.mlflow('GET', '/registered-models/alias', { name, alias: 'champion' })).model_version.version).toBe('1');
    const again = await native(s, 'POST', `${modelPath(name)}/promotions/${req.request_id}/approve`, {}, 'cy');
    expect(again.status).toBe(400);
    expect(again.body.error_code).toBe('INVALID_STATE');
    // The `user` field works as well as the header.
    const staging = ok(await native(s, 'POST', `${modelPath(name)}/promotions`, { version: '1', stage: 'staging', user: 'ana' })).request;
    expect(staging).toMatchObject({ target: 'Staging', requested_by: 'ana' });
    ok(await native(s, 'POST', `${modelPath(name)}/promotions/${staging.request_id}/approve`, { user: 'bo' }));
    expect(ok(await s.mlflow('GET', '/model-versions/get', { name, version: '1' })).model_version.current_stage).toBe('Staging');
  });

  it('rejects and cancels requests, and lists them by status', async () => {
    const s = server();
    const { name, runId } = await modelWithVersion(s);
    await createVersion(s, name, `runs:/${runId}/model`);
    const a = ok(await native(s, 'POST', `${modelPath(name)}/promotions`, { version: '1', alias: 'champion' }, 'ana')).request;
    const dup = await native(s, 'POST', `${modelPath(name)}/promotions`, { version: '1', alias: 'champion' }, 'ana');
    expect(dup.status).toBe(409);
    const b = ok(await native(s, 'POST', `${modelPath(name)}/promotions`, { version: '2', alias: 'champion' }, 'ana')).request;
    expect((await native(s, 'POST', `${modelPath(name)}/promotions/${a.request_id}/reject`, { comment: 'no' }, 'ana')).status).toBe(403);
    expect(ok(await native(s, 'POST', `${modelPath(name)}/promotions/${a.request_id}/reject`, { comment: 'drift on segment B' }, 'bo')).request)
      .toMatchObject({ status: 'REJECTED', decided_by: 'bo', decision_comment: 'drift on segment B' });
    expect((await native(s, 'POST', `${modelPath(name)}/promotions/${b.request_id}/cancel`, {}, 'bo')).status).toBe(403);
    expect(ok(await native(s, 'POST', `${modelPath(name)}/promotions/${b.request_id}/cancel`, {}, 'ana')).request.status).toBe('CANCELLED');
    const list = ok(await native(s, 'GET', `${modelPath(name)}/promotions`, { status: 'rejected' })).requests;
    expect(list.map((r: any) => r.request_id)).toEqual([a.request_id]);
    expect(ok(await native(s, 'GET', `${modelPath(name)}/promotions`)).requests).toHaveLength(2);
    expect((await s.mlflow('GET', '/registered-models/alias', { name, alias: 'champion' })).status).toBe(404);
  });

  it('validates promotion requests with 400/404s that name the field', async () => {
    const s = server();
    const { name } = await modelWithVersion(s);
    const cases: [Record<string, unknown>, number, RegExp][] = [
      [{ version: '1' }, 400, /alias.*stage/],
      [{ version: '1', alias: 'a', stage: 'Production' }, 400, /alias.*stage/],
      [{ version: '1', alias: 'latest' }, 400, /reserved/],
      [{ version: '1', stage: 'Shipped' }, 400, /stage/],
      [{ version: '9', alias: 'champion' }, 404, /version=9/],
      [{ alias: 'champion' }, 400, /'version'/],
      [{ version: '1', alias: 'champion', evaluation_report: 'eval/missing.json' }, 404, /evaluation_report/],
      [{ version: '1', alias: 'champion', evaluation_report: '/etc/passwd' }, 400, /evaluation_report/],
      [{ version: '1', alias: 'champion', archive_existing_versions: true }, 400, /archive_existing_versions/],
    ];
    for (const [body, status, message] of cases) {
      const res = await native(s, 'POST', `${modelPath(name)}/promotions`, body);
      expect({ body, status: res.status, ok: message.test(res.body.message ?? '') }).toEqual({ body, status, ok: true });
    }
    expect((await native(s, 'POST', `${modelPath('no-such-model')}/promotions`, { version: '1', alias: 'x' })).status).toBe(404);
    expect((await native(s, 'POST', `${modelPath(name)}/promotions/pr-nope/approve`, {})).status).toBe(404);
  });

  it('blocks promotion when a gate fails unless an override is given, and records the override', async () => {
    const s = server();
    const { name } = await modelWithVersion(s, { metrics: { auc: 0.8, 'fairness.di_ratio': 0.9 } });
    const policy = ok(await native(s, 'PUT', `${modelPath(name)}/policy`, { gates: ['metrics.auc >= 0.85', 'fairness.di_ratio >= 0.8'] }, 'lead')).policy;
    expect(policy).toMatchObject({ gates: ['metrics.auc >= 0.85', 'fairness.di_ratio >= 0.8'], targets: [], require_review: false, updated_by: 'lead' });
    // Direct MLflow moves to a guarded target are refused too.
    const direct = await s.mlflow('POST', '/registered-models/alias', { name, alias: 'champion', version: '1' });
    expect(direct.status).toBe(400);
    expect(direct.body.message).toMatch(/metrics\.auc >= 0\.85 \(auc = 0\.8\)/);
    expect((await s.mlflow('POST', '/model-versions/transition-stage', { name, version: '1', stage: 'Production', archive_existing_versions: false })).status).toBe(400);
    // A stage outside the guarded set moves freely.
    ok(await s.mlflow('POST', '/model-versions/transition-stage', { name, version: '1', stage: 'Archived', archive_existing_versions: false }));
    const req = ok(await native(s, 'POST', `${modelPath(name)}/promotions`, { version: '1', alias: 'champion' }, 'ana')).request;
    expect(req.gate_results).toEqual([
      { gate: 'metrics.auc >= 0.85', metric: 'auc', value: 0.8, passed: false },
      { gate: 'fairness.di_ratio >= 0.8', metric: 'fairness.di_ratio', value: 0.9, passed: true },
    ]);
    const blocked = await native(s, 'POST', `${modelPath(name)}/promotions/${req.request_id}/approve`, {}, 'bo');
    expect(blocked.status).toBe(400);
    expect(blocked.body.message).toMatch(/fails its gates.*override_reason/);
    const approved = ok(await native(s, 'POST', `${modelPath(name)}/promotions/${req.request_id}/approve`, { override_reason: 'auc dip is a labelling artefact, see JIRA-12' }, 'bo')).request;
    expect(approved).toMatchObject({ status: 'APPROVED', override: { reason: 'auc dip is a labelling artefact, see JIRA-12', user: 'bo' } });
    expect(ok(await s.mlflow('GET', '/registered-models/alias', { name, alias: 'champion' })).model_version.version).toBe('1');
    const audit = ok(await native(s, 'GET', `${modelPath(name)}/audit`)).entries;
    const override = audit.find((e: any) => e.action === 'gate_override');
    expect(override).toMatchObject({ version: '1', target: '@champion', user: 'bo', reason: 'auc dip is a labelling artefact, see JIRA-12', request_id: req.request_id });
    expect(override.details.failed_gates).toEqual([{ gate: 'metrics.auc >= 0.85', metric: 'auc', value: 0.8, passed: false }]);
  });

  it('require_review refuses direct moves to the policy targets but not to others', async () => {
    const s = server();
    const { name } = await modelWithVersion(s);
    ok(await native(s, 'PUT', `${modelPath(name)}/policy`, { targets: ['@champion', 'production'], require_review: true }));
    const direct = await s.mlflow('POST', '/registered-models/alias', { name, alias: 'champion', version: '1' });
    expect(direct.status).toBe(403);
    expect(direct.body.error_code).toBe('PERMISSION_DENIED');
    expect(direct.body.message).toContain('/promotions');
    ok(await s.mlflow('POST', '/registered-models/alias', { name, alias: 'shadow', version: '1' }));
    ok(await s.mlflow('POST', '/model-versions/transition-stage', { name, version: '1', stage: 'Staging', archive_existing_versions: false }));
    expect((await s.mlflow('POST', '/model-versions/transition-stage', { name, version: '1', stage: 'Production', archive_existing_versions: false })).status).toBe(403);
    for (const body of [{ gates: ['auc >>= 1'] }, { gates: ['metrics.auc >= high'] }, { targets: ['@latest'] }, { targets: ['Shipped'] }, { gates: [1] }, { gates: { a: 1 } }]) {
      const res = await native(s, 'PUT', `${modelPath(name)}/policy`, body as Record<string, unknown>);
      expect({ body, status: res.status }).toEqual({ body, status: 400 });
    }
  });

  it('keeps an audit log of every transition: who, when, from, to, why', async () => {
    const s = server();
    const { name, runId } = await modelWithVersion(s);
    await createVersion(s, name, `runs:/${runId}/model`);
    const t0 = Date.now();
    await native(s, 'POST', '/api/2.0/mlflow/registered-models/alias', { name, alias: 'champion', version: '1' }, 'ana');
    const req = ok(await native(s, 'POST', `${modelPath(name)}/promotions`, { version: '2', alias: 'champion', comment: 'v2 wins' }, 'ana')).request;
    ok(await native(s, 'POST', `${modelPath(name)}/promotions/${req.request_id}/approve`, { comment: 'ok' }, 'bo'));
    await native(s, 'POST', '/api/2.0/mlflow/model-versions/transition-stage', { name, version: '2', stage: 'Production', archive_existing_versions: false }, 'cy');
    const entries = ok(await native(s, 'GET', `${modelPath(name)}/audit`)).entries;
    const brief = entries.map((e: any) => [e.action, e.version, e.target ?? null, e.from ?? null, e.to ?? null, e.user ?? null, e.reason ?? null]);
    expect(brief).toEqual([
      ['alias_set', '1', '@champion', null, '1', 'ana', null],
      ['promotion_requested', '2', '@champion', null, '2', 'ana', 'v2 wins'],
      ['alias_set', '2', '@champion', '1', '2', 'bo', 'ok'],
      ['promotion_approved', '2', '@champion', null, '2', 'bo', 'ok'],
      ['stage_transition', '2', 'Production', 'None', 'Production', 'cy', null],
    ]);
    for (const e of entries) expect(e.timestamp).toBeGreaterThanOrEqual(t0);
    const page = ok(await native(s, 'GET', `${modelPath(name)}/audit`, { max_results: '2' }));
    expect(page.entries).toHaveLength(2);
    const rest = ok(await native(s, 'GET', `${modelPath(name)}/audit`, { page_token: page.next_page_token }));
    expect(rest.entries).toHaveLength(3);
    expect(ok(await native(s, 'GET', `${modelPath(name)}/audit`, { version: '1' })).entries).toHaveLength(1);
  });

  it('serves lineage back to params, metrics, datasets (digests) and commit; and the versions of a run', async () => {
    const s = server();
    const { name, runId } = await modelWithVersion(s, { commit: 'c0ffee1234', metrics: { auc: 0.93 } });
    const l = ok(await native(s, 'GET', `${modelPath(name)}/versions/1/lineage`));
    expect(l.model_version).toMatchObject({ name, version: '1', run_id: runId });
    expect(l.run).toMatchObject({ run_id: runId });
    expect(l.params).toEqual([{ key: 'lr', value: '0.01' }]);
    expect(l.metrics).toEqual([expect.objectContaining({ key: 'auc', value: 0.93 })]);
    expect(l.datasets).toEqual([{ name: 'adult', digest: 'd1g3st00', source_type: 'local', source: '/data/adult.csv', context: 'training' }]);
    expect(l.code).toEqual({ git_commit: 'c0ffee1234' });
    expect(l.pipeline).toBeNull();
    expect(l.files).toMatchObject({ count: 3, package_digest: expect.stringMatching(/^[0-9a-f]{64}$/) });
    const fromRun = ok(await native(s, 'GET', `/api/v1/runs/${runId}/model-versions`));
    expect(fromRun.model_versions.map((v: any) => [v.name, v.version])).toEqual([[name, '1']]);
    expect((await native(s, 'GET', `/api/v1/runs/${'0'.repeat(32)}/model-versions`)).status).toBe(404);
    expect((await native(s, 'GET', `${modelPath(name)}/versions/2/lineage`)).status).toBe(404);
  });

  it('renders a Markdown model card from lineage, evaluation report and history', async () => {
    const s = server();
    const { name, artifactUri } = await modelWithVersion(s, { commit: 'feedbeef' });
    await putArtifact(s, artifactUri, 'eval/report.json', JSON.stringify({ auc: 0.91, fairness: { di_ratio: 0.86 } }));
    const req = ok(await native(s, 'POST', `${modelPath(name)}/promotions`, { version: '1', alias: 'champion', evaluation_report: 'eval/report.json' }, 'ana')).request;
    ok(await native(s, 'POST', `${modelPath(name)}/promotions/${req.request_id}/approve`, {}, 'bo'));
    const card = await native(s, 'GET', `${modelPath(name)}/versions/1/card`);
    expect(card.status).toBe(200);
    const md = String(card.body);
    expect(md).toContain(`# ${name} — version 1`);
    expect(md).toContain('@champion');
    expect(md).toContain('`feedbeef`');
    expect(md).toContain('| adult | `d1g3st00` | training | local |');
    expect(md).toContain('| fairness.di_ratio | 0.86 |');
    expect(md).toMatch(/\| .* \| alias_set \| @champion \|/);
    expect(md).toContain('Flavors: `onnx`');
  });
});
