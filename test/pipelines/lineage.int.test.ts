/**
 * Lineage end to end: a real pipeline run on a real server registers a model version; the
 * version records the pipeline run, the registering step and the definition hash, and
 * `trainyard models lineage` / the lineage endpoint read pipeline run -> step -> run -> version.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpTransport } from '../../src/client/transport.js';
import { runCli } from '../helpers/cli.js';
import { PIPELINES_MODULE } from '../helpers/pipelines.js';
import { spawnServer, type ServerProcess } from '../helpers/server-process.js';

const pipelineFile = `
import { pipeline, defineStep, value, registerModel } from ${JSON.stringify(PIPELINES_MODULE)};
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
const train = defineStep({
  id: 'lineage.train', version: '1',
  outputs: { modelUri: value<string>(), auc: value<number>() },
  async run(inputs: { c: number }, ctx) {
    const run = await ctx.run();
    const dir = join(ctx.workdir, 'model');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'model.json'), JSON.stringify({ c: inputs.c }));
    await run.logMetric('auc', 0.91);
    const pkg = await run.logModel(dir, { flavor: 'trainyard' });
    return { modelUri: pkg.modelUri, auc: 0.91 };
  },
});
const p = pipeline('lineage-p', { params: { c: 1 } });
const t = p.step('train', train({ c: p.params.c }));
p.step('register', registerModel({ name: 'lineage-model', modelUri: t.out.modelUri, metrics: { auc: 0.91 }, alias: null }));
export default p;
`;

describe('model version lineage reaches the pipeline run and step', () => {
  let server: ServerProcess;
  const dir = mkdtempSync(join(tmpdir(), 'ty-lineage-'));
  beforeAll(async () => {
    server = await spawnServer(['--home', join(dir, 'home')]);
  });
  afterAll(async () => {
    server?.child.kill('SIGKILL');
    await server?.exited;
    rmSync(dir, { recursive: true, force: true });
  });

  it('pipeline run -> step -> run -> version, from the CLI and over HTTP', async () => {
    const file = join(dir, 'p.ts');
    writeFileSync(file, pipelineFile);
    const ran = await runCli(['--uri', server.url, 'pipeline', 'run', file, '--json']);
    expect(ran.stderr).toBe('');
    expect(ran.code).toBe(0);
    const res = JSON.parse(ran.stdout) as { run: { run_id: string; status: string; definition_hash: string }; steps: { step: string; tracking_run_id: string | null; outputs: Record<string, unknown> }[] };
    expect(res.run.status).toBe('succeeded');
    const trainStep = res.steps.find((s) => s.step === 'train')!;
    expect(res.steps.find((s) => s.step === 'register')!.outputs.version).toBe('1');

    const cli = await runCli(['--uri', server.url, 'models', 'lineage', 'lineage-model', '1', '--json']);
    expect(cli.code).toBe(0);
    const l = JSON.parse(cli.stdout);
    expect(l.pipeline).toEqual({
      run_id: res.run.run_id,
      pipeline: 'lineage-p',
      status: 'succeeded',
      definition_hash: res.run.definition_hash,
      code_hash: expect.stringMatching(/^[0-9a-f]{64}$/),
      step: 'register',
      run_step: 'train',
      run_step_tracking_run_id: trainStep.tracking_run_id,
      recorded_on: 'version',
    });
    expect(l.run.run_id).toBe(trainStep.tracking_run_id);
    const tags = Object.fromEntries((l.model_version.tags as { key: string; value: string }[]).map((t) => [t.key, t.value]));
    expect(tags['trainyard.pipeline.run']).toBe(res.run.run_id);
    expect(tags['trainyard.pipeline.step']).toBe('register');
    expect(tags['trainyard.pipeline.definition_hash']).toBe(res.run.definition_hash);

    // The same over HTTP, and the text view reads top-down in that order.
    const http = new HttpTransport(server.url);
    const viaHttp = await http.call<{ pipeline: unknown }>('GET', '/api/v1/models/lineage-model/versions/1/lineage');
    await http.close();
    expect(viaHttp.pipeline).toEqual(l.pipeline);
    const text = (await runCli(['--uri', server.url, 'models', 'lineage', 'lineage-model', '1'])).stdout;
    const order = [`pipeline run ${res.run.run_id}`, 'step train', `run ${trainStep.tracking_run_id}`, 'version lineage-model/1  registered by step register'].map((s) => text.indexOf(s));
    expect(order.every((i) => i >= 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
  }, 120_000);
});
