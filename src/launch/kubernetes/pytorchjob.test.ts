import { createServer, type IncomingMessage, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateSpec } from '../job-spec.js';
import { applyPyTorchJob, followPyTorchJob, kubeConfigFor, toPyTorchJob, validatePyTorchJob } from './index.js';

const spec = validateSpec({ command: ['train.py', '--epochs', '5'], nprocPerNode: 2, nnodes: '1:3', maxRestarts: 3, jobId: 'mnist-ddp' });

describe('PyTorchJob manifest', () => {
  it('carries the elastic policy, replicas, restart policy and torchrun command, valid against the CRD shape', () => {
    const m = toPyTorchJob(spec, { name: 'mnist-ddp', image: 'pytorch/pytorch:1.13.1-cuda11.6-cudnn8-runtime', trackingUri: 'http://trainyard:5000' });
    expect(m.spec.elasticPolicy).toEqual({ minReplicas: 1, maxReplicas: 3, rdzvBackend: 'c10d', rdzvId: 'mnist-ddp', nProcPerNode: 2, maxRestarts: 3 });
    expect(m.spec.runPolicy).toEqual({ cleanPodPolicy: 'All', backoffLimit: 3 });
    const w = m.spec.pytorchReplicaSpecs.Worker!;
    expect(w.replicas).toBe(3);
    expect(w.restartPolicy).toBe('OnFailure');
    const c = w.template.spec.containers[0]!;
    expect(c.command).toEqual(['torchrun', '--nproc_per_node=2', '--max_restarts=3', 'train.py']);
    expect(c.args).toEqual(['--epochs', '5']);
    expect(c.env).toContainEqual({ name: 'TRAINYARD_JOB_ID', value: 'mnist-ddp' });
  });

  it('the schema refuses what the operator would', () => {
    const good = toPyTorchJob(spec, { name: 'ok', image: 'img' });
    expect(() => validatePyTorchJob({ ...good, metadata: { ...good.metadata, name: 'Bad_Name' } })).toThrow(/metadata.name must be a DNS-1123 label/);
    expect(() => validatePyTorchJob({ ...good, spec: { ...good.spec, elasticPolicy: { ...good.spec.elasticPolicy!, minReplicas: 4 } } })).toThrow(/minReplicas must be <= maxReplicas/);
    const w = good.spec.pytorchReplicaSpecs.Worker!;
    expect(() => validatePyTorchJob({ ...good, spec: { ...good.spec, pytorchReplicaSpecs: { Worker: { ...w, restartPolicy: 'Sometimes' } } } })).toThrow(/restartPolicy/);
    expect(() => validatePyTorchJob({ ...good, spec: { ...good.spec, pytorchReplicaSpecs: { Chief: w } } })).toThrow(/pytorchReplicaSpecs/);
  });
});

// A loopback API server answering with the shapes a real API server and the operator return
// (201 with the stored object; then .status.conditions appended as the operator reconciles).
describe('apply and follow against recorded API shapes', () => {
  let server: Server;
  let url = '';
  const created: unknown[] = [];
  const timeline = ['Created', 'Running', 'Restarting', 'Running', 'Succeeded'];
  let polls = 0;
  const body = (req: IncomingMessage) => new Promise<string>((r) => { let s = ''; req.on('data', (d) => (s += d)); req.on('end', () => r(s)); });
  beforeAll(async () => {
    server = createServer(async (req, res) => {
      const path = req.url!.split('?')[0];
      res.setHeader('content-type', 'application/json');
      if (req.method === 'POST' && path === '/apis/kubeflow.org/v1/namespaces/default/pytorchjobs') {
        const obj = JSON.parse(await body(req));
        if (created.some((c) => (c as { metadata: { name: string } }).metadata.name === obj.metadata.name)) {
          res.statusCode = 409;
          return res.end(JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Failure', message: `pytorchjobs.kubeflow.org "${obj.metadata.name}" already exists`, reason: 'AlreadyExists', details: { name: obj.metadata.name, group: 'kubeflow.org', kind: 'pytorchjobs' }, code: 409 }));
        }
        created.push(obj);
        res.statusCode = 201;
        return res.end(JSON.stringify({ ...obj, metadata: { ...obj.metadata, uid: '7d1c', resourceVersion: '1', creationTimestamp: '2026-12-02T20:00:00Z' } }));
      }
      if (req.method === 'GET' && path === '/apis/kubeflow.org/v1/namespaces/default/pytorchjobs/mnist-ddp') {
        const n = Math.min(polls++, timeline.length - 1);
        const conditions = timeline.slice(0, n + 1).map((type, i) => ({ type, status: i === n ? 'True' : 'False', reason: `PyTorchJob${type}`, message: `PyTorchJob default/mnist-ddp is ${type.toLowerCase()}.`, lastUpdateTime: '2026-12-02T20:00:00Z', lastTransitionTime: '2026-12-02T20:00:00Z' }));
        return res.end(JSON.stringify({ ...(created[0] as object), status: { conditions, replicaStatuses: { Worker: { active: n < 4 ? 3 : 0, succeeded: n === 4 ? 3 : 0 } }, startTime: '2026-12-02T20:00:01Z' } }));
      }
      res.statusCode = 404;
      res.end(JSON.stringify({ kind: 'Status', status: 'Failure', reason: 'NotFound', code: 404 }));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  });
  afterAll(() => server.close());

  it('creates the job, follows its conditions to Succeeded, and refuses a second job of the name', async () => {
    const kc = kubeConfigFor(url);
    const m = toPyTorchJob(spec, { name: 'mnist-ddp', image: 'img' });
    await applyPyTorchJob(kc, m);
    expect(validatePyTorchJob(created[0])).toEqual(m);
    const states: string[] = [];
    const end = await followPyTorchJob(kc, 'default', 'mnist-ddp', { pollMs: 5, onState: (s) => states.push(s) });
    expect(states).toEqual(['pending', 'running', 'restarting', 'running', 'succeeded']);
    expect(end).toEqual({ state: 'succeeded', message: 'PyTorchJob default/mnist-ddp is succeeded.' });
    await expect(applyPyTorchJob(kc, m)).rejects.toThrow(/PyTorchJob 'mnist-ddp' already exists in namespace 'default'/);
  });
});
