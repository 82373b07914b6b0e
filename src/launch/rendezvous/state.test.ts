import { describe, expect, it } from 'vitest';
import { cancel, join, leave, newState, report, view, type RdzvConfig, type RdzvState } from './state.js';

const cfg: RdzvConfig = { min: 1, max: 2, nproc: 1, maxRestarts: 3, joinTimeoutMs: 10_000, lastCallMs: 1000, nodeTimeoutMs: 3000 };
const node = (id: string, port: number) => ({ nodeId: id, host: id, addr: `10.0.0.${port % 250}`, port });

describe('rendezvous state machine', () => {
  it('closes the first round after the last call, re-forms on scale-up without a restart, and on a lost node with one', () => {
    const s = newState('j', cfg, 0);
    join(s, cfg, node('a', 101), 0);
    expect(s.phase).toBe('joining'); // MIN reached, last call running
    report(s, { nodeId: 'a', round: 0, workers: 'idle' }, 1000);
    expect(s.phase).toBe('running');
    expect(view(s, 'a').assignment).toMatchObject({ round: 1, group_rank: 0, group_world_size: 1, master_addr: '10.0.0.101', master_port: 101, restart_count: 0 });

    join(s, cfg, node('b', 102), 2000); // scale-up: the round ends, no restart used
    expect(s.phase).toBe('joining');
    expect(view(s, 'a').status).toBe('stopping');
    join(s, cfg, node('a', 103), 2500); // a stopped its workers and re-joins with a fresh port
    expect(s.round).toBe(2);
    expect(view(s, 'a').assignment).toMatchObject({ group_rank: 0, group_world_size: 2, master_port: 103, restart_count: 0 });
    expect(view(s, 'b').assignment).toMatchObject({ group_rank: 1, group_world_size: 2, master_addr: '10.0.0.103' });

    // b goes silent: a keeps beating, b is declared lost after the node timeout.
    report(s, { nodeId: 'a', round: 2, workers: 'running' }, 4000);
    expect(s.phase).toBe('running');
    report(s, { nodeId: 'a', round: 2, workers: 'running' }, 5600);
    expect(s.phase).toBe('joining');
    expect(s.restartCount).toBe(1);
    join(s, cfg, node('a', 104), 5700);
    expect(view(s, 'a').assignment).toMatchObject({ round: 3, group_rank: 0, group_world_size: 1, restart_count: 1 });
    report(s, { nodeId: 'a', round: 3, workers: 'succeeded' }, 6000);
    expect(s.phase).toBe('succeeded');
  });

  it('moves MASTER to the survivor when node 0 is lost, ranks stay dense', () => {
    const c = { ...cfg, lastCallMs: 0 };
    const s = newState('j', c, 0);
    join(s, { ...c }, node('a', 101), 0);
    expect(s.round).toBe(1);
    join(s, c, node('b', 102), 100);
    join(s, c, node('a', 103), 200);
    expect(view(s, 'b').assignment).toMatchObject({ group_rank: 1, master_addr: '10.0.0.103' });
    // a's workers are gone with it; b's fail on the broken collective first.
    report(s, { nodeId: 'b', round: 2, workers: 'failed', failure: { rank: 1 } }, 1000);
    join(s, c, node('b', 105), 1200);
    expect(s.phase).toBe('joining'); // a may still come back: wait for its heartbeat to lapse
    report(s, { nodeId: 'b', round: 2, workers: 'idle' }, 3300);
    expect(view(s, 'b').assignment).toMatchObject({ round: 3, group_rank: 0, group_world_size: 1, master_addr: '10.0.0.105', master_port: 105 });
  });

  it('fails on the join timeout naming how many nodes joined, and when restarts are used up', () => {
    const c = { ...cfg, min: 2, max: 3, joinTimeoutMs: 2000 };
    const s = newState('j', c, 0);
    join(s, c, node('a', 101), 0);
    report(s, { nodeId: 'a', round: 0, workers: 'idle' }, 2500);
    expect(s.phase).toBe('failed');
    expect(s.message).toBe('join timeout: 1 of 2 required node(s) joined within 2 s (--nnodes 2:3); start more nodes or lower MIN');
    expect(() => join(s, c, node('b', 102), 2600)).toThrow(/has failed: join timeout/);

    const z = { ...cfg, maxRestarts: 0, lastCallMs: 0 };
    const t = newState('k', z, 0);
    join(t, z, node('a', 101), 0);
    report(t, { nodeId: 'a', round: 1, workers: 'failed' }, 10);
    expect(t.phase).toBe('failed');
    expect(t.message).toMatch(/worker-failure on node a.*0 restart\(s\)/);
  });

  it('refuses a node whose --nnodes or --nproc-per-node differ', () => {
    const s = newState('j', cfg, 0);
    join(s, cfg, node('a', 101), 0);
    expect(() => join(s, { ...cfg, max: 3 }, node('b', 102), 1)).toThrow('--nnodes 1:3 differs from the 1:2 job j was started with');
    expect(() => join(s, { ...cfg, nproc: 2 }, node('b', 102), 1)).toThrow(/--nproc-per-node 2 differs/);
  });

  /** a and b running round 1 together (MAX 2 reached: no last call). */
  const twoNodes = (c: RdzvConfig): RdzvState => {
    const s = newState('j', c, 0);
    join(s, c, node('a', 101), 0);
    join(s, c, node('b', 102), 0);
    expect(s.phase).toBe('running');
    return s;
  };
  const ends = (s: RdzvState) => s.history.filter((h) => h.kind === 'end').map((h) => h.detail);

  it('a node that leaves on purpose ends the round at once, uses no restart, and the survivor re-forms without waiting for the node timeout', () => {
    const c = { ...cfg, min: 1 };
    const s = twoNodes(c);
    leave(s, 'b', 'SIGTERM', 500); // well inside the 3 s node timeout
    expect(s.phase).toBe('joining');
    expect(view(s, 'a').status).toBe('stopping');
    expect(view(s, 'b').status).toBe('left');
    expect(s.restartCount).toBe(0);
    expect(ends(s)).toEqual([{ reason: 'node-left', node: 'b' }]);
    expect(s.history.find((h) => h.kind === 'left')?.detail).toEqual({ node: 'b', reason: 'SIGTERM' });
    // b's workers break on the lost peer: a late failure report of the ended round changes nothing.
    report(s, { nodeId: 'a', round: 1, workers: 'failed', failure: { rank: 0 } }, 600);
    expect(s.restartCount).toBe(0);
    join(s, c, node('a', 103), 700);
    expect(view(s, 'a').assignment).toMatchObject({ round: 2, group_rank: 0, group_world_size: 1, master_port: 103, restart_count: 0 });
    // Leaving twice, or after the job ended, is a no-op.
    leave(s, 'b', undefined, 800);
    expect(s.history.filter((h) => h.kind === 'left')).toHaveLength(1);
  });

  it('a leave that takes a started job below MIN ends it cancelled with the reason; before the first round it only drops the node', () => {
    const c = { ...cfg, min: 2, max: 3 };
    const s = newState('j', c, 0);
    join(s, c, node('a', 101), 0);
    join(s, c, node('c', 103), 10);
    leave(s, 'c', 'SIGINT', 20);
    expect(s.phase).toBe('joining'); // no round yet: still waiting for MIN
    join(s, c, node('b', 102), 30);
    join(s, c, node('c', 104), 40);
    expect(s.phase).toBe('running');
    expect(view(s, 'b').assignment).toMatchObject({ round: 1, group_world_size: 3 });
    leave(s, 'b', 'SIGTERM', 100); // 2 remain: the round re-forms with them
    expect(s.phase).toBe('joining');
    join(s, c, node('a', 105), 150);
    join(s, c, node('c', 106), 160);
    expect(view(s, 'c').assignment).toMatchObject({ round: 2, group_rank: 1, group_world_size: 2, restart_count: 0 });
    leave(s, 'a', 'SIGTERM', 200);
    // Every node that went, went on purpose: a stop, like `jobs cancel`, not a failure.
    expect(s.phase).toBe('cancelled');
    expect(s.message).toBe('node a left (SIGTERM) and 1 node(s) remain, fewer than the 2 of --nnodes 2:3: the job ends: every node that went left on purpose (a lower MIN lets fewer nodes go on)');
    expect(s.history.at(-1)).toMatchObject({ kind: 'cancelled', detail: { reason: 'nodes-left', node: 'a' } });
    expect(s.restartCount).toBe(0);
    expect(view(s, 'c').phase).toBe('cancelled');
    expect(() => join(s, c, node('a', 107), 300)).toThrow(/has cancelled: node a left/);
  });

  it('a leave below MIN after a node crashed out of the same round ends the job failed', () => {
    const c = { ...cfg, min: 2, max: 3, maxRestarts: 3 };
    const s = newState('j', c, 0);
    for (const [id, t] of [['a', 0], ['b', 10], ['c', 20]] as const) join(s, c, node(id, 100 + t), t);
    report(s, { nodeId: 'a', round: 1, workers: 'running' }, 2000);
    report(s, { nodeId: 'c', round: 1, workers: 'running' }, 2000);
    expect(s.phase).toBe('running');
    // b goes silent past the node timeout (lost: a crash), then c leaves on purpose before a new round.
    report(s, { nodeId: 'a', round: 1, workers: 'running' }, c.nodeTimeoutMs + 500);
    expect(s.history.some((h) => h.kind === 'lost' && h.detail.node === 'b')).toBe(true);
    leave(s, 'c', 'SIGTERM', c.nodeTimeoutMs + 600);
    expect(s.phase).toBe('failed');
    expect(s.message).toMatch(/^node c left \(SIGTERM\) and 1 node\(s\) remain/);
  });

  it('a hung rank ends the round for every node, counts as a failure and names the node and rank', () => {
    const c = { ...cfg, min: 1, maxRestarts: 1 };
    const s = twoNodes(c);
    report(s, { nodeId: 'b', round: 1, workers: 'hung', failure: { rank: 1, message: 'hang on node b: no step completed for 3 s' } }, 1000);
    expect(s.phase).toBe('joining');
    expect(view(s, 'a').status).toBe('stopping');
    expect(view(s, 'a').last_end).toBe('hang');
    expect(s.restartCount).toBe(1);
    expect(ends(s)[0]).toMatchObject({ reason: 'hang', node: 'b', rank: 1 });
    join(s, c, node('a', 103), 1100);
    join(s, c, node('b', 104), 1200);
    expect(view(s, 'b').assignment).toMatchObject({ round: 2, restart_count: 1 });
    report(s, { nodeId: 'b', round: 2, workers: 'hung', failure: { rank: 1 } }, 2000);
    expect(s.phase).toBe('failed');
    expect(s.message).toBe('round 2 ended (hang on node b, rank 1) and the 1 restart(s) of --max-restarts are used up');
  });

  it("flags a straggler among all the job's ranks (once a round), from the own compute time each node sends", () => {
    const c = { ...cfg, min: 1, nproc: 2 };
    const s = twoNodes(c);
    const stragglers = () => s.history.filter((h) => h.kind === 'straggler').map((h) => h.detail);
    const t = (rank: number, ms: number, samples = 20) => ({ rank, own_ms: ms, own_samples: samples });
    report(s, { nodeId: 'a', round: 1, workers: 'running', ranks: [t(0, 25), t(1, 27)] }, 100);
    report(s, { nodeId: 'b', round: 1, workers: 'running', ranks: [t(2, 240, 5), t(3, 26)] }, 200);
    expect(stragglers()).toEqual([]); // rank 2 has too few samples yet
    // On its own node rank 2 could be compared with one rank only; the job has four.
    report(s, { nodeId: 'b', round: 1, workers: 'running', ranks: [t(2, 240), t(3, 26)] }, 300);
    expect(stragglers()).toEqual([{ node: 'b', rank: 2, own_ms: 240, others_ms: 26 }]);
    report(s, { nodeId: 'a', round: 1, workers: 'running', ranks: [t(0, 25), t(1, 27)] }, 400);
    report(s, { nodeId: 'b', round: 1, workers: 'running', ranks: [t(2, 250), t(3, 26)] }, 500);
    expect(stragglers()).toHaveLength(1); // flagged once, not killed: the round goes on
    expect(s.phase).toBe('running');
    // Numbers within noise are not a straggler; ranks outside the round are ignored.
    const u = twoNodes(c);
    report(u, { nodeId: 'a', round: 1, workers: 'running', ranks: [t(0, 25), t(1, 40), t(9, 900)] }, 100);
    report(u, { nodeId: 'b', round: 1, workers: 'running', ranks: [t(2, 30), t(3, 26)] }, 200);
    expect(u.history.filter((h) => h.kind === 'straggler')).toEqual([]);
  });

  it('a cancelled job gives no assignment, ignores beats and refuses joins', () => {
    const c = { ...cfg, lastCallMs: 0 };
    const s = newState('j', c, 0);
    join(s, c, node('a', 101), 0);
    cancel(s, 100);
    expect(view(s, 'a')).toMatchObject({ phase: 'cancelled', assignment: null, message: 'cancelled' });
    report(s, { nodeId: 'a', round: 1, workers: 'failed' }, 200);
    expect(s.phase).toBe('cancelled');
    expect(s.restartCount).toBe(0);
    expect(() => join(s, c, node('b', 102), 300)).toThrow('job j has cancelled: cancelled; start a new job id');
    expect(s.history.at(-1)).toMatchObject({ kind: 'cancelled', round: 1 });
  });
});
