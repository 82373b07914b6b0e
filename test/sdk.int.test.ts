import { appendFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Trainyard } from '../src/client/index.js';
import { startTestServer, type TestServer } from './helpers/server.js';

async function text(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(Buffer.from(c as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}

/** The same suite in both SDK modes: over HTTP to a real server, and embedded on a local store. */
describe.each(['remote', 'embedded'] as const)('SDK (%s)', (mode) => {
  let server: TestServer | undefined;
  let dir: string;
  let ty: Trainyard;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ty-sdk-'));
    if (mode === 'remote') server = await startTestServer('sqlite');
    ty = new Trainyard(mode === 'remote' ? { uri: server!.url } : { home: join(dir, 'home') });
    writeFileSync(join(dir, 'train.csv'), 'age,workclass,income\n39,State-gov,<=50K\n50,Self-emp,>50K\n,?,<=50K\n');
    mkdirSync(join(dir, 'model', 'sub'), { recursive: true });
    writeFileSync(join(dir, 'model', 'weights.bin'), Buffer.alloc(300_000, 7));
    writeFileSync(join(dir, 'model', 'sub', 'config.json'), '{"depth": 6}');
  });
  afterAll(async () => {
    await ty.close();
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('runs the README example as written: FINISHED, params, every metric point, dataset, artifacts', async () => {
    const runId = await ty.run({ experiment: 'adult-income', name: 'lr' }, async (run) => {
      run.logParams({ lr: 0.01, depth: 6 });
      for (let step = 0; step < 2500; step++) run.logMetric('loss', 1 / (step + 1), { step });
      await run.logDataset({ path: join(dir, 'train.csv'), context: 'train' });
      await run.logArtifact(join(dir, 'model/'));
      return run.id;
    });
    const run = await ty.getRun(runId);
    expect(run.info.status).toBe('FINISHED');
    expect(run.info.end_time).toBeGreaterThan(0);
    expect(run.data.params).toEqual([{ key: 'depth', value: '6' }, { key: 'lr', value: '0.01' }]);
    expect(run.data.metrics).toEqual([expect.objectContaining({ key: 'loss', step: 2499, value: 1 / 2500 })]);
    const conn = await ty.connection();
    const history = await conn.call<any>('GET', '/api/2.0/mlflow/metrics/get-history', { run_id: runId, metric_key: 'loss' });
    expect(history.metrics.map((m: any) => m.step)).toEqual(Array.from({ length: 2500 }, (_, i) => i));

    const input = run.inputs.dataset_inputs[0]!;
    expect(input.tags).toEqual([{ key: 'mlflow.data.context', value: 'train' }]);
    expect(input.dataset.name).toBe('train.csv');
    const profile = JSON.parse(input.dataset.profile!);
    expect(profile.num_rows).toBe(3);
    expect(profile.columns[0]).toMatchObject({ name: 'age', type: 'long', nulls: 1, min: 39, max: 50, mean: 44.5, distinct: 2 });
    expect(JSON.parse(input.dataset.schema!).mlflow_colspec.map((c: any) => c.type)).toEqual(['long', 'string', 'string']);

    expect((await conn.artifacts.list(run.info.artifact_uri, 'model')).map((f) => f.path)).toEqual(['model/sub', 'model/weights.bin']);
    expect(await text(await conn.artifacts.download(run.info.artifact_uri, 'model/sub/config.json'))).toBe('{"depth": 6}');
  });

  it('gives the same file the same digest and a changed file a different one', async () => {
    const file = join(dir, 'data.jsonl');
    writeFileSync(file, '{"x": 1, "y": "a"}\n{"x": 2.5, "y": null}\n');
    const digests: string[] = [];
    await ty.run({ name: 'digests' }, async (run) => {
      digests.push((await run.logDataset({ path: file })).digest);
      digests.push((await run.logDataset({ path: file, context: 'eval' })).digest);
      appendFileSync(file, '{"x": 3}\n');
      const changed = await run.logDataset({ path: file });
      digests.push(changed.digest);
      expect(changed.num_rows).toBe(3);
      expect(changed.columns!.find((c) => c.name === 'x')).toMatchObject({ type: 'double', min: 1, max: 3 });
    });
    expect(digests[0]).toBe(digests[1]);
    expect(digests[2]).not.toBe(digests[0]);
  });

  it('marks a run FAILED with the error recorded when the body throws', async () => {
    let runId = '';
    await expect(
      ty.run({ name: 'boom' }, async (run) => {
        runId = run.id;
        run.logMetric('x', 1);
        throw new Error('diverged at step 3');
      }),
    ).rejects.toThrow('diverged at step 3');
    const run = await ty.getRun(runId);
    expect(run.info.status).toBe('FAILED');
    expect(run.data.tags.find((t) => t.key === 'trainyard.error')?.value).toContain('diverged at step 3');
    expect(run.data.metrics.map((m) => m.key)).toEqual(['x']);
  });

  it('reports a rejected batch (changed param) at end() and marks the run FAILED', async () => {
    const run = await ty.startRun({ name: 'conflict' });
    run.logParam('lr', 0.1);
    await run.flush();
    run.logParam('lr', 0.2);
    await expect(run.end()).rejects.toThrow(/Changing param values is not allowed/);
    expect((await ty.getRun(run.id)).info.status).toBe('FAILED');
  });

  it('rejects a bad metric key on the caller thread, naming it', async () => {
    const run = await ty.startRun({ name: 'badkey' });
    expect(() => run.logMetric('bad key!', 1)).toThrow(/Invalid metric name: 'bad key!'/);
    await run.end();
  });

  it('captures code, entry point, environment, lockfiles and the seed, and can switch capture off', async () => {
    const run = await ty.startRun({ name: 'captured', seed: 1234 });
    expect(run.seed()).toBe(1234);
    await run.end();
    const tags = Object.fromEntries((await ty.getRun(run.id)).data.tags.map((t) => [t.key, t.value]));
    expect(tags['mlflow.source.git.commit']).toMatch(/^[0-9a-f]{40}$/);
    expect(['true', 'false']).toContain(tags['trainyard.git.dirty']);
    expect(tags['trainyard.env.node']).toBe(process.version);
    expect(tags['trainyard.lockfile.package-lock.json']).toMatch(/^[0-9a-f]{64}$/);
    expect(tags['trainyard.seed']).toBe('1234');
    expect(JSON.parse(tags['trainyard.argv']!)).toBeInstanceOf(Array);

    const bare = await ty.startRun({ name: 'bare', capture: false });
    await bare.end();
    const bareTags = (await ty.getRun(bare.id)).data.tags.map((t) => t.key);
    expect(bareTags.filter((k) => k.startsWith('trainyard.') || k.startsWith('mlflow.source'))).toEqual([]);
  });
});
