/**
 * Watching elastic multi-node jobs with real torch gloo workers: each "node" is its own node
 * launcher process on this machine (1 worker each), the rendezvous lives in a real server process.
 * A hung rank on the second node restarts the whole job's round from the checkpoint; SIGTERM of
 * the second node's launcher makes the survivor re-form at once (not after --node-timeout), and on
 * the way a straggler on the second node is flagged in the job's history.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pidsWithEnv } from '../src/launch/index.js';
import { nodeLog, rendezvous, rounds, startNode, waitUntil, useRendezvousServer } from './helpers/elastic.js';
import { checkpointStep, useLaunchHome, waitFor } from './helpers/launch.js';

const server = useRendezvousServer('ty-elastic-watch-');
const { home } = server;

const history = async (job: string, kind: string) => ((await rendezvous(server.url, job))?.history ?? []).filter((h: any) => h.kind === kind);

describe('elastic jobs are watched on every node', () => {
  it('a hung rank on node 2 ends the round for both nodes within the stall time + 5 s, naming node and rank; the job finishes from the checkpoint', async () => {
    const job = 'hang-b';
    // 5 s, not less: on a loaded 2-core machine a healthy step (with a checkpoint save) can take seconds.
    const stall = 5;
    // --nnodes 1:2 with a long last call: the round forms when b joins (MAX reached).
    const flags = ['--nnodes', '1:2', '--last-call', '60', '--node-timeout', '10', '--max-restarts', '2', '--stall-timeout', String(stall)];
    const train = ['--epochs', '2', '--hang-rank', '1', '--fault-step', '20'];
    const a = startNode(server.url, home, job, 'a', flags, train);
    await waitUntil('a joined', async () => (await rendezvous(server.url, job))?.nodes?.length === 1, 60_000);
    const b = startNode(server.url, home, job, 'b', flags, train);
    const [codeA, codeB] = await Promise.all([a.exited, b.exited]);
    expect(codeA, a.output()).toBe(0);
    expect(codeB, b.output()).toBe(0);
    const all = await rounds(server.url, job);
    expect(all.map((r) => [r.nodes, r.restart_count]), JSON.stringify(await history(job, 'end'))).toEqual([
      [['a', 'b'], 0],
      [['a', 'b'], 1],
    ]);
    const [end] = await history(job, 'end');
    expect(end.detail).toMatchObject({ reason: 'hang', node: 'b', rank: 1 });
    expect(end.detail.message).toMatch(/^hang on node b: no step completed for [\d.]+ s \(stall timeout 5 s\); rank 1 was outside a collective the longest/);
    expect(b.output()).toMatch(/round 1: hang on node b/);
    expect(a.output()).toMatch(/round 1 ended \(hang\)/);
    // Timed from the hung rank's last completed step (its heartbeat file of round 1).
    const beat = JSON.parse(readFileSync(join(home, 'launch', job, 'nodes', 'b', 'round-1', 'rank-1.beat.json'), 'utf8'));
    const lastStep = beat.last_step_at * 1000;
    const state = await rendezvous(server.url, job);
    const round2At = state.history.find((h: any) => h.kind === 'round' && h.round === 2).at;
    expect(end.at - lastStep).toBeGreaterThanOrEqual(stall * 1000);
    expect(round2At - lastStep).toBeLessThan((stall + 5) * 1000);
    expect(nodeLog(home, job, 'a', 2, 0)).toMatch(/resumed from step 20 \(attempt 1\)/);
    expect(nodeLog(home, job, 'a', 2, 0)).toMatch(/final_loss=[0-9.]+ steps=64 world=2/);
    expect(state.phase).toBe('succeeded');
  }, 240_000);

  it('SIGTERM of node 2 re-forms the survivor at once (no node timeout, no restart used); its straggler was flagged', async () => {
    const job = 'leave-b';
    const nodeTimeout = 30;
    const flags = ['--nnodes', '1:2', '--last-call', '60', '--node-timeout', String(nodeTimeout), '--max-restarts', '0'];
    // b's worker (rank 1) spends 150 ms more per step in its own compute: a straggler.
    const train = ['--epochs', '3', '--slow-rank', '1', '--slow-ms', '150'];
    const a = startNode(server.url, home, job, 'a', flags, train);
    await waitUntil('a joined', async () => (await rendezvous(server.url, job))?.nodes?.length === 1, 60_000);
    const b = startNode(server.url, home, job, 'b', flags, train);
    const [flagged] = await waitUntil('a straggler flagged', async () => {
      const s = await history(job, 'straggler');
      return s.length ? s : undefined;
    }, 120_000);
    expect(flagged.detail).toMatchObject({ node: 'b', rank: 1 });
    expect(flagged.detail.own_ms).toBeGreaterThan(3 * flagged.detail.others_ms);
    await waitFor('a checkpoint at step >= 20', () => checkpointStep(home, job) >= 20, 120_000);
    const termAt = Date.now();
    b.child.kill('SIGTERM');
    expect(await b.exited, b.output()).toBe(130);
    expect(b.output()).toContain(`job ${job} cancelled (node b, rounds 1)`);
    const r2 = await waitUntil('round 2 on the survivor', async () => (await rounds(server.url, job)).find((r) => r.round === 2), 60_000);
    const state = await rendezvous(server.url, job);
    const formedAt = state.history.find((h: any) => h.kind === 'round' && h.round === 2).at;
    // Re-formed well inside the 30 s node timeout: the leave was said, not inferred from silence.
    expect(formedAt - termAt).toBeLessThan(10_000);
    expect(r2).toMatchObject({ nodes: ['a'], world_size: 1, restart_count: 0 });
    expect(state.history.find((h: any) => h.kind === 'left').detail).toEqual({ node: 'b', reason: 'SIGTERM' });
    expect(state.history.find((h: any) => h.kind === 'end').detail).toEqual({ reason: 'node-left', node: 'b' });
    expect(state.history.some((h: any) => h.kind === 'lost')).toBe(false);
    // --max-restarts 0 and still running: the leave used no restart. a finishes from the checkpoint.
    expect(await a.exited, a.output()).toBe(0);
    const last = nodeLog(home, job, 'a', 2, 0);
    expect(last).toMatch(/resumed from step [1-9]\d* \(attempt 0\)/);
    expect(last).toMatch(/final_loss=[0-9.]+ steps=96 world=1/);
    await waitFor('no process of node b left', () => pidsWithEnv('TRAINYARD_NODE_ID', 'b').length === 0, 10_000);
  }, 240_000);

  it('refuses bad rank times and an unknown job with MLflow error JSON', async () => {
    const post = async (path: string, body: unknown) => {
      const res = await fetch(`${server.url}/api/v1/rendezvous/${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      return { status: res.status, body: (await res.json()) as { error_code: string; message: string } };
    };
    const bad = await post('nope/heartbeat', { node_id: 'a', round: 1, workers: 'running', ranks: [{ rank: -1, own_ms: 3, own_samples: 1 }] });
    expect(bad).toMatchObject({ status: 400, body: { error_code: 'INVALID_PARAMETER_VALUE', message: 'ranks[0] must be {rank: int >= 0, own_ms: number >= 0 or null, own_samples: int >= 0}' } });
    expect((await post('nope/heartbeat', { node_id: 'a', round: 1, workers: 'running', ranks: 'fast' })).status).toBe(400);
    const unknown = await post('nope/leave', { node_id: 'a', reason: 'SIGTERM' });
    expect(unknown).toMatchObject({ status: 404, body: { message: "No rendezvous for job 'nope' (a node must join it first)" } });
    expect((await post('nope/leave', {})).status).toBe(400);
  });
});
