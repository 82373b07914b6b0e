/**
 * `--executor kubernetes` end to end through the scheduler, against a loopback API server that
 * answers with the API's response shapes and runs each Job's container command locally (see
 * test/helpers/fake-kube-api.ts). No real cluster is involved.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KubeConfig } from '@kubernetes/client-node';
import { KubernetesExecutor, validateJob, type JobManifest } from '../../src/pipelines/executors/kubernetes/index.js';
import { alive } from '../helpers/process-alive.js';
import { startFakeKube, type FakeKube } from '../helpers/fake-kube-api.js';
import { pipelineFixture, type PipelineFixture } from '../helpers/pipelines.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function until(what: string, ok: () => boolean, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

describe('pipeline steps as Kubernetes Jobs (recorded API shapes, no cluster)', () => {
  let kube: FakeKube;
  let f: PipelineFixture;
  const saved = { ...process.env };
  beforeAll(async () => {
    kube = await startFakeKube();
    process.env.KUBECONFIG = kube.kubeconfig;
    process.env.TRAINYARD_K8S_IMAGE = 'busybox:1.36';
    process.env.TRAINYARD_K8S_TRAINYARD_URI = 'http://trainyard.ml.svc:5000';
    f = await pipelineFixture('sqlite');
  });
  afterAll(async () => {
    process.env = saved;
    await f?.close();
    await kube?.close();
  });

  it('runs a YAML pipeline: one Job per step with image, env, resources, labels, deadline; value outputs and logs come back', async () => {
    const spec = await f.compile(
      'k8s.yaml',
      `name: k8s-p
params: { word: hi }
steps:
  train:
    command: |
      sleep 0.3; echo training {{params.word}}; echo '{"auc": 0.93}' > {{outputs.metrics}}
    outputs: { metrics: { type: value, path: metrics.json } }
    timeout: 10m
    kubernetes: { image: "python:3.11-slim", resources: { limits: { cpu: 1, memory: 1Gi } }, nodeSelector: { pool: cpu } }
  report:
    command: echo report for {{params.word}}
    when: steps.train.outputs.metrics.auc >= 0.9
`,
    );
    // The first watch drops before the Job ends: the executor reads again and re-watches.
    kube.dropWatches(1, 50);
    const run = await f.scheduler.wait((await f.scheduler.submit(spec, { executor: 'kubernetes' })).id);
    expect(run.status).toBe('succeeded');
    const steps = Object.fromEntries((await f.store.steps(run.id)).map((s) => [s.step, s]));
    expect(steps.train!.outputs).toEqual({ metrics: { auc: 0.93 } });
    expect(steps.report!.status).toBe('succeeded');
    expect(kube.created).toHaveLength(2);
    const job = kube.created.find((j) => j.metadata.labels['trainyard.dev/pipeline-step'] === 'train') as JobManifest;
    expect(validateJob(job)).toBeTruthy();
    expect(steps.train!.started_info).toEqual({ host: `kubernetes:default/${job.metadata.name}` });
    expect(job.metadata.labels).toMatchObject({ 'app.kubernetes.io/managed-by': 'trainyard', 'trainyard.dev/pipeline-run': run.id, 'trainyard.dev/pipeline-step': 'train', 'trainyard.dev/attempt': '1' });
    expect(job.spec).toMatchObject({ backoffLimit: 0, activeDeadlineSeconds: 600, ttlSecondsAfterFinished: 3600 });
    const c = job.spec.template.spec.containers[0]!;
    expect(c.image).toBe('python:3.11-slim');
    expect(c.resources).toEqual({ limits: { cpu: '1', memory: '1Gi' } });
    expect(job.spec.template.spec.nodeSelector).toEqual({ pool: 'cpu' });
    expect(c.env).toEqual(expect.arrayContaining([{ name: 'TRAINYARD_PIPELINE_RUN', value: run.id }, { name: 'TRAINYARD_URI', value: 'http://trainyard.ml.svc:5000' }]));
    const reportJob = kube.created.find((j) => j.metadata.labels['trainyard.dev/pipeline-step'] === 'report') as JobManifest;
    expect(reportJob.spec.template.spec.containers[0]!.image).toBe('busybox:1.36');
    expect(reportJob.spec.activeDeadlineSeconds).toBeUndefined();
    // The pod's log is in the step log, without the output marker lines.
    const log = readFileSync(f.scheduler.logPath(run.id, 'train', -1), 'utf8');
    expect(log).toContain('training hi');
    expect(log).not.toContain('::trainyard-output::');
    // create -> read -> watch (dropped) -> read again [-> watch, if the Job was still running] -> find the pod -> its log.
    const name = job.metadata.name;
    const calls = kube.requests.filter((r) => r.path.includes(name) || r.query.fieldSelector === `metadata.name=${name}` || r.query.labelSelector === `trainyard.dev/job=${name}` || (r.method === 'POST' && r.body?.metadata?.name === name));
    const seq = calls.map((r) => `${r.method} ${r.query.watch ? 'watch' : r.path.split('/').slice(-1)[0]}`);
    expect(seq.slice(0, 4)).toEqual(['POST jobs', `GET ${name}`, 'GET watch', `GET ${name}`]);
    expect(seq.slice(-2)).toEqual(['GET pods', 'GET log']);
    const watch = calls.find((r) => r.query.watch)!;
    expect(watch.query).toMatchObject({ fieldSelector: `metadata.name=${name}`, allowWatchBookmarks: 'true' });
    expect(Number(watch.query.resourceVersion)).toBeGreaterThan(0);
  }, 60_000);

  it('a failing command fails its Job (never retried by Kubernetes); the scheduler retries with a new Job and reports the exit code', async () => {
    const spec = await f.compile('k8s-fail.yaml', 'name: k8s-fail\nsteps:\n  flaky:\n    command: "echo broken >&2; exit 3"\n    retries: 1\n    backoff: 10ms\n');
    const before = kube.created.length;
    const run = await f.scheduler.wait((await f.scheduler.submit(spec, { executor: 'kubernetes' })).id);
    expect(run.status).toBe('failed');
    const s = (await f.store.steps(run.id))[0]!;
    expect(s).toMatchObject({ status: 'failed', attempt: 2, error: 'exited with code 3' });
    const jobs = kube.created.slice(before) as JobManifest[];
    expect(jobs.map((j) => j.metadata.labels['trainyard.dev/attempt'])).toEqual(['1', '2']);
    expect(new Set(jobs.map((j) => j.metadata.name)).size).toBe(2);
    expect(jobs.every((j) => j.spec.backoffLimit === 0 && j.spec.template.spec.restartPolicy === 'Never')).toBe(true);
    expect(readFileSync(f.scheduler.logPath(run.id, 'flaky', -1), 'utf8')).toContain('broken');
  }, 60_000);

  it('cancel deletes the running Job with its pods (propagationPolicy Background)', async () => {
    const spec = await f.compile('k8s-cancel.yaml', 'name: k8s-cancel\nsteps:\n  long:\n    command: sleep 30\n  next:\n    command: "true"\n    after: [long]\n');
    const before = kube.created.length;
    const run = await f.scheduler.submit(spec, { executor: 'kubernetes' });
    await until('the pod to run', () => kube.created.length > before && !!kube.jobs.get(kube.created[before]!.metadata.name)?.proc);
    const name = kube.created[before]!.metadata.name as string;
    const pid = kube.jobs.get(name)!.proc!.pid!;
    const done = await f.scheduler.cancel(run.id);
    expect(done.status).toBe('cancelled');
    const del = kube.requests.find((r) => r.method === 'DELETE' && r.path.endsWith(`/jobs/${name}`));
    expect(del?.query.propagationPolicy).toBe('Background');
    expect(kube.jobs.has(name)).toBe(false);
    await until('the pod process to be gone', () => !alive(pid), 3000);
    expect(Object.fromEntries((await f.store.steps(run.id)).map((s) => [s.step, s.status]))).toEqual({ long: 'cancelled', next: 'cancelled' });
  }, 60_000);

  it('refuses a step it cannot run there before creating anything, without retrying', async () => {
    const spec = await f.compile('k8s-art.yaml', 'name: k8s-art\nsteps:\n  model:\n    command: touch {{outputs.model}}\n    outputs: { model: { type: artifact, kind: model, path: model.bin } }\n    retries: 3\n');
    const before = kube.created.length;
    const run = await f.scheduler.wait((await f.scheduler.submit(spec, { executor: 'kubernetes' })).id);
    const s = (await f.store.steps(run.id))[0]!;
    expect(s.status).toBe('failed');
    expect(s.attempt).toBe(1);
    expect(s.error).toMatch(/artifact output 'model': on Kubernetes that needs a shared volume \(TRAINYARD_K8S_SHARED_PVC/);
    expect(kube.created.length).toBe(before);
  });

  it('reclaim after a restart deletes the Job a dead server left running', async () => {
    const kc = new KubeConfig();
    kc.loadFromFile(kube.kubeconfig);
    const target = { namespace: 'default', image: 'busybox', ttlSecondsAfterFinished: 60 };
    const first = new KubernetesExecutor(kc, target);
    let host = '';
    const task = { id: 'pr_dead/slow#1', pipelineRunId: 'pr_dead', pipeline: 'dead', step: 'slow', attempt: 1, kind: 'command' as const, command: { shell: 'sleep 30' }, inputs: {}, params: {}, outputs: {}, env: {}, workdir: '/tmp/ty-k8s-reclaim', cwd: '/tmp' };
    first.start(task, { started: (i) => (host = i.host ?? ''), log: () => {} });
    await until('the Job to start', () => host !== '' && !!kube.jobs.get(host.split('/').pop()!)?.proc);
    const name = host.split('/').pop()!;
    const pid = kube.jobs.get(name)!.proc!.pid!;
    await first.close();
    await new KubernetesExecutor(kc, target).reclaim([{ taskId: task.id, info: { host } }]);
    expect(kube.jobs.has(name)).toBe(false);
    await until('the pod process to be gone', () => !alive(pid), 3000);
  });
});
