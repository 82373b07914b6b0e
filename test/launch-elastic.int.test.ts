/**
 * Elastic multi-node training with real torch gloo workers: each "node" is its own node launcher
 * process on this machine (1 worker each), the rendezvous lives in a real server process.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pidsWithEnv } from '../src/launch/index.js';
import { nodeLog, rankStepped, rendezvous, rounds, startNode, waitUntil, useRendezvousServer } from './helpers/elastic.js';
import { checkpointStep, EXAMPLE, runLaunch, useLaunchHome, waitFor } from './helpers/launch.js';

const server = useRendezvousServer('ty-elastic-');
const { home } = server;

const train = ['--epochs', '6', '--step-sleep-ms', '60'];
const fast = ['--node-timeout', '5', '--max-restarts', '3'];

describe('elastic --nnodes MIN:MAX across node launchers', () => {
  it('1 -> 2 -> 1: a second node scales the world up without a restart; its kill -9 re-forms the group on the first, which finishes from the checkpoint', async () => {
    const job = 'grow-shrink';
    const a = startNode(server.url, home, job, 'a', ['--nnodes', '1:2', '--last-call', '0', ...fast], train);
    await waitFor('a checkpoint at step >= 20 on one node', () => checkpointStep(home, job) >= 20, 120_000);
    const b = startNode(server.url, home, job, 'b', ['--nnodes', '1:2', '--last-call', '0', ...fast], train);
    await waitUntil('round 2 with both nodes', async () => (await rounds(server.url, job)).length >= 2, 120_000);
    const [r1, r2] = await rounds(server.url, job);
    expect(r1).toMatchObject({ round: 1, nodes: ['a'], world_size: 1, restart_count: 0 });
    expect(r2).toMatchObject({ round: 2, nodes: ['a', 'b'], world_size: 2, restart_count: 0 });
    // Both nodes train in round 2: b's worker is rank 1 of 2 and the checkpoint moves on.
    await waitFor("b's worker training as rank 1", () => rankStepped(home, job, 'b', 2, 1), 120_000);
    expect(nodeLog(home, job, 'a', 2, 0)).toMatch(/resumed from step [1-9]\d* \(attempt 0\)/);
    const inTwo = checkpointStep(home, job);
    await waitFor('10 more steps at world size 2', () => checkpointStep(home, job) >= inTwo + 10, 120_000);
    b.child.kill('SIGKILL');
    const code = await a.exited;
    expect(code, a.output()).toBe(0);
    expect(a.output()).toContain(`job ${job} succeeded (node a, rounds 1,2,3)`);
    const all = await rounds(server.url, job);
    expect(all).toHaveLength(3);
    expect(all[2]).toMatchObject({ round: 3, nodes: ['a'], world_size: 1, restart_count: 1 });
    const state = await rendezvous(server.url, job);
    expect(state.phase).toBe('succeeded');
    expect(state.history.filter((h: any) => h.kind === 'end').map((h: any) => h.detail.reason)[0]).toBe('scale-up');
    // Round 3 resumed from a checkpoint written in round 2, with the restart counted.
    const m = /resumed from step (\d+) \(attempt 1\)/.exec(nodeLog(home, job, 'a', 3, 0));
    expect(m, nodeLog(home, job, 'a', 3, 0)).not.toBeNull();
    expect(Number(m![1])).toBeGreaterThanOrEqual(inTwo + 10);
    expect(nodeLog(home, job, 'a', 3, 0)).toMatch(/final_loss=[0-9.]+ steps=192 world=1/);
    // b's launcher died with -9: its orphan guard took its worker with it.
    await waitFor("no process of node b left", () => pidsWithEnv('TRAINYARD_NODE_ID', 'b').length === 0, 10_000);
  }, 300_000);

  it('losing the first node (the one holding MASTER) re-forms the round on the survivor, which becomes node 0', async () => {
    const job = 'lose-master';
    const a = startNode(server.url, home, job, 'a', ['--nnodes', '1:2', '--last-call', '60', ...fast], train);
    await waitUntil('a joined', async () => (await rendezvous(server.url, job))?.nodes?.length === 1, 60_000);
    const b = startNode(server.url, home, job, 'b', ['--nnodes', '1:2', '--last-call', '60', ...fast], train);
    await waitUntil('round 1 with both nodes', async () => (await rounds(server.url, job)).length >= 1, 120_000);
    const [r1] = await rounds(server.url, job);
    expect(r1).toMatchObject({ nodes: ['a', 'b'], world_size: 2 });
    await waitFor('a checkpoint at step >= 20', () => checkpointStep(home, job) >= 20, 120_000);
    a.child.kill('SIGKILL');
    const code = await b.exited;
    expect(code, b.output()).toBe(0);
    const all = await rounds(server.url, job);
    expect(all.at(-1)).toMatchObject({ nodes: ['b'], world_size: 1, restart_count: 1 });
    expect(all.at(-1)!.master).not.toBe(r1!.master);
    const last = nodeLog(home, job, 'b', all.at(-1)!.round, 0);
    expect(last).toMatch(/resumed from step [1-9]\d* \(attempt 1\)/);
    expect(last).toMatch(/final_loss=[0-9.]+ steps=192 world=1/);
  }, 300_000);

  it('fails with a clear message when MIN nodes never join within --join-timeout', async () => {
    const n = startNode(server.url, home, 'too-few', 'only', ['--nnodes', '2:3', '--join-timeout', '2'], train);
    expect(await n.exited).toBe(1);
    expect(n.output()).toContain('join timeout: 1 of 2 required node(s) joined within 2 s (--nnodes 2:3)');
    // A late node is refused with the reason instead of waiting forever.
    const late = startNode(server.url, home, 'too-few', 'late', ['--nnodes', '2:3'], train);
    expect(await late.exited).toBe(1);
    expect(late.output()).toMatch(/job too-few has failed: join timeout/);
  }, 120_000);

  it('refuses bad elastic input with one line, before joining', async () => {
    const noServer = await runLaunch(['node', 'join', '--job-id', 'x', '--nnodes', '1:2', EXAMPLE], home);
    expect(noServer.code).toBe(2);
    expect(noServer.output).toContain('an elastic node needs the server holding the rendezvous: pass --server http://host:port');
    const noId = await runLaunch(['launch', '--server', server.url, '--nnodes', '1:2', EXAMPLE], home);
    expect(noId.code).toBe(2);
    expect(noId.output).toContain('an elastic node needs --job-id ID');
    const minMax = await runLaunch(['launch', '--server', server.url, '--job-id', 'bad', '--nnodes', '3:2', EXAMPLE], home);
    expect(minMax.code).toBe(1);
    expect(minMax.output).toContain('--nnodes MIN:MAX needs MIN <= MAX (got 3:2)');
    expect(await rendezvous(server.url, 'bad')).toBeUndefined();
  }, 60_000);
});
