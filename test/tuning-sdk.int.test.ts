/**
 * The SDK's studies in both modes: against a real server, and embedded on a local store (the
 * same routes in-process). Objectives are written synchronously, as in the issue and in Optuna
 * (`trial.suggestFloat(...)`, `trial.report(...)`, `trial.shouldPrune()`), for both; one still
 * awaits its suggests, as objectives written for the earlier async SDK do.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { floatDistribution, FrozenTrial, Trainyard, TrialPruned, type Trial } from '../src/client/index.js';
import { MedianPruner } from '../src/tuning/index.js';
import { startTestServer, type TestServer } from './helpers/server.js';

const quadratic = async (trial: Trial) => {
  const x = await trial.suggestFloat('x', -10, 10);
  const k = await trial.suggestCategorical('k', ['a', 'b']);
  return (x - 2) ** 2 + (k === 'a' ? 0 : 1);
};

/** The objective, as written there (synchronous suggest/report/shouldPrune). */
const curves = async (trial: Trial) => {
  const lr = trial.suggestFloat('lr', 1e-4, 1, { log: true });
  const depth = trial.suggestInt('depth', 2, 12);
  const kind = trial.suggestCategorical('kind', ['gbdt', 'rf']);
  let score = 0;
  for (let epoch = 0; epoch < 8; epoch++) {
    score = (1 - Math.abs(Math.log10(lr) + 2) / 4) * (1 - 1 / (epoch + 2)) - Math.abs(depth - 6) / 50 - (kind === 'rf' ? 0.05 : 0);
    trial.report(score, epoch);
    if (trial.shouldPrune()) throw new TrialPruned();
    await new Promise((r) => setImmediate(r)); // an epoch's I/O
  }
  return score;
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
    expect(first.params).toEqual({}); // drawn at ask, recorded only once suggested
    expect(first.suggestFloat('x', 0, 1)).toBe(0.5);
    expect(first.params).toEqual({ x: 0.5 });
    expect(() => first.suggestInt('x', 0, 1)).toThrow(/Parameter 'x' was already suggested/);
    const told = await study.tell(first, 0.5);
    expect([told.state, told.value, told.params]).toEqual(['COMPLETE', 0.5, { x: 0.5 }]);
    await expect(study.tell(first, 1)).rejects.toThrow(/already COMPLETE|only a RUNNING/);
    const second = await study.ask();
    expect(() => second.suggestFloat('lr', 0, 1, { log: true })).toThrow(/Parameter 'lr': log scale needs low > 0/);
    // One kind per name in a study: 'x' was a float in trial 0.
    expect(() => second.suggestCategorical('x', ['a'])).toThrow(/Parameter 'x' is .* here but .* in earlier trials/);
    await expect(study.tell(second, Number.NaN)).rejects.toThrow(/Parameter 'values'.*NaN/);
    expect((await study.tell(second, { state: 'FAIL', failReason: 'oom' })).systemAttrs.fail_reason).toBe('oom');
    expect((await study.bestTrial()).number).toBe(0);
  });

  it('prunes with report/shouldPrune and mirrors trials into the experiment as nested runs', async () => {
    const study = await ty.studies.create({ name: 'prune', direction: 'minimize', sampler: 'random', pruner: { name: 'threshold', options: { upper: 5 } }, experiment: 'tuning-sdk' });
    await study.optimize(async (trial) => {
      const x = trial.suggestInt('x', 0, 9);
      for (let step = 0; step < 3; step++) {
        trial.report(x + step, step);
        if (trial.shouldPrune()) throw new TrialPruned();
      }
      return x;
    }, { nTrials: 12 });
    const trials = await study.getTrials();
    for (const t of trials) expect(t.state).toBe(t.params.x! as number + 2 > 5 ? 'PRUNED' : 'COMPLETE');
    // Reports reached the store (and the run's metric history) although report() never waited.
    const pruned = trials.find((t) => t.state === 'PRUNED')!;
    expect(pruned.intermediateValues.size).toBe(Math.max(0, 6 - (pruned.params.x as number)) + 1); // pruned at the first step with x + step > 5
    const info = await study.refresh();
    expect(info.parent_run_id).toBeTruthy();
    const run = await ty.getRun(trials[0]!.systemAttrs['trainyard.run_id'] as string);
    expect(run.data.tags).toContainEqual({ key: 'mlflow.parentRunId', value: info.parent_run_id });
    expect(run.info.status).toBe(trials[0]!.state === 'PRUNED' ? 'KILLED' : 'FINISHED');
  });

  it("runs the issue's synchronous objective; each MedianPruner decision is the rule applied to the trials finished before", async () => {
    const study = await ty.studies.create({ name: 'issue-example', direction: 'maximize', sampler: 'tpe', pruner: { name: 'median', options: { n_startup_trials: 3 } }, seed: 5 });
    await study.optimize(curves, { nTrials: 24 });
    const trials = await study.getTrials();
    expect(trials.map((t) => t.state).filter((s) => s === 'PRUNED').length).toBeGreaterThan(3);
    expect(trials.filter((t) => t.state === 'COMPLETE').length).toBeGreaterThan(3);
    // Sequential, so trial t saw exactly the trials numbered below it: replay the engine's rule.
    for (const t of trials) {
      expect(Object.keys(t.params).sort()).toEqual(['depth', 'kind', 'lr']);
      const before = trials.filter((o) => o.number < t.number);
      const steps = [...t.intermediateValues.keys()].sort((a, b) => a - b);
      steps.forEach((step, i) => {
        const upTo = new Map(steps.slice(0, i + 1).map((s) => [s, t.intermediateValues.get(s)!]));
        const live = new FrozenTrial({ ...t, state: 'RUNNING', values: null, intermediateValues: upTo, internalParams: t.internalParams, distributions: t.distributions, userAttrs: {}, systemAttrs: {}, datetimeStart: null, datetimeComplete: null });
        const rule = new MedianPruner({ nStartupTrials: 3 }).prune({ study: { name: 'issue-example', directions: ['maximize'] }, trials: before, trial: live, setSystemAttr: () => undefined });
        expect(rule).toBe(t.state === 'PRUNED' && i === steps.length - 1);
      });
    }
  });

  it('a trial that suggests and returns costs two requests; a branch not taken leaves no param; new names and ranges are drawn in range', async () => {
    const study = await ty.studies.create({ name: 'two-requests', direction: 'minimize', sampler: 'tpe', seed: 2, heartbeatIntervalMs: null });
    await study.optimize((trial) => {
      const kind = trial.suggestCategorical('kind', ['a', 'b']);
      const x = kind === 'a' ? trial.suggestFloat('xa', -1, 1) : trial.suggestInt('xb', 0, 20, { step: 2 });
      return x * x;
    }, { nTrials: 12 });
    // Every request the SDK makes goes through http.request (src/client/transport.ts).
    const calls: string[] = [];
    const realRequest = http.request;
    (http as { request: unknown }).request = (opts: http.RequestOptions, cb: never) => {
      calls.push(String(opts.path));
      return realRequest(opts, cb);
    };
    let trial: Trial;
    try {
      trial = await study.ask();
      const kind = trial.suggestCategorical('kind', ['a', 'b']);
      const v = kind === 'a' ? trial.suggestFloat('xa', -1, 1) : trial.suggestInt('xb', 0, 20, { step: 2 });
      const fresh = trial.suggestInt('brand_new', 5, 7);
      const wider = trial.suggestFloat(kind === 'a' ? 'xb_unused' : 'xa', 10, 11); // 'xa' with another range
      expect(fresh).toBeGreaterThanOrEqual(5);
      expect(fresh).toBeLessThanOrEqual(7);
      expect(wider).toBeGreaterThanOrEqual(10);
      expect(wider).toBeLessThanOrEqual(11);
      trial.setConstraints([-1, 0]);
      trial.setUserAttr('note', 'second pass');
      await study.tell(trial, v);
    } finally {
      (http as { request: unknown }).request = realRequest;
    }
    if (mode === 'remote') expect(calls.map((p) => p.split('/').pop())).toEqual(['ask', 'tell']);
    const stored = (await study.getTrials()).at(-1)!;
    expect(Object.keys(stored.params).sort()).toEqual(Object.keys(trial!.params).sort());
    expect(stored.params).toEqual(trial!.params);
    expect([stored.constraints, stored.userAttrs.note]).toEqual([[-1, 0], 'second pass']);
    expect('xa' in stored.params && 'xb' in stored.params && stored.params.kind === 'a').toBe(false);
  });

  it('a trial the server finished behind the worker (missed heartbeats) answers shouldPrune() true', async () => {
    const study = await ty.studies.create({ name: 'zombie', direction: 'minimize', sampler: 'random' });
    const trial = await study.ask();
    trial.suggestFloat('x', 0, 1);
    await trial.flush();
    // What the server does to a trial whose heartbeats stopped: fail it (another client here).
    await study.tell(trial.number, { state: 'FAIL', failReason: 'No heartbeat' });
    trial.report(0.5, 0);
    await expect(trial.flush()).rejects.toThrow(/FAIL/);
    expect(trial.shouldPrune()).toBe(true);
    expect((await study.tell(trial, { state: 'PRUNED', skipIfFinished: true })).state).toBe('FAIL');
  });

  it('a grid study hands out every point exactly once, in any distribution, and stops when exhausted', async () => {
    const study = await ty.studies.create({ name: 'grid', direction: 'minimize', sampler: { name: 'grid', options: { search_space: { x: [0.25, 4], k: ['a', 'b'] } } } });
    await study.optimize((trial) => {
      const x = trial.suggestFloat('x', 0, 4);
      const k = trial.suggestCategorical('k', ['a', 'b', 'c']);
      return x + (k === 'a' ? 0 : 1);
    }, { nTrials: 10 });
    const points = (await study.getTrials()).map((t) => `${t.params.x}/${t.params.k}`).sort();
    expect(points).toEqual(['0.25/a', '0.25/b', '4/a', '4/b']);
  });

  it('a seeded sequential study is repeatable bit for bit', async () => {
    const run = async (name: string) => {
      const study = await ty.studies.create({ name, direction: 'maximize', sampler: 'tpe', pruner: 'median', seed: 11 });
      await study.optimize(curves, { nTrials: 14 });
      return (await study.getTrials()).map((t) => [t.state, t.params, t.values]);
    };
    expect(await run('repeat-a')).toEqual(await run('repeat-b'));
  });

  it('warm-starts from another study with addTrials (values, params, reports); a bad trial writes nothing', async () => {
    const source = await ty.studies.create({ name: 'warm-source', direction: 'minimize', sampler: 'random', seed: 8 });
    await source.optimize((trial) => {
      const x = trial.suggestFloat('x', -3, 3);
      trial.report(x * x + 1, 0);
      return x * x;
    }, { nTrials: 5 });
    const done = await source.getTrials({ states: ['COMPLETE'] });
    const target = await ty.studies.create({ name: 'warm-target', direction: 'minimize', sampler: 'tpe' });
    await expect(target.addTrials([done[0]!, { state: 'COMPLETE', params: { x: 1 }, distributions: { x: floatDistribution('x', -3, 3) } }])).rejects.toThrow(/value/);
    expect(await target.getTrials()).toHaveLength(0);
    expect(await target.addTrials(done)).toEqual([0, 1, 2, 3, 4]);
    const best = await target.bestTrial();
    expect(best.value).toBe(Math.min(...done.map((t) => t.value!)));
    expect([...best.intermediateValues]).toEqual([[0, best.value! + 1]]);
    const next = await target.ask();
    expect(typeof next.suggestFloat('x', -3, 3)).toBe('number');
    await target.tell(next, 0);
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
