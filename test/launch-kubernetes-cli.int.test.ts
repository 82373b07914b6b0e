/**
 * `trainyard launch --kubernetes` from the built CLI: the PyTorchJob manifest (--dry-run), and
 * apply/follow/delete against a loopback API server answering with the shapes the API server and
 * the Kubeflow training operator return. No cluster runs here.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validatePyTorchJob } from '../src/launch/kubernetes/index.js';
import { CLI } from './helpers/server-process.js';

type Obj = Record<string, any>;
const dir = mkdtempSync(join(tmpdir(), 'ty-launch-k8s-'));

function cli(args: string[], env: NodeJS.ProcessEnv = {}, onStart?: (kill: (s: NodeJS.Signals) => void, out: () => string) => void): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, TRAINYARD_URI: '', MLFLOW_TRACKING_URI: '', TRAINYARD_HOME: join(dir, 'home'), HOME: dir, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    onStart?.((s) => child.kill(s), () => stderr);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('trainyard launch --kubernetes', () => {
  let server: Server;
  let kubeconfig = '';
  const requests: { method: string; path: string; query: Record<string, string>; body?: Obj }[] = [];
  const jobs = new Map<string, { obj: Obj; polls: number }>();
  // Condition timelines by job name: what the operator reports on successive reads.
  const timelines: Record<string, string[]> = { 'mnist-k8s': ['Created', 'Running', 'Succeeded'], 'bad-k8s': ['Created', 'Running', 'Failed'], 'long-k8s': ['Created', 'Running'] };
  const body = (req: IncomingMessage) => new Promise<string>((r) => { let s = ''; req.on('data', (d) => (s += d)); req.on('end', () => r(s)); });

  beforeAll(async () => {
    server = createServer(async (req, res) => {
      const u = new URL(req.url!, 'http://x');
      const text = await body(req);
      requests.push({ method: req.method!, path: u.pathname, query: Object.fromEntries(u.searchParams), ...(text ? { body: JSON.parse(text) } : {}) });
      res.setHeader('content-type', 'application/json');
      const m = /^\/apis\/kubeflow\.org\/v1\/namespaces\/([^/]+)\/pytorchjobs(?:\/([^/]+))?$/.exec(u.pathname);
      if (m && req.method === 'POST' && !m[2]) {
        const obj = JSON.parse(text);
        if (jobs.has(obj.metadata.name)) {
          res.statusCode = 409;
          return res.end(JSON.stringify({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: `pytorchjobs.kubeflow.org "${obj.metadata.name}" already exists`, reason: 'AlreadyExists', details: { name: obj.metadata.name, group: 'kubeflow.org', kind: 'pytorchjobs' }, code: 409 }));
        }
        const stored = { ...obj, metadata: { ...obj.metadata, uid: 'c0ffee', resourceVersion: '4711', generation: 1, creationTimestamp: '2026-12-03T09:00:00Z' } };
        jobs.set(obj.metadata.name, { obj: stored, polls: 0 });
        res.statusCode = 201;
        return res.end(JSON.stringify(stored));
      }
      const j = m?.[2] ? jobs.get(m[2]) : undefined;
      if (m?.[2] && !j) {
        res.statusCode = 404;
        return res.end(JSON.stringify({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: `pytorchjobs.kubeflow.org "${m[2]}" not found`, reason: 'NotFound', details: { name: m[2], group: 'kubeflow.org', kind: 'pytorchjobs' }, code: 404 }));
      }
      if (j && req.method === 'GET') {
        const tl = timelines[m![2]!] ?? ['Created'];
        const n = Math.min(j.polls++, tl.length - 1);
        const conditions = tl.slice(0, n + 1).map((type, i) => ({ type, status: i === n ? 'True' : 'False', reason: `PyTorchJob${type}`, message: `PyTorchJob ${m![1]}/${m![2]} is ${type.toLowerCase()}.`, lastUpdateTime: '2026-12-03T09:00:01Z', lastTransitionTime: '2026-12-03T09:00:01Z' }));
        return res.end(JSON.stringify({ ...j.obj, status: { conditions, replicaStatuses: { Worker: { active: tl[n] === 'Running' ? 2 : 0 } }, startTime: '2026-12-03T09:00:01Z' } }));
      }
      if (j && req.method === 'DELETE') {
        jobs.delete(m![2]!);
        return res.end(JSON.stringify({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', details: { name: m![2], group: 'kubeflow.org', kind: 'pytorchjobs', uid: 'c0ffee' } }));
      }
      res.statusCode = 404;
      res.end(JSON.stringify({ kind: 'Status', status: 'Failure', reason: 'NotFound', code: 404 }));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    kubeconfig = join(dir, 'kubeconfig');
    writeFileSync(kubeconfig, JSON.stringify({ apiVersion: 'v1', kind: 'Config', clusters: [{ name: 'c', cluster: { server: url, 'insecure-skip-tls-verify': true } }], users: [{ name: 'u', user: { token: 't' } }], contexts: [{ name: 'x', context: { cluster: 'c', user: 'u', namespace: 'team' } }], 'current-context': 'x' }));
  });
  afterAll(() => server?.close());

  const args = (jobId: string, ...extra: string[]) => ['launch', '--kubernetes', '--image', 'pytorch/pytorch:1.13.1-cuda11.6-cudnn8-runtime', '--job-id', jobId, '--nproc-per-node', '2', '--nnodes', '1:2', '--max-restarts', '2', '--limit', 'nvidia.com/gpu=1', '--tracking-uri', 'http://trainyard.ml:5000', '--poll-interval', '0.05', ...extra, 'train.py', '--epochs', '5'];

  it('--dry-run prints a PyTorchJob valid against the operator CRD shape, without a cluster', async () => {
    const r = await cli(args('mnist-k8s', '--dry-run'));
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const m = validatePyTorchJob(parse(r.stdout));
    expect(m.metadata).toMatchObject({ name: 'mnist-k8s', namespace: 'default' });
    expect(m.spec.elasticPolicy).toMatchObject({ minReplicas: 1, maxReplicas: 2, nProcPerNode: 2, maxRestarts: 2 });
    const c = m.spec.pytorchReplicaSpecs.Worker!.template.spec.containers[0]!;
    expect(c.command).toEqual(['torchrun', '--nproc_per_node=2', '--max_restarts=2', 'train.py']);
    expect(c.args).toEqual(['--epochs', '5']);
    expect(c.resources).toEqual({ limits: { 'nvidia.com/gpu': '1' } });
    expect(c.env).toContainEqual({ name: 'TRAINYARD_TRACKING_URI', value: 'http://trainyard.ml:5000' });
    expect(requests).toHaveLength(0);
  });

  it('applies the job in the context namespace and follows it to Succeeded (--json); a second apply of the name is refused', async () => {
    const r = await cli(args('mnist-k8s', '--json'), { KUBECONFIG: kubeconfig });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ name: 'mnist-k8s', namespace: 'team', state: 'succeeded', message: 'PyTorchJob team/mnist-k8s is succeeded.' });
    const post = requests.find((q) => q.method === 'POST')!;
    expect(post.path).toBe('/apis/kubeflow.org/v1/namespaces/team/pytorchjobs');
    expect(validatePyTorchJob(post.body).spec.pytorchReplicaSpecs.Worker!.replicas).toBe(2);
    expect(requests.filter((q) => q.method === 'GET' && q.path.endsWith('/mnist-k8s')).length).toBe(3);
    const again = await cli(args('mnist-k8s'), { KUBECONFIG: kubeconfig });
    expect(again.code).toBe(1);
    expect(again.stderr.trim()).toMatch(/^trainyard: error: PyTorchJob 'mnist-k8s' already exists in namespace 'team'/);
  });

  it('a job the operator marks Failed exits 1 with its message', async () => {
    const r = await cli(args('bad-k8s'), { KUBECONFIG: kubeconfig });
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('PyTorchJob team/bad-k8s failed: PyTorchJob team/bad-k8s is failed.\n');
    expect(r.stderr).toContain('bad-k8s running');
  });

  it('SIGTERM while following deletes the job with its pods', async () => {
    const r = await cli(args('long-k8s'), { KUBECONFIG: kubeconfig }, (kill, err) => {
      const t = setInterval(() => {
        if (err().includes('long-k8s running')) {
          clearInterval(t);
          kill('SIGTERM');
        }
      }, 20);
    });
    expect(r.code).toBe(130);
    expect(r.stdout).toContain('PyTorchJob team/long-k8s cancelled');
    const del = requests.find((q) => q.method === 'DELETE');
    expect(del?.path).toBe('/apis/kubeflow.org/v1/namespaces/team/pytorchjobs/long-k8s');
    expect(del?.query.propagationPolicy).toBe('Background');
  });

  it('bad input: one line naming what to fix', async () => {
    const noImage = await cli(['launch', '--kubernetes', 'train.py']);
    expect(noImage.code).toBe(2);
    expect(noImage.stderr.trim()).toMatch(/--kubernetes needs --image IMAGE/);
    const noCluster = await cli(['launch', '--kubernetes', '--image', 'img', 'train.py'], { KUBECONFIG: join(dir, 'missing') });
    expect(noCluster.code).toBe(1);
    expect(noCluster.stderr.trim()).toMatch(/^trainyard: error: --kubernetes: no cluster configured \(set KUBECONFIG/);
    const stray = await cli(['launch', '--image', 'img', 'train.py']);
    expect(stray.code).toBe(2);
    expect(stray.stderr).toMatch(/--image goes with --kubernetes/);
  });
});
