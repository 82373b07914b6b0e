import { describe, expect, it } from 'vitest';
import { InvalidParameter } from '../../core/errors.js';
import { categoricalDistribution, floatDistribution, intDistribution, type Distribution } from '../distributions.js';
import type { FrozenTrial } from '../frozen-trial.js';
import { Rng } from '../prng.js';
import { makeTrial } from '../test-helpers.js';
import { fanovaImportances } from './fanova.js';
import { getParamImportances } from './param-importances.js';
import { studyWithNoise } from './importance.test-helpers.js';

const unit = floatDistribution('x', 0, 1);
const objective = (t: FrozenTrial): number => t.values![0]!;

/** `n` COMPLETE trials whose params are drawn by `draw` and whose value is `f` of them. */
function trialsOf(n: number, seed: number, draw: (rng: Rng) => Record<string, [number, Distribution]>, f: (p: Record<string, number>) => number): FrozenTrial[] {
  const rng = new Rng(seed);
  return Array.from({ length: n }, (_, number) => {
    const params = draw(rng);
    const values = Object.fromEntries(Object.entries(params).map(([k, [v]]) => [k, v]));
    return makeTrial({ number, params, value: f(values) });
  });
}

const uniformPair = (rng: Rng): Record<string, [number, Distribution]> => ({ x0: [rng.random(), unit], x1: [rng.random(), unit] });

