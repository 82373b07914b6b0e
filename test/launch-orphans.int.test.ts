import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { pidsWithEnv } from '../src/launch/index.js';
import { checkpointStep, EXAMPLE, jobDir, runLaunch, startCli, TORCH_PYTHON, waitFor } from './helpers/launch.js';

const home = mkdtempSync(join(tmpdir(), 'ty-launch-orphans-'));
afterAll(() => rmSync(home, { recursive: true, force: true }));

const args = ['launch', '--nproc-per-node', '2', '--python', TORCH_PYTHON, '--job-id', 'sup-kill', EXAMPLE, '--epochs', '4', '--step-sleep-ms', '20'];

describe('the supervisor killed with -9', () => {
  it('leaves no worker alive 10 s later; a second launch of the id is refused while it runs; relaunched with the id it resumes from the checkpoint', async () => {
    const first = startCli(args, home);
    await waitFor('a checkpoint at step >= 20', () => checkpointStep(home, 'sup-kill') >= 20, 90_000);
    expect(pidsWithEnv('TRAINYARD_JOB_ID', 'sup-kill').length).toBeGreaterThanOrEqual(2);

    const dup = await runLaunch(args, home);
    expect(dup.code).not.toBe(0);
    expect(dup.output).toMatch(/trainyard: error: Job 'sup-kill' is already running \(supervisor pid \d+/);

    first.child.kill('SIGKILL');
    await first.exited;
    await new Promise((r) => setTimeout(r, 10_000));
    expect(pidsWithEnv('TRAINYARD_JOB_ID', 'sup-kill')).toEqual([]);

    const stepAtKill = checkpointStep(home, 'sup-kill');
    // The dead supervisor's heartbeat goes stale (10 s) before the id may be taken again.
    const again = await runLaunch(args, home);
    expect(again.code, again.output).toBe(0);
    expect(again.output).toContain('(resumed)');
    const log = readFileSync(join(jobDir(home, 'sup-kill'), 'attempt-1', 'rank-0.stdout.log'), 'utf8');
    const resumedAt = Number(/resumed from step (\d+)/.exec(log)![1]);
    expect(resumedAt).toBeGreaterThanOrEqual(stepAtKill);
  }, 150_000);

  it('SIGTERM cancels within the grace period and leaves a loadable checkpoint', async () => {
    const p = startCli(['launch', '--nproc-per-node', '2', '--grace', '10', '--python', TORCH_PYTHON, '--job-id', 'cancel-me', EXAMPLE, '--epochs', '20', '--step-sleep-ms', '20'], home);
    await waitFor('a checkpoint', () => checkpointStep(home, 'cancel-me') >= 10, 90_000);
    const t0 = Date.now();
    p.child.kill('SIGTERM');
    const code = await p.exited;
    expect(Date.now() - t0).toBeLessThan(10_000);
    expect(code, p.output()).toBe(130);
    expect(p.output()).toContain('job cancel-me cancelled');
    expect(pidsWithEnv('TRAINYARD_JOB_ID', 'cancel-me')).toEqual([]);
    const latest = JSON.parse(readFileSync(join(jobDir(home, 'cancel-me'), 'checkpoints', 'latest.json'), 'utf8'));
    const { execFileSync } = await import('node:child_process');
    const out = execFileSync(TORCH_PYTHON, ['-c', `import torch; c = torch.load(${JSON.stringify(latest.path)}); print(c["step"])`]).toString().trim();
    expect(Number(out)).toBe(latest.step);
    expect(readFileSync(join(jobDir(home, 'cancel-me'), 'attempt-0', 'rank-0.stdout.log'), 'utf8')).toContain(`stopping at step ${latest.step} on request; checkpoint saved`);
  }, 120_000);
});
