import { describe, expect, it } from 'vitest';
import { EXAMPLE, jobDir, runLaunch, TORCH_PYTHON, useLaunchHome } from './helpers/launch.js';

const { home, job } = useLaunchHome('ty-launch-fail-');

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

});
