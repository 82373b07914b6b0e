import { execFileSync } from 'node:child_process';
import { appendFileSync, createReadStream, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import YAML from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openArtifactStore } from '../src/artifacts/index.js';
import { IntegrityError, Trainyard } from '../src/client/index.js';
import { startTestServer, type TestServer } from './helpers/server.js';

/**
 * The end-to-end story, through the SDK in both modes (remote: HTTP to a server on
 * PostgreSQL; embedded: in-process on SQLite): log a model package from a run, register it,
 * move @champion through a reviewed promotion, download it verified, detect tampering (in the
 * store and in the local copy), and follow the lineage back to the dataset digest and commit.
 */
describe.each(['remote', 'embedded'] as const)('model registry end to end (%s)', (mode) => {
  let server: TestServer | undefined;
  let dir: string;
  let ty: Trainyard;
  const name = `churn-${mode}`;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ty-reg-e2e-'));
    if (mode === 'remote') server = await startTestServer('postgres');
    ty = new Trainyard(mode === 'remote' ? { uri: server!.url } : { home: join(dir, 'home') });
    writeFileSync(join(dir, 'train.csv'), 'tenure,plan,churned\n3,basic,1\n40,pro,0\n12,basic,0\n');
    mkdirSync(join(dir, 'model', 'sub'), { recursive: true });
    writeFileSync(join(dir, 'model', 'model.onnx'), Buffer.alloc(200_000, 3));
    writeFileSync(join(dir, 'model', 'sub', 'vocab.json'), '{"basic": 0, "pro": 1}');
    writeFileSync(join(dir, 'model', 'requirements.txt'), 'onnxruntime==1.18.0\n# comment\nnumpy>=1.26\n');
  });
  afterAll(async () => {
    await ty.close();
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('registers from a run, promotes @champion with review, downloads verified, catches tampering, and shows lineage', async () => {
    // 1. Train: a run with a dataset, metrics, an evaluation report and a model package.
    const { runId, pkg, datasetDigest } = await ty.run({ experiment: `churn-${mode}`, name: 'gbm', capture: { gitDiff: false } }, async (run) => {
      run.logParams({ depth: 6, lr: 0.1 });
      run.logMetrics({ auc: 0.91, 'fairness.di_ratio': 0.88 });
      const profile = await run.logDataset({ path: join(dir, 'train.csv'), context: 'training' });
      await run.logText(JSON.stringify({ auc: 0.91, fairness: { di_ratio: 0.88 } }), 'eval/report.json');
      const pkg = await run.logModel(join(dir, 'model'), {
        flavor: 'onnx',
        signature: { inputs: [{ name: 'tenure', type: 'long' }, { name: 'plan', type: 'string' }], outputs: [{ name: 'p_churn', type: 'float32', shape: [-1, 1] }] },
        inputExample: [{ tenure: 3, plan: 'basic' }],
      });
      return { runId: run.id, pkg, datasetDigest: profile.digest };
    });
    expect(pkg.modelUri).toBe(`runs:/${runId}/model`);

    // 2. Register, gate and promote through review.
    const v = await ty.models.register(name, pkg, { description: 'gradient boosting, churn' });
    expect(v).toMatchObject({ name, version: '1', status: 'READY', run_id: runId });
    await ty.models.setPolicy(name, { gates: ['metrics.auc >= 0.85', 'fairness.di_ratio >= 0.8'], targets: ['@champion'], requireReview: true, user: 'lead' });
    await expect(ty.models.setAlias(name, 'champion', 1)).rejects.toThrow(/reviewed promotion/);
    const req = await ty.models.requestPromotion(name, { version: 1, alias: 'champion', comment: 'beats baseline', evaluationReport: 'eval/report.json', user: 'ana' });
    expect(req.gate_results.every((g) => g.passed)).toBe(true);
    await expect(ty.models.approve(name, req.request_id, { user: 'ana' })).rejects.toThrow(/another user/);
    const approved = await ty.models.approve(name, req.request_id, { user: 'bo', comment: 'ship it' });
    expect(approved.status).toBe('APPROVED');
    expect((await ty.models.resolve(name, '@champion')).version).toBe('1');

    // 3. Download @champion: every file verified, MLmodel readable as MLflow's format.
    const local = await ty.models.load(name, '@champion', { dst: join(dir, 'dl', 'champion') });
    expect(readFileSync(join(local, 'sub', 'vocab.json'), 'utf8')).toBe('{"basic": 0, "pro": 1}');
    const mlmodel = YAML.parse(readFileSync(join(local, 'MLmodel'), 'utf8'));
    expect(mlmodel).toMatchObject({ artifact_path: 'model', run_id: runId, flavors: { onnx: {} }, saved_input_example_info: { artifact_path: 'input_example.json', type: 'dataframe' } });
    expect(JSON.parse(mlmodel.signature.inputs)).toEqual([{ type: 'long', name: 'tenure', required: true }, { type: 'string', name: 'plan', required: true }]);
    expect(JSON.parse(mlmodel.signature.outputs)).toEqual([{ type: 'tensor', 'tensor-spec': { dtype: 'float32', shape: [-1, 1] }, name: 'p_churn' }]);
    const block = mlmodel.metadata.trainyard;
    expect(Object.keys(block.files).sort()).toEqual(['input_example.json', 'model.onnx', 'requirements.txt', 'sub/vocab.json']);
    expect(block.datasets).toEqual([{ name: 'train.csv', digest: datasetDigest, context: 'training' }]);
    expect(block.environment.requirements).toEqual(['onnxruntime==1.18.0', 'numpy>=1.26']);
    expect(block.environment.lockfiles['package-lock.json']).toMatch(/^[0-9a-f]{64}$/);
    expect(block.environment.runtime.node).toBe(process.version);
    expect(JSON.parse(readFileSync(join(local, 'input_example.json'), 'utf8'))).toEqual({ columns: ['tenure', 'plan'], data: [[3, 'basic']] });

    // 4. Tampering in the local copy: the next load names the file.
    appendFileSync(join(local, 'sub', 'vocab.json'), ' ');
    const localErr = await ty.models.load(name, '@champion', { dst: local }).catch((e: unknown) => e);
    expect(localErr).toBeInstanceOf(IntegrityError);
    expect((localErr as IntegrityError).file).toBe('sub/vocab.json');
    expect((localErr as Error).message).toMatch(/file 'sub\/vocab\.json'.*modified after registration/);

    // 5. Tampering in the artifact store: the download is refused, nothing is left behind.
    const conn = await ty.connection();
    const run = await ty.getRun(runId);
    const evil = join(dir, 'evil.onnx');
    writeFileSync(evil, Buffer.alloc(200_000, 4));
    if (server) {
      // The proxy refuses to overwrite a registered version's files: tamper in the store itself,
      // as someone with access to its disk or bucket would.
      const store = openArtifactStore(undefined, { home: server.server.home });
      await store.put(`${run.info.artifact_uri.replace(/^mlflow-artifacts:\/+/, '')}/model/model.onnx`, createReadStream(evil));
      await store.close();
    } else await conn.artifacts.upload(run.info.artifact_uri, 'model/model.onnx', evil);
    const fresh = join(dir, 'dl', 'fresh');
    const storeErr = await ty.models.load(name, '@champion', { dst: fresh }).catch((e: unknown) => e);
    expect(storeErr).toBeInstanceOf(IntegrityError);
    expect((storeErr as IntegrityError).file).toBe('model.onnx');
    expect((storeErr as Error).message).toContain("file 'model.onnx' in the artifact store");
    expect(existsSync(fresh)).toBe(false);

    // 6. Lineage back to the dataset digest and the code commit; and forward from the run.
    const commit = execFileSync('git', ['rev-parse', 'HEAD'], { encoding: 'utf8' }).trim();
    const lineage = await ty.models.lineage(name, 1);
    expect(lineage.run?.run_id).toBe(runId);
    expect(lineage.code.git_commit).toBe(commit);
    expect(lineage.datasets).toEqual([expect.objectContaining({ name: 'train.csv', digest: datasetDigest, context: 'training' })]);
    expect(lineage.params).toEqual([{ key: 'depth', value: '6' }, { key: 'lr', value: '0.1' }]);
    expect(lineage.metrics.map((m) => [m.key, m.value])).toEqual([['auc', 0.91], ['fairness.di_ratio', 0.88]]);
    const fromRun = await conn.call<any>('GET', `/api/v1/runs/${runId}/model-versions`);
    expect(fromRun.model_versions.map((x: any) => [x.name, x.version, x.aliases])).toEqual([[name, '1', ['champion']]]);

    // 7. The model card tells the same story.
    const card = await ty.models.card(name, 1);
    expect(card).toContain(datasetDigest);
    expect(card).toContain(commit);
    expect(card).toContain('| auc | 0.91 |');
    expect(card).toContain('| tenure | long |');
  });
});
