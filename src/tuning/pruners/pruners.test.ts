import { describe, expect, it } from 'vitest';
import { createStudy } from '../create-study.js';
import { crc32 } from '../crc32.js';
import { TrialPruned } from '../trial-pruned.js';
import { HyperbandPruner } from './hyperband-pruner.js';
import { MedianPruner } from './median-pruner.js';
import { PatientPruner } from './patient-pruner.js';
import { nanPercentile, PercentilePruner } from './percentile-pruner.js';
import { pctx, series } from './pruners.test-helpers.js';
import { SuccessiveHalvingPruner, rungKey } from './successive-halving-pruner.js';
import { ThresholdPruner } from './threshold-pruner.js';

// Five completed trials whose values at every step are 1..5: the median at each step is 3.
const done = [1, 2, 3, 4, 5].map((v, i) => series([v, v, v, v], { number: i }));

describe('MedianPruner / PercentilePruner', () => {
  it('prunes exactly when the best value so far is worse than the median at that step', () => {
    const p = new MedianPruner();
    expect(p.prune(pctx(series([3.5], { number: 9, state: 'RUNNING' }), done))).toBe(true);
    expect(p.prune(pctx(series([3], { number: 9, state: 'RUNNING' }), done))).toBe(false); // equal: not worse
    expect(p.prune(pctx(series([2.9], { number: 9, state: 'RUNNING' }), done))).toBe(false);
    // Best-so-far counts: an early good value keeps a later bad report alive.
    expect(p.prune(pctx(series([1, 10], { number: 9, state: 'RUNNING' }), done))).toBe(false);
    // Maximize flips the comparison.
    expect(p.prune(pctx(series([2.9], { number: 9, state: 'RUNNING' }), done, 'maximize'))).toBe(true);
  });

  it('waits for nStartupTrials COMPLETE trials and nWarmupSteps, and checks once per interval', () => {
    const bad = (steps: number[]) => series(steps.map(() => 100), { number: 9, state: 'RUNNING', steps });
    expect(new MedianPruner({ nStartupTrials: 6 }).prune(pctx(bad([0]), done))).toBe(false);
    expect(new MedianPruner({ nWarmupSteps: 2 }).prune(pctx(bad([0, 1]), done))).toBe(false);
    expect(new MedianPruner({ nWarmupSteps: 2 }).prune(pctx(bad([0, 1, 2]), done))).toBe(true);
    const every2 = new MedianPruner({ intervalSteps: 2 });
    expect(every2.prune(pctx(bad([0]), done))).toBe(true);
    expect(every2.prune(pctx(bad([0, 1]), done))).toBe(false); // step 1 is inside window [0, 2)
    expect(every2.prune(pctx(bad([0, 1, 2]), done))).toBe(true);
    expect(every2.prune(pctx(bad([0, 2, 3]), done))).toBe(false); // window [2, 4) already checked at 2
  });

  it('needs nMinTrials values at exactly that step; prunes an all-NaN trial', () => {
    const sparse = [series([1, 1], { number: 0, steps: [0, 5] }), series([1], { number: 1, steps: [0] })];
    const running = series([9, 9], { number: 9, state: 'RUNNING', steps: [0, 5] });
    expect(new MedianPruner({ nStartupTrials: 1, nMinTrials: 2 }).prune(pctx(running, sparse))).toBe(false);
    expect(new MedianPruner({ nStartupTrials: 1, nMinTrials: 1 }).prune(pctx(running, sparse))).toBe(true);
    expect(new MedianPruner().prune(pctx(series([Number.NaN], { number: 9, state: 'RUNNING' }), done))).toBe(true);
  });

  it('interpolates percentiles like numpy', () => {
    expect(nanPercentile([1, 2, 3, 4], 25)).toBeCloseTo(1.75);
    expect(nanPercentile([1, Number.NaN, 3], 50)).toBe(2);
    const p25 = new PercentilePruner(25);
    expect(p25.prune(pctx(series([2.1], { number: 9, state: 'RUNNING' }), done))).toBe(true); // 25th pct = 2
    expect(() => new PercentilePruner(120)).toThrow(/percentile/);
  });
});

describe('SuccessiveHalvingPruner', () => {
  it('promotes the top 1/eta of each rung and records rung values', () => {
    const p = new SuccessiveHalvingPruner({ minResource: 1, reductionFactor: 2 });
    // Rung 0 is reached at step 1. Three earlier trials recorded 1, 2, 3 there.
    const others = [1, 2, 3].map((v, i) => series([v, v], { number: i, systemAttrs: { [rungKey(0)]: v } }));
    // 4 competitors incl. this one -> top floor(4/2) = 2 promoted: values <= 2nd best (2).
    const good = pctx(series([9, 2], { number: 7, state: 'RUNNING' }), others);
    expect(p.prune(good)).toBe(false);
    expect(good.attrs[rungKey(0)]).toBe(2);
    const bad = pctx(series([9, 2.5], { number: 8, state: 'RUNNING' }), others);
    expect(p.prune(bad)).toBe(true);
  });

  it('while fewer than eta trials reached a rung, only the best so far continues; one report can pass several rungs', () => {
    const p = new SuccessiveHalvingPruner({ minResource: 1, reductionFactor: 4 });
    const first = [series([5, 5], { number: 0, systemAttrs: { [rungKey(0)]: 5 } })];
    expect(p.prune(pctx(series([0, 4], { number: 1, state: 'RUNNING' }), first))).toBe(false);
    expect(p.prune(pctx(series([0, 6], { number: 2, state: 'RUNNING' }), first))).toBe(true);
    const jump = pctx(series([1], { number: 3, state: 'RUNNING', steps: [16] }), []);
    expect(p.prune(jump)).toBe(false);
    expect(Object.keys(jump.attrs)).toEqual([rungKey(0), rungKey(1), rungKey(2)]); // steps 1, 4, 16
  });

  it("estimates minResource from the longest COMPLETE trial ('auto') and prunes NaN", () => {
    const p = new SuccessiveHalvingPruner();
    expect(p.prune(pctx(series([1]), []))).toBe(false); // nothing complete yet: no pruning
    const long = series(new Array(401).fill(1), { number: 0 });
    // min resource = floor(400 / 100) = 4: step 3 is before rung 0.
    expect(p.prune(pctx(series([1, 1, 1, 1], { number: 1, state: 'RUNNING' }), [long]))).toBe(false);
    expect(p.prune(pctx(series([Number.NaN, Number.NaN, Number.NaN, Number.NaN, Number.NaN], { number: 2, state: 'RUNNING' }), [long]))).toBe(true);
  });
});

