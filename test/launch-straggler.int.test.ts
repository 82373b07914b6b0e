import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { connect } from '../src/client/connect.js';
import { EXAMPLE, jobDir, runLaunch, TORCH_PYTHON } from './helpers/launch.js';

const home = mkdtempSync(join(tmpdir(), 'ty-launch-slow-'));
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
  it('a straggler is flagged on the job without being killed', async () => {
    const r = await runLaunch(['launch', '--nproc-per-node', '2', '--python', TORCH_PYTHON, '--job-id', 'slow', EXAMPLE, '--epochs', '1', '--slow-rank', '1', '--slow-ms', '120'], home);
    expect(r.code, r.output).toBe(0);
    expect(r.output).toMatch(/straggler: rank 1 computes \d+ ms per step outside collectives/);
    const j = await job('slow');
    expect(j.attempts).toBe(1);
    expect(j.events.filter((e: { kind: string }) => e.kind === 'straggler').map((e: { detail: { rank: number } }) => e.detail.rank)).toEqual([1]);
  }, 120_000);
});