describe('fANOVA importance', () => {
  it('gives a function of one param nearly all the importance', () => {
    const trials = trialsOf(200, 1, uniformPair, (p) => Math.sin(6 * p.x0!));
    const imp = fanovaImportances(trials, objective);
    expect(Object.keys(imp)).toEqual(['x0', 'x1']);
    expect(imp.x0!).toBeGreaterThan(0.95);
  });

  it('recovers the variance shares 9/10 and 1/10 of y = 3 x0 + x1', () => {
    // Var(3 x0) = 9/12 and Var(x1) = 1/12 on uniform inputs. Over seeds 1-8 the forest gives
    // x0 0.912-0.920 (a piecewise-constant fit spends fewer cuts on the weaker param), so
    // +-0.05 holds with margin, while variance shares taken as standard deviations (3/4) or
    // unweighted by interval width would miss it.
    for (const seed of [1, 2]) {
      const imp = fanovaImportances(trialsOf(300, seed, uniformPair, (p) => 3 * p.x0! + p.x1!), objective, { seed });
      expect(imp.x0!).toBeGreaterThan(0.85);
      expect(imp.x0!).toBeLessThan(0.95);
      expect(imp.x1!).toBeCloseTo(1 - imp.x0!, 12);
    }
  });

  it('ranks first the categorical param that decides the value', () => {
    const kind = categoricalDistribution('kind', ['a', 'b', 'c', 'd']);
    const n = intDistribution('n', 1, 10);
    const effect = [0, 4, 1, 3]; // not monotone in the choice index: needs more than one ordinal cut
    const trials = trialsOf(
      200,
      3,
      (rng) => ({ kind: [rng.int(4), kind], x: [rng.random(), unit], n: [1 + rng.int(10), n] }),
      (p) => effect[p.kind!]! + p.x! + 0.1 * p.n!,
    );
    const imp = fanovaImportances(trials, objective);
    // Shares: Var(effect) = 2.5 against 1/12 and 0.0825, i.e. 0.94, 0.03, 0.03.
    expect(Object.keys(imp)[0]).toBe('kind');
    expect(imp.kind!).toBeGreaterThan(0.85);
  });

  it('measures a log param uniformly in log space', () => {
    // lr log-uniform on [1e-5, 1e-1]; y = [lr < 1e-3] + x. In log space the step splits lr's
    // range in half: Var 1/4 against Var(x) = 1/12, shares 3/4 and 1/4. On the linear range
    // lr < 1e-3 would be 1% of the volume and lr's share about 0.1.
    const lr = floatDistribution('lr', 1e-5, 1e-1, { log: true });
    const trials = trialsOf(
      300,
      4,
      (rng) => ({ lr: [Math.exp(Math.log(1e-5) + rng.random() * Math.log(1e4)), lr], x: [rng.random(), unit] }),
      (p) => (p.lr! < 1e-3 ? 1 : 0) + p.x!,
    );
    const imp = fanovaImportances(trials, objective);
    expect(imp.lr!).toBeGreaterThan(0.7);
    expect(imp.lr!).toBeLessThan(0.8);
  });

  it('is reproducible for a seed', () => {
    const trials = trialsOf(100, 5, uniformPair, (p) => p.x0! * p.x1! + p.x1!);
    const a = fanovaImportances(trials, objective, { seed: 7, nTrees: 16 });
    const b = fanovaImportances([...trials].reverse(), objective, { seed: 7, nTrees: 16 });
    expect(Object.entries(a)).toEqual(Object.entries(b));
    expect(fanovaImportances(trials, objective, { seed: 8, nTrees: 16 })).not.toEqual(a);
  });

  it('names a param that not every COMPLETE trial has', () => {
    const trials = trialsOf(10, 6, uniformPair, (p) => p.x0!);
    expect(() => fanovaImportances(trials, objective, { params: ['x0', 'zz'] })).toThrow(InvalidParameter);
    expect(() => fanovaImportances(trials, objective, { params: ['zz'] })).toThrow(/'zz'/);
  });

  it('scores only the params asked for', () => {
    const trials = trialsOf(100, 7, uniformPair, (p) => p.x0! + 2 * p.x1!);
    const imp = fanovaImportances(trials, objective, { params: ['x0'] });
    expect(imp).toEqual({ x0: 1 });
  });

  it('gives all zeros with fewer than 2 COMPLETE trials or a constant objective', () => {
    const [one] = trialsOf(1, 8, uniformPair, (p) => p.x0!);
    const others = [makeTrial({ number: 1, state: 'FAIL', params: { x0: [0.2, unit], x1: [0.3, unit] } }), makeTrial({ number: 2, state: 'RUNNING', params: { x0: [0.7, unit], x1: [0.1, unit] } })];
    expect(fanovaImportances([one!, ...others], objective)).toEqual({ x0: 0, x1: 0 });
    expect(fanovaImportances(trialsOf(50, 8, uniformPair, () => 3), objective)).toEqual({ x0: 0, x1: 0 });
  });

  it('leaves trials with a non-finite value out of the fit', () => {
    const trials = trialsOf(100, 9, uniformPair, (p) => Math.sin(6 * p.x0!));
    const withInfinity = [...trials, makeTrial({ number: 100, value: Infinity, params: { x0: [0.5, unit], x1: [0.5, unit] } })];
    expect(fanovaImportances(withInfinity, objective)).toEqual(fanovaImportances(trials, objective));
  });

  it('rejects nonsense forest options', () => {
    const trials = trialsOf(10, 10, uniformPair, (p) => p.x0!);
    expect(() => fanovaImportances(trials, objective, { nTrees: 0 })).toThrow(/nTrees/);
    expect(() => fanovaImportances(trials, objective, { maxDepth: 1.5 })).toThrow(/maxDepth/);
  });
});

describe('getParamImportances evaluator', () => {
  it("runs fANOVA on a study when asked and refuses an unknown evaluator", async () => {
    const study = await studyWithNoise(150);
    const imp = await getParamImportances(study, { evaluator: 'fanova' });
    expect(Object.keys(imp)[2]).toBe('noise');
    expect(Object.values(imp).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 10);
    expect(imp).toEqual(fanovaImportances(await study.getTrials({ states: ['COMPLETE'] }), (t) => t.values![0]!));
    await expect(getParamImportances(study, { evaluator: 'mdi' as never })).rejects.toThrow(/Unknown importance evaluator 'mdi'/);
  });
});
