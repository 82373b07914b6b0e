import { describe, expect, it } from 'vitest';
import { DIALECTS } from './helpers/databases.js';
import { createModel, putArtifact } from './helpers/registry-factories.js';
import { createExperiment, createRun, ok, PREFIXES } from './helpers/tracking-factories.js';
import { useServer } from './helpers/use-server.js';

describe.each(DIALECTS)('MLflow 3 logged models on %s', (dialect) => {
  const server = useServer(dialect);

  describe.each(PREFIXES)('under %s', (prefix) => {
    const api = (method: string, path: string, body?: Record<string, unknown>) => server().call(method, prefix + path, body);

    it('creates, reads, finalizes, tags, logs params and deletes a logged model', async () => {
      const s = server();
      const exp = await createExperiment(s);
      const run = await createRun(s, { experiment_id: exp });
      const created = ok(await api('POST', '/logged-models', {
        experiment_id: exp, name: 'clf', model_type: 'sklearn', source_run_id: run.info.run_id,
        params: [{ key: 'C', value: '1.0' }], tags: [{ key: 'owner', value: 'ana' }],
      })).model;
      const id = created.info.model_id;
      expect(id).toMatch(/^m-[0-9a-f]{32}$/);
      expect(created.info).toMatchObject({
        experiment_id: exp, name: 'clf', model_type: 'sklearn', source_run_id: run.info.run_id, status: 'LOGGED_MODEL_PENDING',
        artifact_uri: `mlflow-artifacts:/${exp}/models/${id}/artifacts`, tags: [{ key: 'owner', value: 'ana' }], registrations: [],
      });
      expect(created.data.params).toEqual([{ key: 'C', value: '1.0' }]);
      expect(ok(await api('GET', `/logged-models/${id}`)).model).toEqual(created);
      const ready = ok(await api('PATCH', `/logged-models/${id}`, { model_id: id, status: 'LOGGED_MODEL_READY' })).model;
      expect(ready.info.status).toBe('LOGGED_MODEL_READY');
      ok(await api('PATCH', `/logged-models/${id}/tags`, { tags: [{ key: 'stage', value: 'eval' }] }));
      ok(await api('DELETE', `/logged-models/${id}/tags/owner`));
      expect((await api('DELETE', `/logged-models/${id}/tags/owner`)).status).toBe(404);
      ok(await api('POST', `/logged-models/${id}/params`, { params: [{ key: 'C', value: '1.0' }, { key: 'penalty', value: 'l2' }] }));
      expect((await api('POST', `/logged-models/${id}/params`, { params: [{ key: 'C', value: '2.0' }] })).status).toBe(400);
      const got = ok(await api('GET', `/logged-models/${id}`)).model;
      expect(got.info.tags).toEqual([{ key: 'stage', value: 'eval' }]);
      expect(got.data.params).toEqual([{ key: 'C', value: '1.0' }, { key: 'penalty', value: 'l2' }]);
      ok(await api('DELETE', `/logged-models/${id}`));
      expect((await api('GET', `/logged-models/${id}`)).status).toBe(404);
    });

    it('answers bad input with 400/404', async () => {
      const cases: [string, string, Record<string, unknown> | undefined, number][] = [
        ['POST', '/logged-models', {}, 400],
        ['POST', '/logged-models', { experiment_id: 'abc' }, 400],
        ['POST', '/logged-models', { experiment_id: '987654' }, 404],
        ['POST', '/logged-models', { experiment_id: '0', source_run_id: 'f'.repeat(32) }, 404],
        ['GET', '/logged-models/m-00000000000000000000000000000000', undefined, 404],
        ['PATCH', '/logged-models/m-00000000000000000000000000000000', { status: 'LOGGED_MODEL_READY' }, 404],
        ['POST', '/logged-models/search', {}, 400],
        ['POST', '/logged-models/search', { experiment_ids: ['0'], filter: 'metrics.acc > x' }, 400],
        ['POST', '/logged-models/search', { experiment_ids: ['0'], order_by: [{ field_name: 'params.x' }] }, 400],
      ];
      for (const [method, path, body, status] of cases) {
        const res = await api(method, path, body);
        expect({ path, body, status: res.status }).toEqual({ path, body, status });
      }
      const m = ok(await api('POST', '/logged-models', { experiment_id: '0' })).model;
      expect((await api('PATCH', `/logged-models/${m.info.model_id}`, { status: 'EXPLODED' })).status).toBe(400);
      expect((await api('PATCH', `/logged-models/${m.info.model_id}`, {})).status).toBe(400);
    });
  });

  it('puts metrics logged with model_id on the logged model, and searches by them', async () => {
    const s = server();
    const exp = await createExperiment(s);
    const run = await createRun(s, { experiment_id: exp });
    const ids: string[] = [];
    for (const [name, acc] of [['a', 0.7], ['b', 0.9], ['c', 0.8]] as const) {
      const m = ok(await s.mlflow('POST', '/logged-models', { experiment_id: exp, name, source_run_id: run.info.run_id })).model;
      ids.push(m.info.model_id);
      ok(await s.mlflow('POST', '/runs/log-metric', { run_id: run.info.run_id, key: 'acc', value: acc, timestamp: 1000, step: 0, model_id: m.info.model_id, dataset_name: 'val', dataset_digest: 'd1' }));
    }
    ok(await s.mlflow('POST', '/runs/log-batch', { run_id: run.info.run_id, metrics: [{ key: 'loss', value: 0.3, timestamp: 1001, step: 1, model_id: ids[0] }] }));
    const a = ok(await s.mlflow('GET', `/logged-models/${ids[0]}`)).model;
    expect(a.data.metrics).toEqual([
      { key: 'acc', value: 0.7, timestamp: 1000, step: 0, run_id: run.info.run_id, model_id: ids[0], dataset_name: 'val', dataset_digest: 'd1' },
      { key: 'loss', value: 0.3, timestamp: 1001, step: 1, run_id: run.info.run_id, model_id: ids[0] },
    ]);
    // The run got the metric too.
    const r = ok(await s.mlflow('GET', '/runs/get', { run_id: run.info.run_id })).run;
    expect(r.data.metrics.map((m: any) => m.key).sort()).toEqual(['acc', 'loss']);
    // An unknown model_id is refused before anything is written.
    const bad = await s.mlflow('POST', '/runs/log-metric', { run_id: run.info.run_id, key: 'x', value: 1, timestamp: 1, model_id: 'm-00000000000000000000000000000000' });
    expect(bad.status).toBe(404);
    expect(ok(await s.mlflow('GET', '/runs/get', { run_id: run.info.run_id })).run.data.metrics.map((m: any) => m.key)).not.toContain('x');

    const search = async (body: Record<string, unknown>) => ok(await s.mlflow('POST', '/logged-models/search', { experiment_ids: [exp], ...body }));
    const names = (res: any) => res.models.map((m: any) => m.info.name);
    expect(names(await search({ filter: 'metrics.acc >= 0.8', order_by: [{ field_name: 'metrics.acc', ascending: false }] }))).toEqual(['b', 'c']);
    expect(names(await search({ filter: "name = 'a'" }))).toEqual(['a']);
    expect(names(await search({ filter: 'metrics.acc > 0', datasets: [{ dataset_name: 'other' }] }))).toEqual([]);
    expect(names(await search({ order_by: [{ field_name: 'name' }] }))).toEqual(['a', 'b', 'c']);
    const p1 = await search({ max_results: 2, order_by: [{ field_name: 'metrics.acc', ascending: true }] });
    expect(names(p1)).toEqual(['a', 'c']);
    const p2 = await search({ max_results: 2, order_by: [{ field_name: 'metrics.acc', ascending: true }], page_token: p1.next_page_token });
    expect(names(p2)).toEqual(['b']);
    // The token embeds the query: replaying it with another filter is refused.
    expect((await s.mlflow('POST', '/logged-models/search', { experiment_ids: [exp], filter: "name = 'a'", page_token: p1.next_page_token })).status).toBe(400);
  });

  it('registers a version from models:/<model_id>, lists its artifacts and shows the registration', async () => {
    const s = server();
    const exp = await createExperiment(s);
    const m = ok(await s.mlflow('POST', '/logged-models', { experiment_id: exp, name: 'net' })).model;
    await putArtifact(s, m.info.artifact_uri, 'MLmodel', 'artifact_path: model\nflavors: {}\n');
    await putArtifact(s, m.info.artifact_uri, 'data/model.pt', 'torch');
    const listing = ok(await s.mlflow('GET', `/logged-models/${m.info.model_id}/artifacts/directories`));
    expect(listing).toEqual({ root_uri: m.info.artifact_uri, files: [{ path: 'MLmodel', is_dir: false, file_size: 33 }, { path: 'data', is_dir: true }] });
    const sub = ok(await s.mlflow('GET', `/logged-models/${m.info.model_id}/artifacts/directories`, { artifact_directory_path: 'data' }));
    expect(sub.files).toEqual([{ path: 'data/model.pt', is_dir: false, file_size: 5 }]);
    const name = await createModel(s);
    const v = ok(await s.mlflow('POST', '/model-versions/create', { name, source: `models:/${m.info.model_id}`, model_id: m.info.model_id })).model_version;
    expect(v).toMatchObject({ version: '1', model_id: m.info.model_id });
    expect(ok(await s.mlflow('GET', '/model-versions/get-download-uri', { name, version: '1' })).artifact_uri).toBe(m.info.artifact_uri);
    expect(ok(await s.mlflow('GET', `/logged-models/${m.info.model_id}`)).model.info.registrations).toEqual([{ name, version: '1' }]);
  });
});
