/**
 * The package's entry points as a user imports them (`trainyard`, `trainyard/tuning`), from the
 * built dist/ through package.json's "exports", in a separate Node process: the tuning
 * example runs against the engine exactly as written there.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

function node(script: string): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { cwd: ROOT });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('close', (code) => resolve({ code, out }));
  });
}

it("imports the SDK from 'trainyard' and the engine from 'trainyard/tuning'; the issue's example runs", async () => {
  const { code, out } = await node(`
    import { Trainyard, TrialPruned } from 'trainyard';
    import { createStudy, MedianPruner, TPESampler } from 'trainyard/tuning';
    const study = await createStudy({ direction: 'maximize', sampler: new TPESampler({ seed: 1 }), pruner: new MedianPruner({ nStartupTrials: 3 }) });
    await study.optimize(async (trial) => {
      const lr = trial.suggestFloat('lr', 1e-4, 1, { log: true });
      const depth = trial.suggestInt('depth', 2, 12);
      const kind = trial.suggestCategorical('kind', ['gbdt', 'rf']);
      let score = 0;
      for (let epoch = 0; epoch < 5; epoch++) {
        score = (1 - Math.abs(Math.log10(lr) + 2) / 4) * (epoch + 1) / 5 - Math.abs(depth - 6) / 50 - (kind === 'rf' ? 0.05 : 0);
        trial.report(score, epoch);
        if (trial.shouldPrune()) throw new TrialPruned();
      }
      return score;
    }, { nTrials: 20, concurrency: 2 });
    const trials = await study.getTrials();
    const best = await study.bestTrial();
    console.log(JSON.stringify({ sdk: typeof Trainyard, n: trials.length, pruned: trials.some((t) => t.state === 'PRUNED'), best: best.value === Math.max(...trials.filter((t) => t.state === 'COMPLETE').map((t) => t.value)) }));
  `);
  expect(code, out).toBe(0);
  expect(JSON.parse(out.trim().split('\n').pop()!)).toEqual({ sdk: 'function', n: 20, pruned: true, best: true });
});

it("require('trainyard') from CommonJS gets the same module instances as import (no dual-package copy)", async () => {
  const { code, out } = await new Promise<{ code: number | null; out: string }>((resolve) => {
    const script = `
      const cjs = require('trainyard');
      const tuning = require('trainyard/tuning');
      const pipelines = require('trainyard/pipelines');
      import('trainyard').then((esm) => {
        console.log(JSON.stringify({ sdk: typeof cjs.Trainyard, same: cjs.Trainyard === esm.Trainyard && cjs.TrialPruned === esm.TrialPruned, tuning: typeof tuning.createStudy, pipelines: typeof pipelines.pipeline }));
      });`;
    const child = spawn(process.execPath, ['--input-type=commonjs', '-e', script], { cwd: ROOT });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('close', (c) => resolve({ code: c, out }));
  });
  expect(code, out).toBe(0);
  expect(JSON.parse(out.trim().split('\n').pop()!)).toEqual({ sdk: 'function', same: true, tuning: 'function', pipelines: 'function' });
});
