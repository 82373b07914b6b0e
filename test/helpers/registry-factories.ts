import { createRun, ok, uniqueName } from './tracking-factories.js';
import type { TestServer } from './server.js';

/**
 * @module Test data for the registry API: runs with artifact files, registered models and
 * versions, through the real HTTP endpoints (setup calls fail loudly).
 */

/** Writes one artifact through the MLflow artifact proxy under `artifactUri` (mlflow-artifacts:/...). */
export async function putArtifact(s: TestServer, artifactUri: string, path: string, body: string | Buffer): Promise<void> {
  const root = artifactUri.replace(/^mlflow-artifacts:\/+/, '');
  const url = `${s.url}/api/2.0/mlflow-artifacts/artifacts/${root}/${path}`;
  const res = await fetch(url, { method: 'PUT', body: typeof body === 'string' ? body : new Uint8Array(body), headers: { 'content-type': 'application/octet-stream' } });
  if (!res.ok) throw new Error(`PUT ${url} failed: ${res.status} ${await res.text()}`);
}

export const MODEL_FILES: Record<string, string> = {
  'model/MLmodel': 'artifact_path: model\nflavors:\n  onnx: {}\n',
  'model/weights.bin': 'weights-v1',
  'model/sub/config.json': '{"layers": 3}',
};

/** A run with a small model folder (`model/...`) in its artifacts, metrics and a dataset input. */
export async function runWithModel(
  s: TestServer,
  o: { files?: Record<string, string>; metrics?: Record<string, number>; commit?: string; experimentId?: string } = {},
): Promise<{ runId: string; artifactUri: string; experimentId: string }> {
  const run = await createRun(s, {
    ...(o.experimentId ? { experiment_id: o.experimentId } : {}),
    tags: [{ key: 'mlflow.source.git.commit', value: o.commit ?? 'abc123def456' }],
  });
  const runId = run.info.run_id as string;
  for (const [path, body] of Object.entries(o.files ?? MODEL_FILES)) await putArtifact(s, run.info.artifact_uri, path, body);
  const metrics = Object.entries(o.metrics ?? { auc: 0.9 }).map(([key, value]) => ({ key, value, timestamp: Date.now(), step: 0 }));
  ok(await s.mlflow('POST', '/runs/log-batch', { run_id: runId, metrics, params: [{ key: 'lr', value: '0.01' }] }), 'log-batch');
  ok(await s.mlflow('POST', '/runs/log-inputs', {
    run_id: runId,
    datasets: [{ dataset: { name: 'adult', digest: 'd1g3st00', source_type: 'local', source: '/data/adult.csv' }, tags: [{ key: 'mlflow.data.context', value: 'training' }] }],
  }), 'log-inputs');
  return { runId, artifactUri: run.info.artifact_uri as string, experimentId: run.info.experiment_id as string };
}

export async function createModel(s: TestServer, name = uniqueName('model'), extra: Record<string, unknown> = {}): Promise<string> {
  ok(await s.mlflow('POST', '/registered-models/create', { name, ...extra }), 'registered-models/create');
  return name;
}

export async function createVersion(s: TestServer, name: string, source: string, extra: Record<string, unknown> = {}): Promise<any> {
  return ok(await s.mlflow('POST', '/model-versions/create', { name, source, ...extra }), 'model-versions/create').model_version;
}

/** A model with one version registered from a fresh run's `model` folder. */
export async function modelWithVersion(s: TestServer, o: Parameters<typeof runWithModel>[1] = {}) {
  const run = await runWithModel(s, o);
  const name = await createModel(s);
  const version = await createVersion(s, name, `runs:/${run.runId}/model`);
  return { ...run, name, version };
}
