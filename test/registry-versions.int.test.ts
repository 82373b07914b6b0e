import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { DIALECTS } from './helpers/databases.js';
import { createModel, createVersion, MODEL_FILES, modelWithVersion, putArtifact, runWithModel } from './helpers/registry-factories.js';
import { createRun, ok, PREFIXES, uniqueName } from './helpers/tracking-factories.js';
import { useServer } from './helpers/use-server.js';

const sha = (s: string) => createHash('sha256').update(s).digest('hex');

describe.each(DIALECTS)('model versions API on %s', (dialect) => {
  const server = useServer(dialect);

  describe.each(PREFIXES)('under %s', (prefix) => {
    const api = (method: string, path: string, body?: Record<string, unknown>) => server().call(method, prefix + path, body);

    it('registers a version from runs:/<run>/<path>: READY at once, stage None, run id and digests recorded', async () => {
      const s = server();
      const run = await runWithModel(s);
      const name = await createModel(s);
      const before = Date.now();
      const mv = ok(await api('POST', '/model-versions/create', {
        name, source: `runs:/${run.runId}/model`, description: 'first', tags: [{ key: 'candidate', value: 'yes' }], run_link: 'http://ci/1',
      })).model_version;
      expect(mv).toMatchObject({
        name, version: '1', status: 'READY', current_stage: 'None', source: `runs:/${run.runId}/model`, run_id: run.runId,
        description: 'first', tags: [{ key: 'candidate', value: 'yes' }], run_link: 'http://ci/1', aliases: [],
      });
      expect(mv.creation_timestamp).toBeGreaterThanOrEqual(before);
      expect(ok(await api('GET', '/model-versions/get', { name, version: '1' })).model_version).toEqual(mv);
      // Nothing copied: the download URI is the run's own artifact folder.
      expect(ok(await api('GET', '/model-versions/get-download-uri', { name, version: '1' })).artifact_uri).toBe(`${run.artifactUri}/model`);
      const files = ok(await s.call('GET', `/api/v1/models/${encodeURIComponent(name)}/versions/1/files`)).files;
      expect(files).toEqual(Object.entries(MODEL_FILES).map(([p, body]) => ({ path: p.slice('model/'.length), size: Buffer.byteLength(body), sha256: sha(body) }))
        .sort((a, b) => (a.path < b.path ? -1 : 1)));
    });

    it('registers from an mlflow-artifacts: URI (inferring the run) and with an explicit matching run_id', async () => {
      const s = server();
      const run = await runWithModel(s);
      const name = await createModel(s);
      const a = ok(await api('POST', '/model-versions/create', { name, source: `${run.artifactUri}/model` })).model_version;
      expect(a.run_id).toBe(run.runId);
      const b = ok(await api('POST', '/model-versions/create', { name, source: `${run.artifactUri}/model`, run_id: run.runId })).model_version;
      expect(b.version).toBe('2');
      const single = ok(await api('POST', '/model-versions/create', { name, source: `runs:/${run.runId}/model/weights.bin` })).model_version;
      const files = ok(await s.call('GET', `/api/v1/models/${encodeURIComponent(name)}/versions/${single.version}/files`)).files;
      expect(files).toEqual([{ path: '', size: 10, sha256: sha('weights-v1') }]);
    });

    it('refuses sources that do not exist (404) or are malformed (400), writing nothing', async () => {
      const s = server();
      const run = await runWithModel(s);
      const other = await runWithModel(s);
      const name = await createModel(s);
      const cases: [Record<string, unknown>, number, RegExp][] = [
        [{ source: `runs:/${'f'.repeat(32)}/model` }, 404, /does not exist/],
        [{ source: 'models:/m-0123456789abcdef0123456789abcdef' }, 404, /does not exist/],
        [{ source: `models:/${uniqueName()}/1` }, 404, /does not exist/],
        [{ source: `runs:/${run.runId}/../${other.runId}/artifacts/model` }, 400, /'\.\.'/],
        [{ source: `runs:/${run.runId}/model%2F..%2F..` }, 400, /'\.\.'/],
        [{ source: '/etc/passwd' }, 400, /source/],
        [{ source: `runs:/${run.runId}/model`, run_id: other.runId }, 400, /run_id/],
        [{}, 400, /'source'/],
        [{ source: `runs:/${run.runId}/model`, tags: [{ key: '', value: 'x' }] }, 400, /key/],
      ];
      for (const [body, status, message] of cases) {
        const res = await api('POST', '/model-versions/create', { name, ...body });
        expect({ body, status: res.status, message: message.test(res.body.message ?? '') }).toEqual({ body, status, message: true });
        expect(res.body.error_code).toBe(status === 404 ? 'RESOURCE_DOES_NOT_EXIST' : 'INVALID_PARAMETER_VALUE');
      }
      const model = ok(await api('GET', '/registered-models/get', { name })).registered_model;
      expect(model.latest_versions).toEqual([]);
      // The failed attempts used no version numbers.
      expect((await createVersion(s, name, `runs:/${run.runId}/model`)).version).toBe('1');
    });

    it('creates what MLflow creates, marked unverified: a source with no files yet, an outside store, a run in an unmanaged bucket', async () => {
      const s = server();
      const run = await runWithModel(s);
      const name = await createModel(s);
      const s3exp = ok(await api('POST', '/experiments/create', { name: uniqueName('s3'), artifact_location: 's3://team-bucket/exp' })).experiment_id;
      const s3run = ok(await api('POST', '/runs/create', { experiment_id: s3exp })).run.info.run_id;
      const cases: [Record<string, unknown>, RegExp][] = [
        [{ source: `runs:/${run.runId}/nothing-here`, run_id: run.runId }, /no files were stored/],
        [{ source: `mlflow-artifacts:/0/${run.runId}/artifacts/later` }, /no files were stored/],
        [{ source: 's3://team-bucket/models/churn/v3' }, /does not manage/],
        [{ source: 'gs://bucket/model' }, /does not manage/],
        [{ source: 'dbfs:/models/churn' }, /does not manage/],
        [{ source: `runs:/${s3run}/model`, run_id: s3run }, /does not manage/],
      ];
      for (const [body, reason] of cases) {
        const res = await api('POST', '/model-versions/create', { name, ...body, description: 'd', tags: [{ key: 'k', value: 'v' }] });
        expect(res.status, JSON.stringify(body)).toBe(200);
        const v = res.body.model_version;
        expect(v).toMatchObject({ status: 'READY', source: body.source, description: 'd' });
        expect(v.tags).toContainEqual({ key: 'k', value: 'v' });
        expect(v.tags.find((t: any) => t.key === 'trainyard.source.unverified')?.value, JSON.stringify(body)).toMatch(reason);
      }
      // A version Trainyard could digest carries no such mark.
      const good = await createVersion(s, name, `runs:/${run.runId}/model`);
      expect((good.tags ?? []).map((t: any) => t.key)).not.toContain('trainyard.source.unverified');
    });

    it('registers from another version (models:/<name>/<version>, models:/<name>@alias) without copying', async () => {
      const s = server();
      const { name, runId, artifactUri } = await modelWithVersion(s);
      ok(await api('POST', '/registered-models/alias', { name, alias: 'champion', version: '1' }));
      const target = await createModel(s);
      const a = await createVersion(s, target, `models:/${name}/1`);
      const b = await createVersion(s, target, `models:/${name}@champion`);
      for (const v of [a, b]) {
        expect(v.run_id).toBe(runId);
        expect(ok(await api('GET', '/model-versions/get-download-uri', { name: target, version: v.version })).artifact_uri).toBe(`${artifactUri}/model`);
      }
    });

    it('numbers versions per model and never reuses a deleted number', async () => {
      const s = server();
      const run = await runWithModel(s);
      const name = await createModel(s);
      for (let i = 1; i <= 3; i++) expect((await createVersion(s, name, `runs:/${run.runId}/model`)).version).toBe(String(i));
      ok(await api('DELETE', '/model-versions/delete', { name, version: '3' }));
      expect((await api('GET', '/model-versions/get', { name, version: '3' })).status).toBe(404);
      expect((await createVersion(s, name, `runs:/${run.runId}/model`)).version).toBe('4');
      const again = await api('DELETE', '/model-versions/delete', { name, version: '3' });
      expect(again.status).toBe(404);
      const other = await createModel(s);
      expect((await createVersion(s, other, `runs:/${run.runId}/model`)).version).toBe('1');
    });

    it('rejects bad version numbers with 400 and unknown ones with 404', async () => {
      const { name } = await modelWithVersion(server());
      for (const version of ['abc', '0', '-1', '1.5', '', '99999999999999999999']) {
        const res = await api('GET', '/model-versions/get', { name, version });
        expect({ version, status: res.status }).toEqual({ version, status: 400 });
      }
      const missing = await api('GET', '/model-versions/get', { name, version: '7' });
      expect(missing.status).toBe(404);
      expect(missing.body.message).toContain('version=7');
    });

    it('updates the description, and sets/deletes tags (missing tag: 404)', async () => {
      const { name } = await modelWithVersion(server());
      const mv = ok(await api('PATCH', '/model-versions/update', { name, version: '1', description: 'better' })).model_version;
      expect(mv.description).toBe('better');
      ok(await api('POST', '/model-versions/set-tag', { name, version: '1', key: 'validated', value: 'true' }));
      expect(ok(await api('GET', '/model-versions/get', { name, version: '1' })).model_version.tags).toEqual([{ key: 'validated', value: 'true' }]);
      ok(await api('DELETE', '/model-versions/delete-tag', { name, version: '1', key: 'validated' }));
      const again = await api('DELETE', '/model-versions/delete-tag', { name, version: '1', key: 'validated' });
      expect(again.status).toBe(404);
      expect(again.body.error_code).toBe('RESOURCE_DOES_NOT_EXIST');
      expect((await api('POST', '/model-versions/set-tag', { name, version: '9', key: 'k', value: 'v' })).status).toBe(404);
      expect((await api('POST', '/model-versions/set-tag', { name, version: '1', key: 'k', value: 'x'.repeat(100_001) })).status).toBe(400);
    });
  });

  it('transitions stages (case-insensitive); archive_existing_versions archives only versions in the target stage', async () => {
    const s = server();
    const run = await runWithModel(s);
    const name = await createModel(s);
    for (let i = 0; i < 4; i++) await createVersion(s, name, `runs:/${run.runId}/model`);
    const move = async (version: string, stage: string, archive: boolean) =>
      ok(await s.mlflow('POST', '/model-versions/transition-stage', { name, version, stage, archive_existing_versions: archive })).model_version;
    expect((await move('1', 'production', false)).current_stage).toBe('Production');
    await move('2', 'Staging', false);
    await move('3', 'PRODUCTION', false);
    const four = await move('4', 'Production', true);
    expect(four.current_stage).toBe('Production');
    const stages = await Promise.all(['1', '2', '3'].map(async (v) => ok(await s.mlflow('GET', '/model-versions/get', { name, version: v })).model_version.current_stage));
    expect(stages).toEqual(['Archived', 'Staging', 'Archived']);
    const latest = ok(await s.mlflow('GET', '/registered-models/get-latest-versions', { name })).model_versions;
    expect(latest.map((v: any) => [v.version, v.current_stage])).toEqual([['2', 'Staging'], ['3', 'Archived'], ['4', 'Production']]);
    const onlyProd = ok(await s.mlflow('POST', '/registered-models/get-latest-versions', { name, stages: ['production'] })).model_versions;
    expect(onlyProd.map((v: any) => v.version)).toEqual(['4']);
    const rm = ok(await s.mlflow('GET', '/registered-models/get', { name })).registered_model;
    expect(rm.latest_versions.map((v: any) => v.version)).toEqual(['2', '3', '4']);
    for (const body of [
      { name, version: '1', stage: 'Shipped', archive_existing_versions: false },
      { name, version: '1', stage: 'Production' },
      { name, version: '1', stage: 'Archived', archive_existing_versions: true },
      { name, version: '1', stage: 'Production', archive_existing_versions: 'maybe' },
    ]) {
      const res = await s.mlflow('POST', '/model-versions/transition-stage', body);
      expect({ body, status: res.status }).toEqual({ body, status: 400 });
    }
    expect((await s.mlflow('POST', '/registered-models/get-latest-versions', { name, stages: ['Nope'] })).status).toBe(400);
  });

  it('gives concurrent registrations distinct, gapless numbers', async () => {
    const s = server();
    const run = await runWithModel(s);
    const name = await createModel(s);
    const created = await Promise.all(Array.from({ length: 12 }, () => createVersion(s, name, `runs:/${run.runId}/model`)));
    expect(created.map((v) => Number(v.version)).sort((a, b) => a - b)).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
  });

  it('searches versions by name, version_number, run_id (IN), source_path and tags, with order and keyset pages', async () => {
    const s = server();
    const r1 = await runWithModel(s);
    const r2 = await runWithModel(s);
    const a = await createModel(s, uniqueName('vs-a'));
    const b = await createModel(s, uniqueName('vs-b'));
    await createVersion(s, a, `runs:/${r1.runId}/model`, { tags: [{ key: 'flavor', value: 'onnx' }] });
    await createVersion(s, a, `runs:/${r2.runId}/model`);
    await createVersion(s, a, `runs:/${r2.runId}/model`, { tags: [{ key: 'flavor', value: 'torch' }] });
    await createVersion(s, b, `runs:/${r1.runId}/model`);
    const search = async (body: Record<string, unknown>) => ok(await s.mlflow('GET', '/model-versions/search', body));
    const ids = (res: any) => res.model_versions.map((v: any) => `${v.name === a ? 'a' : 'b'}${v.version}`);
    expect(ids(await search({ filter: `name = '${a}'` }))).toEqual(['a3', 'a2', 'a1']);
    expect(ids(await search({ filter: `name = '${a}' AND version_number >= 2` }))).toEqual(['a3', 'a2']);
    expect(ids(await search({ filter: `run_id IN ('${r1.runId}')` })).sort()).toEqual(['a1', 'b1']);
    expect(ids(await search({ filter: `run_id = '${r2.runId}' AND tags.flavor = 'torch'` }))).toEqual(['a3']);
    expect(ids(await search({ filter: `name = '${a}' AND tags.flavor IS NULL` }))).toEqual(['a2']);
    expect(ids(await search({ filter: `source_path LIKE 'runs:/${r1.runId}/%'` })).sort()).toEqual(['a1', 'b1']);
    expect(ids(await search({ filter: `name = '${a}'`, order_by: ['version_number ASC'] }))).toEqual(['a1', 'a2', 'a3']);
    const pages: string[] = [];
    let token: string | undefined;
    do {
      const page = await search({ filter: `name LIKE 'vs-%' AND run_id IN ('${r1.runId}', '${r2.runId}')`, max_results: 1, page_token: token, order_by: ['name ASC', 'version_number ASC'] });
      pages.push(...ids(page));
      token = page.next_page_token;
    } while (token);
    expect(pages.slice(-4)).toEqual(['a1', 'a2', 'a3', 'b1']);
    for (const body of [{ filter: "metrics.x > 1" }, { filter: 'version_number = 1.5' }, { max_results: 0 }, { max_results: 200_001 }, { order_by: ['source_path'] }]) {
      const res = await s.mlflow('GET', '/model-versions/search', body as Record<string, unknown>);
      expect({ body, status: res.status }).toEqual({ body, status: 400 });
    }
  });

  it('registers from a run whose artifacts were written later (digests are read at registration)', async () => {
    const s = server();
    const run = await createRun(s);
    await putArtifact(s, run.info.artifact_uri, 'clf/model.pkl', 'pickle-bytes');
    const name = await createModel(s);
    const mv = await createVersion(s, name, `runs:/${run.info.run_id}/clf`);
    const files = ok(await s.call('GET', `/api/v1/models/${encodeURIComponent(name)}/versions/${mv.version}/files`)).files;
    expect(files).toEqual([{ path: 'model.pkl', size: 12, sha256: sha('pickle-bytes') }]);
  });
});
