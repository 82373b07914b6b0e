import { describe, expect, it } from 'vitest';
import { DIALECTS } from './helpers/databases.js';
import {
  createExperiment, createRun, getRun, logBatch, makeMetric, makeParam, makeTag, ok, PREFIXES, tagOf, uniqueName,
} from './helpers/tracking-factories.js';
import { useServer } from './helpers/use-server.js';

describe.each(DIALECTS)('runs API on %s', (dialect) => {
  const server = useServer(dialect);

  describe.each(PREFIXES)('under %s', (prefix) => {
    const api = (method: string, path: string, body?: Record<string, unknown>) => server().call(method, prefix + path, body);

    it('creates a run in the Default experiment with MLflow defaults', async () => {
      const before = Date.now();
      const run = ok(await api('POST', '/runs/create', {})).run;
      expect(run.info.run_id).toMatch(/^[0-9a-f]{32}$/);
      expect(run.info).toMatchObject({
        run_uuid: run.info.run_id,
        experiment_id: '0',
        status: 'RUNNING',
        lifecycle_stage: 'active',
        artifact_uri: `mlflow-artifacts:/0/${run.info.run_id}/artifacts`,
      });
      expect(run.info.start_time).toBeGreaterThanOrEqual(before - 1000);
      expect(run.info.end_time).toBeUndefined();
      // An unnamed run gets a generated name, mirrored in the mlflow.runName tag.
      expect(run.info.run_name).toMatch(/\S/);
      expect(tagOf(run, 'mlflow.runName')).toBe(run.info.run_name);
      expect(run.data).toEqual({ metrics: [], params: [], tags: [{ key: 'mlflow.runName', value: run.info.run_name }] });
    });

    it('creates, updates, reads, deletes and restores a run (run_uuid accepted for run_id)', async () => {
      const s = server();
      const exp = await createExperiment(s, { artifact_location: 's3://b/x/' });
      const created = ok(await api('POST', '/runs/create', {
        experiment_id: exp, run_name: 'first', start_time: '1700000000000', user_id: 'ada', tags: [makeTag()], ignored: { nested: true },
      })).run;
      const id = created.info.run_id;
      expect(created.info).toMatchObject({ run_name: 'first', start_time: 1_700_000_000_000, user_id: 'ada', experiment_id: exp, artifact_uri: `s3://b/x/${id}/artifacts` });
      expect(tagOf(created, 'mlflow.runName')).toBe('first');
      expect(tagOf(created, 'team')).toBe('vision');

      const updated = ok(await api('POST', '/runs/update', { run_uuid: id, status: 'FINISHED', end_time: 1_700_000_100_000, run_name: 'second' })).run_info;
      expect(updated).toMatchObject({ run_id: id, status: 'FINISHED', end_time: 1_700_000_100_000, run_name: 'second' });
      const read = ok(await api('GET', '/runs/get', { run_uuid: id })).run;
      expect(read.info).toEqual(updated);
      expect(tagOf(read, 'mlflow.runName')).toBe('second');
      expect(read.inputs).toEqual({ dataset_inputs: [], model_inputs: [] });

      ok(await api('POST', '/runs/delete', { run_id: id }));
      expect(ok(await api('GET', '/runs/get', { run_id: id })).run.info.lifecycle_stage).toBe('deleted');
      ok(await api('POST', '/runs/restore', { run_id: id }));
      expect(ok(await api('GET', '/runs/get', { run_id: id })).run.info.lifecycle_stage).toBe('active');
    });

    it('logs a param, a tag and a metric, and deletes the tag', async () => {
      const run = await createRun(server());
      const id = run.info.run_id;
      ok(await api('POST', '/runs/log-parameter', { run_id: id, key: 'lr', value: '0.1' }));
      ok(await api('POST', '/runs/set-tag', { run_id: id, key: 'note', value: 'hello' }));
      ok(await api('POST', '/runs/log-metric', { run_id: id, key: 'acc', value: 0.9, timestamp: 5, step: 2 }));
      let read = await getRun(server(), id);
      expect(read.data.params).toEqual([{ key: 'lr', value: '0.1' }]);
      expect(tagOf(read, 'note')).toBe('hello');
      expect(read.data.metrics).toEqual([{ key: 'acc', value: 0.9, timestamp: 5, step: 2 }]);
      ok(await api('POST', '/runs/delete-tag', { run_id: id, key: 'note' }));
      read = await getRun(server(), id);
      expect(tagOf(read, 'note')).toBeUndefined();
      const missing = await api('POST', '/runs/delete-tag', { run_id: id, key: 'note' });
      expect(missing.status).toBe(404);
      expect(missing.body.error_code).toBe('RESOURCE_DOES_NOT_EXIST');
    });
  });

  it('refuses a run_name that disagrees with the mlflow.runName tag, and takes the name from the tag alone', async () => {
    const s = server();
    const clash = await s.mlflow('POST', '/runs/create', { run_name: 'a', tags: [{ key: 'mlflow.runName', value: 'b' }] });
    expect(clash.status).toBe(400);
    expect(clash.body.error_code).toBe('INVALID_PARAMETER_VALUE');
    expect(clash.body.message).toMatch(/run_name/);
    const fromTag = await createRun(s, { tags: [{ key: 'mlflow.runName', value: 'tagged' }] });
    expect(fromTag.info.run_name).toBe('tagged');
    const same = await createRun(s, { run_name: 'same', tags: [{ key: 'mlflow.runName', value: 'same' }] });
    expect(same.info.run_name).toBe('same');
    expect(same.data.tags.filter((t: any) => t.key === 'mlflow.runName')).toHaveLength(1);
  });

  it('keeps run_name and the mlflow.runName tag in sync through set-tag and log-batch', async () => {
    const s = server();
    const id = (await createRun(s, { run_name: 'one' })).info.run_id;
    ok(await s.mlflow('POST', '/runs/set-tag', { run_id: id, key: 'mlflow.runName', value: 'two' }));
    expect((await getRun(s, id)).info.run_name).toBe('two');
    await logBatch(s, id, { tags: [{ key: 'mlflow.runName', value: 'three' }] });
    const run = await getRun(s, id);
    expect(run.info.run_name).toBe('three');
    expect(tagOf(run, 'mlflow.runName')).toBe('three');
  });

  it('refuses a run in an unknown experiment (404) and in a deleted one (400)', async () => {
    const s = server();
    const unknown = await s.mlflow('POST', '/runs/create', { experiment_id: '987654' });
    expect(unknown.status).toBe(404);
    expect(unknown.body.error_code).toBe('RESOURCE_DOES_NOT_EXIST');
    const exp = await createExperiment(s);
    ok(await s.mlflow('POST', '/experiments/delete', { experiment_id: exp }));
    const deleted = await s.mlflow('POST', '/runs/create', { experiment_id: exp });
    expect(deleted.status).toBe(400);
    expect(deleted.body.error_code).toBe('INVALID_PARAMETER_VALUE');
  });

  it('params are write-once: an identical re-log is accepted, also in log-batch; a different value is a 400 that writes nothing', async () => {
    const s = server();
    const id = (await createRun(s)).info.run_id;
    ok(await s.mlflow('POST', '/runs/log-parameter', { run_id: id, key: 'lr', value: '0.1' }));
    ok(await s.mlflow('POST', '/runs/log-parameter', { run_id: id, key: 'lr', value: '0.1' }));
    await logBatch(s, id, { params: [{ key: 'lr', value: '0.1' }, makeParam({ key: 'depth', value: '3' })] });

    const changed = await s.mlflow('POST', '/runs/log-parameter', { run_id: id, key: 'lr', value: '0.2' });
    expect(changed.status).toBe(400);
    expect(changed.body.error_code).toBe('INVALID_PARAMETER_VALUE');
    expect(changed.body.message).toMatch(/Changing param values is not allowed/);

    const batch = await s.mlflow('POST', '/runs/log-batch', {
      run_id: id, params: [makeParam({ key: 'fresh', value: 'x' }), { key: 'lr', value: '0.3' }], metrics: [makeMetric({ key: 'never' })], tags: [makeTag({ key: 'never' })],
    });
    expect(batch.status).toBe(400);
    expect(batch.body.message).toMatch(/Changing param values is not allowed/);
    const run = await getRun(s, id);
    expect(run.data.params).toEqual([{ key: 'depth', value: '3' }, { key: 'lr', value: '0.1' }]);
    expect(run.data.metrics).toEqual([]);
    expect(tagOf(run, 'never')).toBeUndefined();
  });

  it('concurrent logs of one new param: identical values all succeed, different values leave exactly one', async () => {
    const s = server();
    const id = (await createRun(s)).info.run_id;
    const same = await Promise.all(Array.from({ length: 8 }, () => s.mlflow('POST', '/runs/log-parameter', { run_id: id, key: 'seed', value: '42' })));
    expect(same.map((r) => r.status)).toEqual(new Array(8).fill(200));
    const different = await Promise.all(Array.from({ length: 8 }, (_, i) => s.mlflow('POST', '/runs/log-batch', { run_id: id, params: [{ key: 'race', value: String(i) }] })));
    expect(different.filter((r) => r.status === 200)).toHaveLength(1);
    for (const r of different.filter((x) => x.status !== 200)) expect({ status: r.status, code: r.body.error_code }).toEqual({ status: 400, code: 'INVALID_PARAMETER_VALUE' });
    const params = (await getRun(s, id)).data.params;
    expect(params.map((p: any) => p.key)).toEqual(['race', 'seed']);
  });

  it('tags overwrite, the last of duplicate keys in one batch winning', async () => {
    const s = server();
    const id = (await createRun(s)).info.run_id;
    ok(await s.mlflow('POST', '/runs/set-tag', { run_id: id, key: 'k', value: '1' }));
    ok(await s.mlflow('POST', '/runs/set-tag', { run_id: id, key: 'k', value: '2' }));
    expect(tagOf(await getRun(s, id), 'k')).toBe('2');
    await logBatch(s, id, { tags: [{ key: 'k', value: '3' }, { key: 'k', value: '4' }] });
    expect(tagOf(await getRun(s, id), 'k')).toBe('4');
  });

  it('takes numbers as strings and ignores unknown fields', async () => {
    const s = server();
    const id = (await createRun(s)).info.run_id;
    ok(await s.mlflow('POST', '/runs/log-metric', { run_id: id, key: 'm', value: '1.5', timestamp: '1700000000001', step: '7', surprise: [1, 2] }));
    ok(await s.mlflow('POST', '/runs/update', { run_id: id, end_time: '1700000000002', status: 'KILLED', also: 'ignored' }));
    const run = await getRun(s, id);
    expect(run.data.metrics).toEqual([{ key: 'm', value: 1.5, timestamp: 1_700_000_000_001, step: 7 }]);
    expect(run.info).toMatchObject({ end_time: 1_700_000_000_002, status: 'KILLED' });
  });

  it('reads a JSON body whatever its Content-Type, and a double-encoded JSON body', async () => {
    const s = server();
    const id = (await createRun(s)).info.run_id;
    const plain = await fetch(`${s.url}/api/2.0/mlflow/runs/set-tag`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: JSON.stringify({ run_id: id, key: 'a', value: '1' }) });
    expect(plain.status).toBe(200);
    // The helper sends a string body as is: this one is a JSON string holding the JSON object.
    const doubled = await s.mlflow('POST', '/runs/set-tag', JSON.stringify(JSON.stringify({ run_id: id, key: 'b', value: '2' })) as never);
    expect(doubled.status).toBe(200);
    const run = await getRun(s, id);
    expect([tagOf(run, 'a'), tagOf(run, 'b')]).toEqual(['1', '2']);
  });

  it('refuses every write to a deleted run with 400 INVALID_PARAMETER_VALUE', async () => {
    const s = server();
    const id = (await createRun(s)).info.run_id;
    ok(await s.mlflow('POST', '/runs/delete', { run_id: id }));
    const writes: [string, Record<string, unknown>][] = [
      ['/runs/log-metric', { key: 'm', value: 1, timestamp: 1 }],
      ['/runs/log-parameter', { key: 'p', value: 'v' }],
      ['/runs/set-tag', { key: 't', value: 'v' }],
      ['/runs/delete-tag', { key: 'mlflow.runName' }],
      ['/runs/log-batch', { metrics: [makeMetric()] }],
      ['/runs/update', { status: 'FINISHED' }],
      ['/runs/log-inputs', { datasets: [{ dataset: { name: 'd', digest: 'x', source_type: 'local', source: '/d' } }] }],
    ];
    for (const [path, body] of writes) {
      const res = await s.mlflow('POST', path, { run_id: id, ...body });
      expect({ path, status: res.status, code: res.body.error_code }).toEqual({ path, status: 400, code: 'INVALID_PARAMETER_VALUE' });
    }
    const run = await getRun(s, id);
    expect(run.data.metrics).toEqual([]);
    expect(run.data.params).toEqual([]);
    expect(run.info.status).toBe('RUNNING');
  });

  it('refuses to restore a run whose experiment is deleted', async () => {
    const s = server();
    const exp = await createExperiment(s);
    const id = (await createRun(s, { experiment_id: exp })).info.run_id;
    ok(await s.mlflow('POST', '/experiments/delete', { experiment_id: exp }));
    const res = await s.mlflow('POST', '/runs/restore', { run_id: id });
    expect(res.status).toBe(400);
    expect((await getRun(s, id)).info.lifecycle_stage).toBe('deleted');
  });

  it('answers 404 RESOURCE_DOES_NOT_EXIST for an unknown run on every run endpoint', async () => {
    const s = server();
    const ghost = 'f'.repeat(32);
    const calls: [string, string, Record<string, unknown>][] = [
      ['GET', '/runs/get', {}],
      ['POST', '/runs/update', { status: 'FINISHED' }],
      ['POST', '/runs/delete', {}],
      ['POST', '/runs/restore', {}],
      ['POST', '/runs/log-metric', { key: 'm', value: 1, timestamp: 1 }],
      ['POST', '/runs/log-parameter', { key: 'p', value: 'v' }],
      ['POST', '/runs/set-tag', { key: 't', value: 'v' }],
      ['POST', '/runs/delete-tag', { key: 't' }],
      ['POST', '/runs/log-batch', { params: [makeParam()] }],
      ['GET', '/metrics/get-history', { metric_key: 'm' }],
    ];
    for (const [method, path, body] of calls) {
      const res = await s.mlflow(method, path, { run_id: ghost, ...body });
      expect({ path, status: res.status, code: res.body.error_code }).toEqual({ path, status: 404, code: 'RESOURCE_DOES_NOT_EXIST' });
    }
  });

  it('appends each log-model call to the mlflow.log-model.history tag', async () => {
    const s = server();
    const id = (await createRun(s)).info.run_id;
    const model = (path: string) => JSON.stringify({ artifact_path: path, flavors: { python_function: {} }, utc_time_created: '2024-01-01 00:00:00', run_id: id });
    ok(await s.mlflow('POST', '/runs/log-model', { run_id: id, model_json: model('m1') }));
    ok(await s.mlflow('POST', '/runs/log-model', { run_id: id, model_json: model('m2') }));
    const history = JSON.parse(tagOf(await getRun(s, id), 'mlflow.log-model.history')!);
    expect(history.map((m: any) => m.artifact_path)).toEqual(['m1', 'm2']);
    const incomplete = await s.mlflow('POST', '/runs/log-model', { run_id: id, model_json: JSON.stringify({ artifact_path: 'x' }) });
    expect(incomplete.status).toBe(400);
    expect(incomplete.body.message).toMatch(/flavors/);
  });

  it('concurrent log-model calls all land in the history', async () => {
    const s = server();
    const id = (await createRun(s)).info.run_id;
    const model = (path: string) => JSON.stringify({ artifact_path: path, flavors: {}, utc_time_created: 'now', run_id: id });
    const results = await Promise.all(Array.from({ length: 8 }, (_, i) => s.mlflow('POST', '/runs/log-model', { run_id: id, model_json: model(`m${i}`) })));
    expect(results.map((r) => r.status)).toEqual(new Array(8).fill(200));
    const history = JSON.parse(tagOf(await getRun(s, id), 'mlflow.log-model.history')!);
    expect(history.map((m: any) => m.artifact_path).sort()).toEqual(Array.from({ length: 8 }, (_, i) => `m${i}`));
  });

  it('lists a run in runs/search of its experiment under both prefixes', async () => {
    const s = server();
    const exp = await createExperiment(s);
    const id = (await createRun(s, { experiment_id: exp, run_name: uniqueName('run') })).info.run_id;
    for (const p of PREFIXES) {
      const body = ok(await s.call('POST', `${p}/runs/search`, { experiment_ids: [exp] }));
      expect(body.runs.map((r: any) => r.info.run_id)).toEqual([id]);
    }
  });
});
