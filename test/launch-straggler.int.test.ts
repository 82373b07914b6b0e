import { describe, expect, it } from 'vitest';
import { EXAMPLE, jobDir, runLaunch, TORCH_PYTHON, useLaunchHome } from './helpers/launch.js';

const { home, job } = useLaunchHome('ty-launch-slow-');

describe('failures', () => {
  it('a straggler is flagged on the job without being killed', async () => {
    const r = await runLaunch(['launch', '--nproc-per-node', '2', '--python', TORCH_PYTHON, '--job-id', 'slow', EXAMPLE, '--epochs', '1', '--slow-rank', '1', '--slow-ms', '120'], home);
    expect(r.code, r.output).toBe(0);
    expect(r.output).toMatch(/straggler: rank 1 computes \d+ ms per step outside collectives/);
    const j = await job('slow');
    expect(j.attempts).toBe(1);
    expect(j.events.filter((e: { kind: string }) => e.kind === 'straggler').map((e: { detail: { rank: number } }) => e.detail.rank)).toEqual([1]);
  }, 120_000);
});
