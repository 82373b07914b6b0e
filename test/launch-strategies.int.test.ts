import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { fsdp } from '../src/launch/index.js';
import { jobDir, runLaunch, TORCH_PYTHON } from './helpers/launch.js';

const home = mkdtempSync(join(tmpdir(), 'ty-launch-strat-'));
afterAll(() => rmSync(home, { recursive: true, force: true }));
const example = (name: string) => fileURLToPath(new URL(`../examples/${name}/train.py`, import.meta.url));
const hasCuda = (() => {
  try {
    return execFileSync(TORCH_PYTHON, ['-c', 'import torch; print(torch.cuda.is_available())']).toString().trim() === 'True';
  } catch {
    return false;
  }
})();

describe('strategies, launched for real', () => {
  it("pipeline parallelism: torch's Pipe on CPU, 3 stages x 4 micro-batches, trains", async () => {
    const r = await runLaunch(['launch', '--python', TORCH_PYTHON, '--job-id', 'pipe', example('pytorch-pipe'), '--stages', '3', '--chunks', '4'], home);
    expect(r.code, r.output).toBe(0);
    const m = /stages=3 chunks=4 first_loss=([0-9.]+) final_loss=([0-9.]+)/.exec(readFileSync(join(jobDir(home, 'pipe'), 'attempt-0', 'rank-0.stdout.log'), 'utf8'))!;
    expect(Number(m[2])).toBeLessThan(Number(m[1]) / 4);
  }, 90_000);

  // FSDP in torch 1.13 is CUDA-only: this test runs where a GPU is lent and is skipped otherwise.
  it.skipIf(!hasCuda)('FSDP (needs CUDA in torch 1.13; skipped: no GPU on this machine)', async () => {
    const cfg = join(home, 'fsdp.json');
    writeFileSync(cfg, fsdp({ shardingStrategy: 'FULL_SHARD' }).files['fsdp.json']!);
    const r = await runLaunch(['launch', '--nproc-per-node', '2', '--python', TORCH_PYTHON, '--job-id', 'fsdp', example('pytorch-fsdp'), '--fsdp-config', cfg], home);
    expect(r.code, r.output).toBe(0);
    expect(readFileSync(join(jobDir(home, 'fsdp'), 'attempt-0', 'rank-0.stdout.log'), 'utf8')).toMatch(/final_loss=/);
  }, 120_000);
});
