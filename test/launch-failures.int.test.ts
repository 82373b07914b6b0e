import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { connect } from '../src/client/connect.js';
import { EXAMPLE, jobDir, runLaunch, TORCH_PYTHON } from './helpers/launch.js';

const home = mkdtempSync(join(tmpdir(), 'ty-launch-fail-'));
afterAll(() => rmSync(home, { recursive: true, force: true }));

async function job(id: string) {
  const c = await connect({ home });
  try {
    return (await c.call('GET', `/api/v1/jobs/${id}`)).job;
  } finally {
    await c.close();
  }
}

describe('failures', () => {
  it('a rank that raises every time fails the job after exactly max-restarts + 1 attempts, naming that rank and its traceback', async () => {
    const r = await runLaunch(['launch', '--nproc-per-node', '2', '--max-restarts', '2', '--python', TORCH_PYTHON, '--job-id', 'raises', EXAMPLE, '--epochs', '2', '--fail-rank', '1', '--fault-step', '5'], home);
    expect(r.code, r.output).toBe(1);
    expect(r.output).toContain('job raises failed after 3 attempt(s), 2 restart(s)');
    expect(r.output).toContain('failed rank 1: rank 1 exited with code 1: RuntimeError: injected failure on rank 1 at step 5');
    const j = await job('raises');
    expect(j.state).toBe('failed');
    expect(j.attempts).toBe(3);
    expect(j.failure).toMatchObject({ rank: 1, exitCode: 1, collateral: false });
    expect(j.failure.traceback).toContain('Traceback (most recent call last):');
    expect(j.failure.traceback).toContain("raise RuntimeError(f\"injected failure on rank {rank} at step {step}\")");
    // Every attempt blames rank 1, never rank 0 (which dies of the broken connection).
    const blamed = j.events.filter((e: { state: string }) => e.state === 'restarting' || e.state === 'failed').map((e: { detail: { failure: { rank: number } } }) => e.detail.failure.rank);
    expect(blamed).toEqual([1, 1, 1]);
  }, 120_000);

  it('a hung rank is detected within the stall time + 5 s, the group restarted, and the job finishes', async () => {
    const stall = 3;
    const r = await runLaunch(['launch', '--nproc-per-node', '2', '--max-restarts', '1', '--stall-timeout', String(stall), '--python', TORCH_PYTHON, '--job-id', 'hangs', EXAMPLE, '--epochs', '2', '--hang-rank', '1', '--fault-step', '20'], home);
    expect(r.code, r.output).toBe(0);
    expect(r.output).toContain('job hangs succeeded after 2 attempt(s), 1 restart(s)');
    const j = await job('hangs');
    const hang = j.events.find((e: { kind: string }) => e.kind === 'hang');
    expect(hang.detail.rank).toBe(1);
    const lastStep = JSON.parse(readFileSync(join(jobDir(home, 'hangs'), 'attempt-0', 'rank-1.beat.json'), 'utf8')).last_step_at * 1000;
    expect(hang.at - lastStep).toBeGreaterThanOrEqual(stall * 1000);
    expect(hang.at - lastStep).toBeLessThan((stall + 5) * 1000);
    const restartedAt = j.events.filter((e: { state: string }) => e.state === 'running')[1].at;
    expect(restartedAt - lastStep).toBeLessThan((stall + 5) * 1000);
  }, 120_000);

  it('a straggler is flagged on the job and the run without being killed', async () => {
    const r = await runLaunch(['launch', '--nproc-per-node', '2', '--python', TORCH_PYTHON, '--job-id', 'slow', EXAMPLE, '--epochs', '1', '--slow-rank', '1', '--slow-ms', '120'], home);
    expect(r.code, r.output).toBe(0);
    expect(r.output).toMatch(/straggler: rank 1 computes \d+ ms per step outside collectives/);
    const j = await job('slow');
    expect(j.attempts).toBe(1);
    expect(j.events.filter((e: { kind: string }) => e.kind === 'straggler').map((e: { detail: { rank: number } }) => e.detail.rank)).toEqual([1]);
  }, 120_000);
});
