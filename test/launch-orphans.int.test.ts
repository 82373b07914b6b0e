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

});
