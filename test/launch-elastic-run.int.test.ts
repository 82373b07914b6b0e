/**
 * An elastic job is a first-class job: the server opens its job record and tracking run, rank 0's
 * metrics reach the run from whichever node runs it, the latest checkpoint and each round's rank
 * logs are recorded, the jobs API and CLI show its rounds, and `jobs cancel` stops its nodes.
 * Real torch gloo workers, node launchers and a server as OS processes, on SQLite.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pidsWithEnv } from '../src/launch/index.js';
import { rounds, startNode, waitUntil, useRendezvousServer } from './helpers/elastic.js';
import { checkpointStep, runLaunch, useLaunchHome, waitFor } from './helpers/launch.js';

const server = useRendezvousServer('ty-elastic-run-');
const { home } = server;

async function api(path: string, init?: RequestInit): Promise<any> {
  const res = await fetch(`${server.url}${path}`, init);
  const body = await res.json();
  if (!res.ok) throw new Error(`${path}: ${res.status} ${JSON.stringify(body)}`);
  return body;
}
const job = async (id: string) => (await api(`/api/v1/jobs/${id}`)).job;
const run = async (id: string) => (await api(`/api/2.0/mlflow/runs/get?run_id=${id}`)).run;
const history = async (runId: string, key: string) => (await api(`/api/2.0/mlflow/metrics/get-history?run_id=${runId}&metric_key=${key}`)).metrics as { value: number; step: number }[];
const tag = (r: any, key: string) => r.data.tags.find((t: any) => t.key === key)?.value;

function environOf(pid: number): Record<string, string> {
  const env: Record<string, string> = {};
  for (const kv of readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0')) {
    const i = kv.indexOf('=');
    if (i > 0) env[kv.slice(0, i)] = kv.slice(i + 1);
  }
  return env;
}

const train = ['--epochs', '3', '--step-sleep-ms', '40'];

describe('elastic job record and tracking run', () => {
  it('2 nodes -> node b killed -> a finishes: one job with its rounds, the lost node as the failure, rank 0 metrics, checkpoint and logs on the run', async () => {
    const id = 'tracked';
    const flags = ['--nnodes', '1:2', '--last-call', '60', '--node-timeout', '3', '--max-restarts', '3', '--experiment', 'elastic-tracked'];
    const a = startNode(server.url, home, id, 'a', flags, train);
    await waitUntil('a in the job record', async () => (await job(id)).run_id, 60_000);
    const b = startNode(server.url, home, id, 'b', flags, train);
    await waitUntil('round 1 with both nodes', async () => (await rounds(server.url, id)).length >= 1, 120_000);
    const running = await job(id);
    expect(running).toMatchObject({ kind: 'elastic', state: 'running', attempts: 1, restarts: 0 });
    // Workers carry the run id and the server's URL (MLflow's variables too).
    const pid = await waitFor("a's worker", () => pidsWithEnv('TRAINYARD_NODE_ID', 'a')[0], 30_000);
    const env = environOf(pid);
    expect(env.TRAINYARD_RUN_ID).toBe(running.run_id);
    expect(env.MLFLOW_RUN_ID).toBe(running.run_id);
    expect(env.MLFLOW_TRACKING_URI).toBe(server.url);
    await waitFor('a checkpoint at step >= 20', () => checkpointStep(home, id) >= 20, 120_000);
    b.child.kill('SIGKILL');
    const code = await a.exited;
    expect(code, a.output()).toBe(0);

    const j = await job(id);
    expect(j).toMatchObject({ kind: 'elastic', state: 'succeeded', attempts: 2, restarts: 1, experiment_id: expect.any(String) });
    expect(j.elastic.rounds).toMatchObject([
      { round: 1, nodes: ['a', 'b'], world_size: 2, restart_count: 0, ended: { node: expect.any(String) } },
      { round: 2, nodes: ['a'], world_size: 1, restart_count: 1, ended: { reason: 'succeeded' } },
    ]);
    // b's loss broke the collective; a's rank 0 failing on it is named as the victim, not the cause.
    expect(j.failure).toMatchObject({ reason: 'node-lost', node: 'b', round: 1 });
    const states = j.events.filter((e: any) => e.kind === 'transition').map((e: any) => e.state);
    expect(states).toEqual(['pending', 'running', 'restarting', 'running', 'succeeded']);
    expect(j.events.filter((e: any) => e.kind === 'node_joined').map((e: any) => e.detail.node)).toEqual(['a', 'b']);
    expect(j.events.some((e: any) => e.kind === 'node_lost' && e.detail.node === 'b')).toBe(true);

    // The run: experiment, params, rank 0's metrics from node a in both rounds, world sizes, checkpoint.
    const r = await run(j.run_id);
    expect(r.info.status).toBe('FINISHED');
    expect(r.info.experiment_id).toBe(j.experiment_id);
    expect((await api(`/api/2.0/mlflow/experiments/get?experiment_id=${j.experiment_id}`)).experiment.name).toBe('elastic-tracked');
    expect(r.data.params).toEqual(expect.arrayContaining([{ key: 'launch.nnodes', value: '1:2' }, { key: 'launch.nproc_per_node', value: '1' }]));
    expect(tag(r, 'trainyard.launch.kind')).toBe('elastic');
    expect(tag(r, 'trainyard.launch.failed_node')).toBe('b');
    const loss = await history(j.run_id, 'loss');
    expect(loss.length).toBeGreaterThanOrEqual(9);
    expect(Math.max(...loss.map((p) => p.step))).toBe(90);
    expect((await history(j.run_id, 'final_loss'))).toHaveLength(1);
    expect((await history(j.run_id, 'trainyard.world_size')).map((p) => [p.step, p.value])).toEqual([[1, 2], [2, 1]]);
    expect(j.checkpoint.step).toBeGreaterThanOrEqual(90);
    expect(tag(r, 'trainyard.checkpoint.step')).toBe(String(j.checkpoint.step));
    expect(tag(r, 'trainyard.checkpoint.sha256')).toBe(j.checkpoint.sha256);
    expect(JSON.parse(readFileSync(j.checkpoint.path.replace(/step-\d+\.pt$/, 'latest.json'), 'utf8')).sha256).toBe(j.checkpoint.sha256);

    // Rank logs per round and node, attached to the run: `jobs logs --attempt ROUND --rank R` reads them.
    const logs = await api(`/api/v1/jobs/${id}/logs`);
    expect(logs.files).toEqual(expect.arrayContaining([
      { attempt: 1, node: 'a', rank: 0, stream: 'stdout', artifact_path: 'logs/round-1/node-a/rank-0.stdout.log' },
      { attempt: 2, node: 'a', rank: 0, stream: 'stdout', artifact_path: 'logs/round-2/node-a/rank-0.stdout.log' },
    ]));
    const out = await runLaunch(['--uri', server.url, 'jobs', 'logs', id, '--attempt', '2', '--rank', '0'], home);
    expect(out.output).toMatch(/final_loss=[0-9.]+ steps=96 world=1/);

    // The CLI lists and shows it like a single-machine job.
    const list = await runLaunch(['--uri', server.url, 'jobs', 'list', '--json'], home);
    expect(JSON.parse(list.output).find((x: any) => x.job_id === id)).toMatchObject({ kind: 'elastic', state: 'succeeded', run_id: j.run_id });
    const show = await runLaunch(['--uri', server.url, 'jobs', 'show', id], home);
    expect(show.output).toContain('last failure: node-lost on node b: node b lost (silent');
    expect(show.output).toMatch(/^1\s+2\s+a,b\s+/m);
    expect(show.output).toMatch(/^2\s+1\s+a\s+/m);
  }, 300_000);

  it('a rank that raises every round fails the job after max-restarts naming its node and rank; `jobs cancel` stops a running elastic job', async () => {
    // Both jobs at once: they share nothing but the server.
    const bad = startNode(server.url, home, 'raises', 'x', ['--nnodes', '1:2', '--last-call', '0', '--max-restarts', '1'], ['--epochs', '1', '--fail-rank', '0', '--fault-step', '3']);
    const long = startNode(server.url, home, 'cancel-me', 'c', ['--nnodes', '1:2', '--last-call', '0', '--grace', '10'], ['--epochs', '50', '--step-sleep-ms', '40']);
    expect(await bad.exited, bad.output()).toBe(1);
    const f = await job('raises');
    expect(f).toMatchObject({ kind: 'elastic', state: 'failed', attempts: 2, restarts: 1 });
    expect(f.failure).toMatchObject({ reason: 'worker-failure', node: 'x', rank: 0, round: 2 });
    expect(f.failure.message).toMatch(/rank 0/);
    const fr = await run(f.run_id);
    expect(fr.info.status).toBe('FAILED');
    expect(tag(fr, 'trainyard.launch.failed_rank')).toBe('0');

    await waitFor('a checkpoint', () => checkpointStep(home, 'cancel-me') >= 10, 120_000);
    const res = await runLaunch(['--uri', server.url, 'jobs', 'cancel', 'cancel-me'], home);
    expect(res.output).toContain('cancel requested');
    expect(await long.exited, long.output()).toBe(130);
    const c = await job('cancel-me');
    expect(c.state).toBe('cancelled');
    expect(c.checkpoint.step).toBeGreaterThanOrEqual(10);
    expect((await run(c.run_id)).info.status).toBe('KILLED');
    await waitFor('no worker of the cancelled job left', () => pidsWithEnv('TRAINYARD_JOB_ID', 'cancel-me').length === 0, 10_000);
  }, 240_000);
});
