import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { connect } from '../src/client/connect.js';
import { checkpointStep, EXAMPLE, finalLoss, rankPid, startCli, TORCH_PYTHON, waitFor } from './helpers/launch.js';

const home = mkdtempSync(join(tmpdir(), 'ty-launch-kill-'));
afterAll(() => rmSync(home, { recursive: true, force: true }));

const args = (id: string) => ['launch', '--nproc-per-node', '2', '--max-restarts', '2', '--python', TORCH_PYTHON, '--job-id', id, EXAMPLE, '--epochs', '4', '--step-sleep-ms', '15'];

describe('a worker killed with -9', () => {
  it('restarts the group once from the checkpoint and ends with the uninterrupted loss; two jobs at once do not collide', async () => {
    // Both jobs run at the same time on this machine: the uninterrupted baseline and the victim.
    const baseline = startCli(args('baseline'), home);
    const victim = startCli(args('victim'), home);
    await waitFor('a checkpoint at step >= 30', () => checkpointStep(home, 'victim') >= 30, 90_000);
    const pid = rankPid(home, 'victim', 1)!;
    process.kill(pid, 'SIGKILL');
    const [b, v] = await Promise.all([baseline.exited, victim.exited]);
    expect(b, baseline.output()).toBe(0);
    expect(v, victim.output()).toBe(0);
    expect(victim.output()).toContain('job victim succeeded after 2 attempt(s), 1 restart(s)');
    expect(victim.output()).toMatch(/attempt 0 failed: rank 1 was killed by SIGKILL/);
    expect(Math.abs(finalLoss(home, 'victim') - finalLoss(home, 'baseline'))).toBeLessThan(1e-3);

    const c = await connect({ home });
    try {
      const { job } = await c.call('GET', '/api/v1/jobs/victim');
      const states = job.events.filter((e: { kind: string }) => e.kind === 'transition').map((e: { state: string }) => e.state);
      expect(states).toEqual(['pending', 'running', 'restarting', 'running', 'succeeded']);
      const restarting = job.events.find((e: { state: string }) => e.state === 'restarting');
      expect(restarting.detail.failure).toMatchObject({ rank: 1, signal: 'SIGKILL' });
      const ports = await Promise.all(['baseline', 'victim'].map(async (id) => (await c.call('GET', `/api/v1/jobs/${id}`)).job.events.find((e: { state: string }) => e.state === 'running').detail.masterPort));
      expect(ports[0]).not.toBe(ports[1]);
      // The second attempt resumed from the checkpoint rather than from step 0.
      const { readFileSync } = await import('node:fs');
      expect(readFileSync(join(home, 'launch', 'victim', 'attempt-1', 'rank-0.stdout.log'), 'utf8')).toMatch(/resumed from step [1-9]\d* \(attempt 1\)/);
    } finally {
      await c.close();
    }
  }, 150_000);
});
