/**
 * The SDK's studies in both modes: against a real server, and embedded on a local store (the
 * same routes in-process). One objective, written with `await trial.suggest*`, for both.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { floatDistribution, Trainyard, TrialPruned, type Trial } from '../src/client/index.js';
import { startTestServer, type TestServer } from './helpers/server.js';

const quadratic = async (trial: Trial) => {
  const x = await trial.suggestFloat('x', -10, 10);
  const k = await trial.suggestCategorical('k', ['a', 'b']);
  return (x - 2) ** 2 + (k === 'a' ? 0 : 1);
};

describe.each(['remote', 'embedded'] as const)('SDK studies (%s)', (mode) => {
  let server: TestServer | undefined;
  let dir: string;
  let ty: Trainyard;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ty-sdk-tuning-'));
    if (mode === 'remote') server = await startTestServer('sqlite');
    ty = new Trainyard(mode === 'remote' ? { uri: server!.url } : { home: join(dir, 'home') });
  });
  afterAll(async () => {
    await ty.close();
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('optimizes with concurrency and finds the minimum; load() sees the same study', async () => {
    const study = await ty.studies.create({ name: 'quad', direction: 'minimize', sampler: { name: 'tpe', options: { nStartupTrials: 5 } }, seed: 1 });
    expect(study.direction).toBe('minimize');
    const seen: number[] = [];
    await study.optimize(quadratic, { nTrials: 30, concurrency: 4, callbacks: [(_s, t) => void seen.push(t.number)] });
    const trials = await study.getTrials();
    expect(trials).toHaveLength(30);
    expect(new Set(trials.map((t) => t.number)).size).toBe(30);
    expect(seen.sort((a, b) => a - b)).toEqual(trials.map((t) => t.number));
    expect(trials.every((t) => t.state === 'COMPLETE')).toBe(true);
    const best = await study.bestTrial();
    expect(best.value).toBe(Math.min(...trials.map((t) => t.value!)));
    expect(best.value!).toBeLessThan(2);
    const again = await ty.studies.load('quad');
    expect((await again.bestParams()).x).toBe(best.params.x);
    expect((await ty.studies.list()).map((s) => s.name)).toContain('quad');
  });

  it('ask/tell by hand: a batched search space answers suggests locally; enqueueTrial fixes params', async () => {
    const study = await ty.studies.create({ name: 'manual', direction: 'maximize', sampler: 'random' });
    await study.enqueueTrial({ x: 0.5 });
    const first = await study.ask({ x: floatDistribution('x', 0, 1) });
    expect(first.fixedParams).toEqual({ x: 0.5 });
    expect(first.params).toEqual({ x: 0.5 });
    expect(await first.suggestFloat('x', 0, 1)).toBe(0.5);
    await expect(first.suggestInt('x', 0, 1)).rejects.toThrow(/Parameter 'x' was already suggested/);
    const told = await study.tell(first, 0.5);
    expect([told.state, told.value]).toEqual(['COMPLETE', 0.5]);
    await expect(study.tell(first, 1)).rejects.toThrow(/already COMPLETE|only a RUNNING/);
    const second = await study.ask();
    await expect(second.suggestFloat('lr', 0, 1, { log: true })).rejects.toThrow(/Parameter 'lr': log scale needs low > 0/);
    await expect(study.tell(second, Number.NaN)).rejects.toThrow(/Parameter 'values'.*NaN/);
    expect((await study.tell(second, { state: 'FAIL', failReason: 'oom' })).systemAttrs.fail_reason).toBe('oom');
    expect((await study.bestTrial()).number).toBe(0);
  });

  it('prunes with report/shouldPrune and mirrors trials into the experiment as nested runs', async () => {
    const study = await ty.studies.create({ name: 'prune', direction: 'minimize', sampler: 'random', pruner: { name: 'threshold', options: { upper: 5 } }, experiment: 'tuning-sdk' });
    await study.optimize(async (trial) => {
      const x = await trial.suggestInt('x', 0, 9);
      for (let step = 0; step < 3; step++) {
        await trial.report(x + step, step);
        if (trial.shouldPrune()) throw new TrialPruned();
      }
      return x;
    }, { nTrials: 12 });
    const trials = await study.getTrials();
    for (const t of trials) expect(t.state).toBe(t.params.x! as number + 2 > 5 ? 'PRUNED' : 'COMPLETE');
    const info = await study.refresh();
    expect(info.parent_run_id).toBeTruthy();
    const run = await ty.getRun(trials[0]!.systemAttrs['trainyard.run_id'] as string);
    expect(run.data.tags).toContainEqual({ key: 'mlflow.parentRunId', value: info.parent_run_id });
    expect(run.info.status).toBe(trials[0]!.state === 'PRUNED' ? 'KILLED' : 'FINISHED');
  });

  it('multi-objective: bestTrials is the Pareto front; a wrong arity fails the trial, not the loop', async () => {
    const study = await ty.studies.create({ name: 'mo', directions: ['minimize', 'minimize'], sampler: 'random', seed: 3 });
    await study.optimize(async (trial) => {
      const x = await trial.suggestFloat('x', 0, 1);
      return trial.number === 0 ? [x] : [x, 1 - x];
    }, { nTrials: 8 });
    const trials = await study.getTrials();
    expect(trials[0]!.state).toBe('FAIL');
    expect(trials[0]!.systemAttrs.fail_reason).toMatch(/2 objective\(s\) but the objective returned 1/);
    expect((await study.bestTrials()).length).toBe(7); // x and 1 - x: every point is Pareto-optimal
  });
});
