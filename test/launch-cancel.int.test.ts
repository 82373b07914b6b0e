import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { pidsWithEnv } from '../src/launch/index.js';
import { checkpointStep, EXAMPLE, jobDir, runLaunch, startCli, TORCH_PYTHON, waitFor } from './helpers/launch.js';

const home = mkdtempSync(join(tmpdir(), 'ty-launch-cancel-'));
afterAll(() => rmSync(home, { recursive: true, force: true }));

const args = ['launch', '--nproc-per-node', '2', '--python', TORCH_PYTHON, '--job-id', 'sup-kill', EXAMPLE, '--epochs', '4', '--step-sleep-ms', '20'];

describe('the supervisor killed with -9', () => {
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
