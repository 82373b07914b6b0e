/**
 * A loopback stand-in for a Kubernetes API server, for the pipeline `kubernetes` executor. It
 * answers batch/v1 Job and core/v1 Pod requests with the response shapes the API server returns
 * (objects with uid/resourceVersion/creationTimestamp, `Status` errors, a watch stream of
 * `{"type","object"}` lines replayed from a resourceVersion, PodList, text/plain logs), and plays
 * the job controller and kubelet by running each Job's container command locally with /bin/sh:
 * exit 0 -> SuccessCriteriaMet + Complete, non-zero -> FailureTarget + Failed
 * (BackoffLimitExceeded), past activeDeadlineSeconds -> Failed (DeadlineExceeded). No cluster
 * runs: this is what the executor is tested against.
 */
import { tempDir } from './temp-dirs.js';
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

type Obj = Record<string, any>;

export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  body?: Obj;
}

interface JobRecord {
  job: Obj;
  pod?: Obj;
  log: string;
  proc?: ChildProcess;
  events: { rv: number; type: string; object: Obj }[];
}

export interface FakeKube {
  url: string;
  /** A kubeconfig file pointing at this server. */
  kubeconfig: string;
  requests: RecordedRequest[];
  jobs: Map<string, JobRecord>;
  /** Created Job manifests, in order, as the client sent them. */
  created: Obj[];
  /** Close the next N watch connections after `ms` without an event (a dropped watch). */
  dropWatches(n: number, ms: number): void;
  close(): Promise<void>;
}

const now = () => new Date().toISOString().replace(/\.\d+Z$/, 'Z');
const status = (code: number, reason: string, message: string, details: Obj = {}) => ({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, details, code });

