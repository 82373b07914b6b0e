import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './helpers/server.js';

describe('GET /model-versions/get-artifact (the UI download of a version file)', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer('sqlite');
    const { body } = await server.mlflow('POST', '/runs/create', { experiment_id: '0' });
    const run = body.run.info;
    const root = `${server.url}/api/2.0/mlflow-artifacts/artifacts/${run.artifact_uri.replace('mlflow-artifacts:/', '')}`;
    await fetch(`${root}/model/weights.bin`, { method: 'PUT', body: 'weights' });
    await fetch(`${root}/model/MLmodel`, { method: 'PUT', body: 'flavors: {}\n' });
    expect((await server.mlflow('POST', '/registered-models/create', { name: 'churn' })).status).toBe(200);
    expect((await server.mlflow('POST', '/model-versions/create', { name: 'churn', source: `runs:/${run.run_id}/model`, run_id: run.run_id })).status).toBe(200);
  });
  afterAll(() => server.stop());

  it('streams a file of the version as an attachment with its sha256', async () => {
    const res = await fetch(`${server.url}/model-versions/get-artifact?name=churn&version=1&path=weights.bin`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-disposition')).toContain('weights.bin');
    expect(res.headers.get('x-trainyard-sha256')).toMatch(/^[0-9a-f]{64}$/);
    expect(await res.text()).toBe('weights');
  });

  it('answers bad input clearly: missing field 400, traversal 400, unknown version or file 404', async () => {
    const get = (qs: string) => server.call('GET', `/model-versions/get-artifact?${qs}`);
    const missing = await get('name=churn&version=1');
    expect([missing.status, missing.body.error_code]).toEqual([400, 'INVALID_PARAMETER_VALUE']);
    expect(missing.body.message).toContain("'path'");
    expect((await get('name=churn&version=1&path=../../secret')).status).toBe(400);
    expect((await get('name=churn&version=9&path=weights.bin')).status).toBe(404);
    expect((await get('name=nope&version=1&path=weights.bin')).status).toBe(404);
    expect((await get('name=churn&version=1&path=absent.bin')).status).toBe(404);
  });
});
