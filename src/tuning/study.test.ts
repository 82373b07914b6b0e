import { describe, expect, it } from 'vitest';
import { InvalidParameter, InvalidState } from '../core/errors.js';
import { createStudy, loadStudy } from './create-study.js';
import { floatDistribution } from './distributions.js';
import type { FrozenTrial } from './frozen-trial.js';
import type { Sampler } from './samplers/sampler.js';
import { InMemoryStudyStorage } from './in-memory-storage.js';
import { RandomSampler } from './samplers/random-sampler.js';
import { TrialPruned } from './trial-pruned.js';

describe('Study', () => {
  it('runs the documented user code as written', async () => {
    const study = await createStudy({ name: 'adult-gbdt', direction: 'maximize', seed: 42 });
    await study.optimize(
      async (trial) => {
        const lr = trial.suggestFloat('lr', 1e-4, 1, { log: true });
        const depth = trial.suggestInt('depth', 2, 12);
        const kind = trial.suggestCategorical('kind', ['gbdt', 'rf']);
        let score = 0;
        for (let epoch = 0; epoch < 20; epoch++) {
          score = (1 - Math.abs(Math.log10(lr) + 2) / 4) * (kind === 'gbdt' ? 1 : 0.9) - Math.abs(depth - 6) / 50 + epoch / 1000;
          trial.report(score, epoch);
          if (trial.shouldPrune()) throw new TrialPruned();
        }
        return score;
      },
      { nTrials: 30, concurrency: 4, timeoutMs: 60_000 },
    );
    const trials = await study.getTrials();
    expect(trials).toHaveLength(30);
    expect(trials.every((t) => t.state === 'COMPLETE')).toBe(true);
    expect(trials[0]!.intermediateValues.size).toBe(20);
    const best = await study.bestTrial();
    expect(best.value).toBe(Math.max(...trials.map((t) => t.value!)));
    expect(Object.keys(await study.bestParams()).sort()).toEqual(['depth', 'kind', 'lr']);
  });

  it('repeats a seeded sequential study bit for bit, and differs without a seed', async () => {
    const run = async (seed?: number) => {
      const study = await createStudy(seed === undefined ? {} : { seed });
      await study.optimize((t) => t.suggestFloat('x', -5, 5) ** 2 + t.suggestInt('n', 0, 9) + (t.suggestCategorical('c', ['a', 'b']) === 'a' ? 1 : 0), { nTrials: 40 });
      return (await study.getTrials()).map((t) => JSON.stringify([t.params, t.values]));
    };
    expect(await run(7)).toEqual(await run(7));
    expect(await run(7)).not.toEqual(await run(8));
    expect(await run()).not.toEqual(await run());
  });

  it('repeats bit for bit on the CMA-ES path of the default sampler too', async () => {
    const run = async () => {
      const study = await createStudy({ seed: 21 });
      await study.optimize((t) => (t.suggestFloat('a', -3, 3) - 1) ** 2 + t.suggestInt('b', 1, 64, { log: true }) / 10, { nTrials: 50 });
      return (await study.getTrials()).map((t) => JSON.stringify([t.params, t.values]));
    };
    expect(await run()).toEqual(await run());
  });

  it('fails trials whose worker stopped beating, at the next ask', async () => {
    const storage = new InMemoryStudyStorage();
    const study = await createStudy({ storage, seed: 1, heartbeatIntervalMs: 10 });
    const orphan = await study.ask(); // a worker that beats once, then dies
    await storage.recordHeartbeat(study.studyId, orphan.number);
    await new Promise((r) => setTimeout(r, 40));
    await study.optimize((t) => t.suggestFloat('x', 0, 1), { nTrials: 2 });
    const trials = await study.getTrials();
    expect(trials[0]!.state).toBe('FAIL');
    expect(String(trials[0]!.systemAttrs.fail_reason)).toMatch(/No heartbeat/);
    expect(trials.slice(1).map((t) => t.state)).toEqual(['COMPLETE', 'COMPLETE']);
  });

  it('returns the cached value on re-suggest and rejects a redefinition', async () => {
    const study = await createStudy({ seed: 1 });
    const t = await study.ask();
    const x = t.suggestFloat('x', 0, 1);
    expect(t.suggestFloat('x', 0, 1)).toBe(x);
    expect(() => t.suggestFloat('x', 0, 2)).toThrow(/'x' was already suggested/);
    expect(() => t.suggestInt('x', 0, 2)).toThrow(InvalidParameter);
    await study.tell(t, x);
    const t2 = await study.ask();
    expect(() => t2.suggestCategorical('x', ['a'])).toThrow(/'x' is .* earlier trials/);
    expect(t2.suggestFloat('x', 0, 5)).toBeLessThanOrEqual(5); // a new range of the same kind is fine
  });

  it('rejects bad tells with clear errors and writes nothing', async () => {
    const study = await createStudy({ directions: ['minimize', 'maximize'], seed: 3 });
    const t = await study.ask();
    t.suggestFloat('x', 0, 1);
    await expect(study.tell(t, 1)).rejects.toThrow(/2 objective\(s\) but 1 value/);
    await expect(study.tell(t, [1, Number.NaN])).rejects.toThrow(/value 1 is NaN/);
    await expect(study.tell(t, { state: 'FAIL', values: [1, 2] })).rejects.toThrow(InvalidParameter);
    let stored = (await study.getTrials())[0]!;
    expect(stored.state).toBe('RUNNING');
    expect(stored.values).toBeNull();
    await study.tell(t, [1, 2]);
    await expect(study.tell(t, [3, 4])).rejects.toBeInstanceOf(InvalidState);
    await expect(study.tell(t.number, [3, 4])).rejects.toThrow(/already COMPLETE/);
    expect((await study.tell(t.number, { values: [3, 4], skipIfFinished: true })).values).toEqual([1, 2]);
    stored = (await study.getTrials())[0]!;
    expect(stored.values).toEqual([1, 2]);
    expect(stored.params).toHaveProperty('x');
    expect(() => t.suggestFloat('y', 0, 1)).toThrow(InvalidState);
    expect(() => study.direction).toThrow(InvalidState);
  });

  it('stores the last intermediate value for a pruned trial', async () => {
    const study = await createStudy({ seed: 3 });
    const t = await study.ask();
    t.report(5, 0);
    t.report(4, 1);
    t.report(9, 1); // re-report of a step is ignored
    const frozen = await study.tell(t, { state: 'PRUNED' });
    expect(frozen.value).toBe(4);
    expect(() => t.report(1, 2)).toThrow(InvalidState);
    const t2 = await study.ask();
    expect(() => t2.report(Number.NaN as unknown as number, -1)).toThrow(/step must be an integer/);
  });

  it('fails NaN and wrong-arity objective returns but keeps optimizing; rethrows other errors after FAIL', async () => {
    const study = await createStudy({ seed: 5 });
    let i = 0;
    await study.optimize(() => (i++ % 2 ? Number.NaN : [1, 2]), { nTrials: 4 });
    const trials = await study.getTrials();
    expect(trials.map((t) => t.state)).toEqual(['FAIL', 'FAIL', 'FAIL', 'FAIL']);
    expect(String(trials[0]!.systemAttrs.fail_reason)).toMatch(/1 objective\(s\) but 2 value/);
    expect(String(trials[1]!.systemAttrs.fail_reason)).toMatch(/NaN/);

    class Flaky extends Error {}
    await expect(study.optimize(() => { throw new Error('boom'); }, { nTrials: 3 })).rejects.toThrow('boom');
    expect((await study.getTrials()).length).toBe(5);
    await study.optimize(() => { throw new Flaky('soft'); }, { nTrials: 2, catch: [Flaky] });
    expect((await study.getTrials()).filter((t) => t.state === 'FAIL')).toHaveLength(7);
  });

  it('enqueues fixed params (others sampled), skipIfExists dedups, ask takes the oldest first', async () => {
    const study = await createStudy({ seed: 9 });
    await study.enqueueTrial({ x: 0.25, kind: 'b' });
    await study.enqueueTrial({ x: 0.25, kind: 'b' }, { skipIfExists: true });
    await study.enqueueTrial({ x: 0.75 });
    const seen: unknown[] = [];
    await study.optimize((t) => {
      const x = t.suggestFloat('x', 0, 1);
      const kind = t.suggestCategorical('kind', ['a', 'b']);
      seen.push([x, kind]);
      return x;
    }, { nTrials: 3 });
    expect(seen[0]).toEqual([0.25, 'b']);
    expect((seen[1] as unknown[])[0]).toBe(0.75);
    await study.enqueueTrial({ kind: 'zzz' });
    const t = await study.ask();
    expect(() => t.suggestCategorical('kind', ['a', 'b'])).toThrow(/'kind': enqueued value/);
  });

  it('validates addTrials as a batch before writing any', async () => {
    const study = await createStudy({ seed: 2 });
    const x = floatDistribution('x', 0, 1);
    await expect(
      study.addTrials([
        { params: { x: 0.5 }, distributions: { x }, value: 1 },
        { params: { x: 2 }, distributions: { x }, value: 1 },
      ]),
    ).rejects.toThrow(/\[1\].*'x' = 2 lies outside/);
    expect(await study.getTrials()).toHaveLength(0);
    await study.addTrials([{ params: { x: 0.5 }, distributions: { x }, value: 3 }, { params: { x: 0.1 }, distributions: { x }, value: 2 }]);
    expect((await study.bestTrial()).params).toEqual({ x: 0.1 });
  });

  it('puts feasible trials first and returns the Pareto set for several objectives', async () => {
    const study = await createStudy({ seed: 4 });
    for (const [v, c] of [[1, 0.5], [2, -1], [3, 0]] as const) {
      const t = await study.ask();
      t.setConstraints([c]);
      await study.tell(t, v);
    }
    expect((await study.bestTrial()).value).toBe(2);
    const mo = await createStudy({ directions: ['minimize', 'maximize'], seed: 4 });
    for (const v of [[1, 1], [2, 3], [3, 2], [0, 0]]) await mo.tell(await mo.ask(), v);
    expect((await mo.bestTrials()).map((t) => t.values).sort()).toEqual([[0, 0], [1, 1], [2, 3]]);
  });

  it('runs nTrials across concurrent workers with distinct numbers', async () => {
    const study = await createStudy({ seed: 11, sampler: new RandomSampler() });
    let inFlight = 0;
    let peak = 0;
    await study.optimize(async (t) => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      await new Promise((r) => setTimeout(r, 2));
      inFlight--;
      return t.suggestFloat('x', 0, 1);
    }, { nTrials: 17, concurrency: 4 });
    const trials = await study.getTrials();
    expect(trials.map((t) => t.number)).toEqual([...Array(17).keys()]);
    expect(peak).toBe(4);
  });

  it('stops starting trials after timeoutMs and on stop()', async () => {
    const study = await createStudy({ seed: 1 });
    await study.optimize(async (t) => {
      await new Promise((r) => setTimeout(r, 20));
      return t.suggestFloat('x', 0, 1);
    }, { timeoutMs: 50 });
    const n = (await study.getTrials()).length;
    expect(n).toBeGreaterThanOrEqual(2);
    expect(n).toBeLessThanOrEqual(4);
    await study.optimize((t) => {
      if (t.number >= n + 2) study.stop();
      return 1;
    }, { nTrials: 100 });
    expect((await study.getTrials()).length).toBe(n + 3);
  });

  it('loads an existing study from a shared storage', async () => {
    const storage = new InMemoryStudyStorage();
    const a = await createStudy({ name: 'shared', storage, seed: 1 });
    await a.tell(await a.ask(), 3);
    const b = await loadStudy({ name: 'shared', storage });
    expect((await b.bestTrial()).value).toBe(3);
    await expect(createStudy({ name: 'shared', storage })).rejects.toThrow(/already exists/);
    expect((await createStudy({ name: 'shared', storage, loadIfExists: true })).studyId).toBe(a.studyId);
    await expect(loadStudy({ name: 'nope', storage })).rejects.toThrow(/does not exist/);
  });

  it("shows the sampler a running trial as its overlay says (a remote worker's proposals), and stores nothing of it", async () => {
    const seen: FrozenTrial[][] = [];
    const recording: Sampler = {
      inferRelativeSearchSpace: () => ({}),
      sampleRelative: (ctx) => (seen.push([...ctx.trials]), {}),
      sampleIndependent: () => 0.5,
    };
    const study = await createStudy({ seed: 1, sampler: recording });
    const a = await study.ask();
    const x = floatDistribution('x', 0, 1);
    expect(a.propose('x', x)).toBe(0.5);
    // The trial's likely state: its params, plus what was proposed and not yet used.
    expect(a.likely().params).toEqual({ x: 0.5 });
    expect(a.params).toEqual({});
    study.runningOverlay = (t) => (t.number === a.number ? a.likely() : t);
    await study.ask();
    expect(seen.at(-1)!.find((t) => t.number === a.number)!.params).toEqual({ x: 0.5 });
    expect((await study.getTrials())[a.number]!.params).toEqual({}); // the overlay stored nothing
    // A value the worker then sends back wins over the proposal.
    a.suggestGiven('x', x, 0.75);
    expect(a.likely().params).toEqual({ x: 0.75 });
  });
});