describe('HyperbandPruner', () => {
  it('builds floor(log_eta(max/min)) + 1 brackets with budgets ceil(B eta^s / (s+1)) and hashes trials with crc32', () => {
    expect(crc32('The quick brown fox jumps over the lazy dog')).toBe(0x414fa339);
    const p = new HyperbandPruner({ minResource: 1, maxResource: 81, reductionFactor: 3 });
    p.prune(pctx(series([1], { number: 0, state: 'RUNNING' }), []));
    expect(p.nBrackets).toBe(5);
    // budgets for s = 4..0: ceil(5*81/5)=81, ceil(5*27/4)=34, ceil(5*9/3)=15, ceil(5*3/2)=8, 5 -> total 143
    const counts = [0, 0, 0, 0, 0];
    for (let n = 0; n < 1430; n++) counts[p.bracketOf('study', n)]!++;
    expect(counts[0]! / 1430).toBeCloseTo(81 / 143, 1);
    expect(p.bracketOf('study', 12)).toBe([81, 34, 15, 8, 5].findIndex((_, b, a) => crc32('study_12') % 143 < a.slice(0, b + 1).reduce((x, y) => x + y, 0)));
  });

  it('compares a trial only with trials of its own bracket', () => {
    const p = new HyperbandPruner({ minResource: 1, maxResource: 9, reductionFactor: 3 });
    p.prune(pctx(series([1], { number: 0, state: 'RUNNING' }), []));
    const numbers = [...Array(60).keys()];
    const inB0 = numbers.filter((n) => p.bracketOf('s', n) === 0);
    const inOther = numbers.filter((n) => p.bracketOf('s', n) !== 0);
    // Strong trials (rung value 0) only in other brackets: a bracket-0 trial is still the best of its own.
    const others = inOther.slice(0, 10).map((n) => series([0, 0], { number: n, systemAttrs: { [rungKey(0)]: 0 } }));
    expect(p.prune(pctx(series([5, 5], { number: inB0[0]!, state: 'RUNNING' }), others))).toBe(false);
  });
});

describe('PatientPruner and ThresholdPruner', () => {
  it('prunes only after `patience` steps without improvement', () => {
    const p = new PatientPruner(null, 2);
    expect(p.prune(pctx(series([5, 4, 3, 3.5, 3.2], { state: 'RUNNING' }), []))).toBe(false); // 3 in window? no: window [3, 3.5, 3.2] best 3 vs before [5, 4] best 4
    expect(p.prune(pctx(series([5, 3, 3.5, 3.2, 3.1], { state: 'RUNNING' }), []))).toBe(true); // before best 3 < after best 3.1
    // minDelta tolerates a worsening up to minDelta (Optuna: best_before + min_delta < best_after).
    expect(new PatientPruner(null, 2, 0.5).prune(pctx(series([5, 3, 3.5, 3.2, 3.4], { state: 'RUNNING' }), []))).toBe(false);
    expect(new PatientPruner(null, 2, 0.5).prune(pctx(series([5, 3, 3.6, 3.7, 3.8], { state: 'RUNNING' }), []))).toBe(true);
    expect(new PatientPruner(new MedianPruner(), 0).prune(pctx(series([1, 2], { number: 9, state: 'RUNNING' }), done))).toBe(false); // stalled, median says keep
  });

  it('prunes values outside [lower, upper] and NaN', () => {
    const p = new ThresholdPruner({ upper: 1 });
    expect(p.prune(pctx(series([0.5], { state: 'RUNNING' }), []))).toBe(false);
    expect(p.prune(pctx(series([1.5], { state: 'RUNNING' }), []))).toBe(true);
    expect(p.prune(pctx(series([Number.NaN], { state: 'RUNNING' }), []))).toBe(true);
  });
});

describe('pruning in a study', () => {
  it('median-prunes bad learning curves end to end and stores the last value', async () => {
    const study = await createStudy({ seed: 1, pruner: new MedianPruner({ nStartupTrials: 3 }) });
    await study.optimize((t) => {
      const level = t.suggestFloat('level', 0, 1);
      let v = 0;
      for (let step = 0; step < 10; step++) {
        v = level + 1 / (step + 1);
        t.report(v, step);
        if (t.shouldPrune()) throw new TrialPruned();
      }
      return v;
    }, { nTrials: 30 });
    const trials = await study.getTrials();
    const pruned = trials.filter((t) => t.state === 'PRUNED');
    expect(pruned.length).toBeGreaterThan(5);
    for (const t of pruned) expect(t.value).toBe(t.intermediateValues.get(t.lastStep!));
  });
});
