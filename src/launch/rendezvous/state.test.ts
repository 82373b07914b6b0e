import { describe, expect, it } from 'vitest';
import { cancel, join, newState, report, view, type RdzvConfig } from './state.js';

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
