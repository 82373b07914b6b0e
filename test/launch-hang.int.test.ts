import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EXAMPLE, jobDir, runLaunch, TORCH_PYTHON, useLaunchHome } from './helpers/launch.js';

const { home, job } = useLaunchHome('ty-launch-hang-');

describe('failures', () => {
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

});