export async function startFakeKube(): Promise<FakeKube> {
  let rv = 1000;
  const requests: RecordedRequest[] = [];
  const jobs = new Map<string, JobRecord>();
  const created: Obj[] = [];
  const watchers = new Set<{ name: string; res: ServerResponse }>();
  let drops = { n: 0, ms: 0 };

  const emit = (r: JobRecord, type: string) => {
    r.job.metadata.resourceVersion = String(++rv);
    const ev = { rv, type, object: structuredClone(r.job) };
    r.events.push(ev);
    for (const w of watchers) if (w.name === r.job.metadata.name) w.res.write(JSON.stringify({ type, object: ev.object }) + '\n');
  };

  const finish = (r: JobRecord, code: number | null, deadline: boolean) => {
    if (!jobs.has(r.job.metadata.name)) return;
    const t = now();
    const ok = code === 0 && !deadline;
    r.pod!.status = { ...r.pod!.status, phase: ok ? 'Succeeded' : 'Failed', containerStatuses: [{ name: 'step', ready: false, restartCount: 0, image: r.pod!.spec.containers[0].image, imageID: '', containerID: 'containerd://0f1e', started: false, state: { terminated: { exitCode: code ?? 137, reason: ok ? 'Completed' : deadline ? 'DeadlineExceeded' : 'Error', startedAt: r.pod!.status.startTime, finishedAt: t, containerID: 'containerd://0f1e' } } }] };
    const cond = (type: string, reason: string, message: string) => ({ type, status: 'True', lastProbeTime: t, lastTransitionTime: t, reason, message });
    r.job.status = ok
      ? { conditions: [cond('SuccessCriteriaMet', 'CompletionsReached', 'Reached expected number of succeeded pods'), cond('Complete', 'CompletionsReached', 'Reached expected number of succeeded pods')], startTime: r.job.status.startTime, completionTime: t, succeeded: 1, terminating: 0, ready: 0, uncountedTerminatedPods: {} }
      : deadline
        ? { conditions: [cond('FailureTarget', 'DeadlineExceeded', 'Job was active longer than specified deadline'), cond('Failed', 'DeadlineExceeded', 'Job was active longer than specified deadline')], startTime: r.job.status.startTime, failed: 1, terminating: 0, ready: 0, uncountedTerminatedPods: {} }
        : { conditions: [cond('FailureTarget', 'BackoffLimitExceeded', 'Job has reached the specified backoff limit'), cond('Failed', 'BackoffLimitExceeded', 'Job has reached the specified backoff limit')], startTime: r.job.status.startTime, failed: 1, terminating: 0, ready: 0, uncountedTerminatedPods: {} };
    emit(r, 'MODIFIED');
  };

  /** The job controller and kubelet: one pod, its container's command run here. */
  const run = (r: JobRecord) => {
    const spec = r.job.spec.template.spec;
    const c = spec.containers[0];
    const name = r.job.metadata.name;
    r.pod = {
      kind: 'Pod', apiVersion: 'v1',
      metadata: { name: `${name}-x7k2p`, namespace: r.job.metadata.namespace, uid: `pod-${rv}`, resourceVersion: String(rv), creationTimestamp: now(), labels: { ...r.job.spec.template.metadata.labels, 'batch.kubernetes.io/job-name': name, 'job-name': name }, ownerReferences: [{ apiVersion: 'batch/v1', kind: 'Job', name, uid: r.job.metadata.uid, controller: true, blockOwnerDeletion: true }] },
      spec: { ...spec, nodeName: 'node-1' },
      status: { phase: 'Running', startTime: now(), podIP: '10.0.0.7' },
    };
    r.job.status = { active: 1, startTime: now(), ready: 1, terminating: 0, uncountedTerminatedPods: {} };
    emit(r, 'MODIFIED');
    const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', ...Object.fromEntries((c.env ?? []).map((e: Obj) => [e.name, e.value])) };
    const proc = spawn(c.command[0], c.command.slice(1), { env, cwd: c.workingDir ?? tmpdir(), detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    r.proc = proc;
    proc.stdout!.on('data', (d: Buffer) => (r.log += d.toString()));
    proc.stderr!.on('data', (d: Buffer) => (r.log += d.toString()));
    let deadline = false;
    const limit = r.job.spec.activeDeadlineSeconds;
    const timer = limit ? setTimeout(() => {
      deadline = true;
      try { process.kill(-proc.pid!, 'SIGKILL'); } catch { /* gone */ }
    }, limit * 1000) : undefined;
    proc.once('close', (code) => {
      if (timer) clearTimeout(timer);
      r.proc = undefined;
      finish(r, code, deadline);
    });
  };

  const body = (req: IncomingMessage) => new Promise<string>((res) => { let s = ''; req.on('data', (d) => (s += d)); req.on('end', () => res(s)); });
  const send = (res: ServerResponse, code: number, obj: unknown) => {
    res.statusCode = code;
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify(obj));
  };

  const server: Server = createServer(async (req, res) => {
    const u = new URL(req.url!, 'http://x');
    const query = Object.fromEntries(u.searchParams);
    const text = await body(req);
    const rec: RecordedRequest = { method: req.method!, path: u.pathname, query, ...(text ? { body: JSON.parse(text) } : {}) };
    requests.push(rec);
    let m: RegExpExecArray | null;
    if ((m = /^\/apis\/batch\/v1\/namespaces\/([^/]+)\/jobs$/.exec(u.pathname))) {
      const ns = m[1]!;
      if (req.method === 'POST') {
        const obj = rec.body!;
        if (jobs.has(obj.metadata.name)) return send(res, 409, status(409, 'AlreadyExists', `jobs.batch "${obj.metadata.name}" already exists`, { name: obj.metadata.name, group: 'batch', kind: 'jobs' }));
        created.push(structuredClone(obj));
        const job = { ...obj, metadata: { ...obj.metadata, namespace: ns, uid: `uid-${++rv}`, resourceVersion: String(rv), generation: 1, creationTimestamp: now() }, spec: { ...obj.spec, completions: 1, parallelism: 1, completionMode: 'NonIndexed', suspend: false, podReplacementPolicy: 'TerminatingOrFailed' }, status: {} };
        const r: JobRecord = { job, log: '', events: [] };
        jobs.set(obj.metadata.name, r);
        setTimeout(() => jobs.has(obj.metadata.name) && run(r), 20);
        return send(res, 201, job);
      }
      if (req.method === 'GET' && query.watch === 'true') {
        const name = /^metadata\.name=(.+)$/.exec(query.fieldSelector ?? '')?.[1] ?? '';
        res.statusCode = 200;
        res.setHeader('content-type', 'application/json');
        res.setHeader('transfer-encoding', 'chunked');
        res.flushHeaders();
        const w = { name, res };
        watchers.add(w);
        const since = Number(query.resourceVersion ?? 0);
        for (const ev of jobs.get(name)?.events ?? []) if (ev.rv > since) res.write(JSON.stringify({ type: ev.type, object: ev.object }) + '\n');
        if (drops.n > 0) {
          drops.n--;
          setTimeout(() => { watchers.delete(w); res.end(); }, drops.ms);
        }
        req.on('close', () => watchers.delete(w));
        return;
      }
    }
    if ((m = /^\/apis\/batch\/v1\/namespaces\/([^/]+)\/jobs\/([^/]+)$/.exec(u.pathname))) {
      const r = jobs.get(m[2]!);
      if (!r) return send(res, 404, status(404, 'NotFound', `jobs.batch "${m[2]}" not found`, { name: m[2], group: 'batch', kind: 'jobs' }));
      if (req.method === 'GET') return send(res, 200, r.job);
      if (req.method === 'DELETE') {
        jobs.delete(m[2]!);
        if (r.proc?.pid) try { process.kill(-r.proc.pid, 'SIGKILL'); } catch { /* gone */ }
        r.job.metadata.deletionTimestamp = now();
        const ev = { rv: ++rv, type: 'DELETED', object: structuredClone(r.job) };
        for (const w of watchers) if (w.name === m[2]) w.res.write(JSON.stringify({ type: ev.type, object: ev.object }) + '\n');
        return send(res, 200, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', details: { name: m[2], group: 'batch', kind: 'jobs', uid: r.job.metadata.uid } });
      }
    }
    if ((m = /^\/api\/v1\/namespaces\/([^/]+)\/pods$/.exec(u.pathname)) && req.method === 'GET') {
      const want = /^trainyard\.dev\/job=(.+)$/.exec(query.labelSelector ?? '')?.[1];
      const pods = [...jobs.values()].filter((r) => r.pod && r.pod.metadata.labels['trainyard.dev/job'] === want).map((r) => r.pod);
      return send(res, 200, { kind: 'PodList', apiVersion: 'v1', metadata: { resourceVersion: String(rv) }, items: pods });
    }
    if ((m = /^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/]+)\/log$/.exec(u.pathname)) && req.method === 'GET') {
      const r = [...jobs.values()].find((x) => x.pod?.metadata.name === m![2]);
      if (!r) return send(res, 404, status(404, 'NotFound', `pods "${m[2]}" not found`, { name: m[2], kind: 'pods' }));
      res.setHeader('content-type', 'text/plain');
      return res.end(query.limitBytes ? r.log.slice(0, Number(query.limitBytes)) : r.log);
    }
    send(res, 404, status(404, 'NotFound', 'the server could not find the requested resource'));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  const kubeconfig = join(tempDir('ty-kubeconfig-'), 'config');
  writeFileSync(kubeconfig, JSON.stringify({ apiVersion: 'v1', kind: 'Config', clusters: [{ name: 'fake', cluster: { server: url, 'insecure-skip-tls-verify': true } }], users: [{ name: 'u', user: { token: 'test-token' } }], contexts: [{ name: 'fake', context: { cluster: 'fake', user: 'u', namespace: 'default' } }], 'current-context': 'fake' }));
  return {
    url,
    kubeconfig,
    requests,
    jobs,
    created,
    dropWatches: (n, ms) => (drops = { n, ms }),
    async close() {
      for (const r of jobs.values()) if (r.proc?.pid) try { process.kill(-r.proc.pid, 'SIGKILL'); } catch { /* gone */ }
      for (const w of watchers) w.res.end();
      server.closeAllConnections();
      await new Promise((r) => server.close(() => r(undefined)));
    },
  };
}
