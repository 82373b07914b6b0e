import { describe, expect, it } from 'vitest';
import { categoricalDistribution, floatDistribution, intDistribution } from '../distributions.js';
import { createStudy } from '../create-study.js';
import { Rng } from '../prng.js';
import { makeTrial } from '../test-helpers.js';
import { ParzenEstimator, type ParzenOptions } from './parzen-estimator.js';
import { RandomSampler } from './random-sampler.js';
import { defaultGamma, defaultWeights, splitTrials } from './tpe-split.js';
import { TPESampler } from './tpe-sampler.js';

const opts: ParzenOptions = { priorWeight: 1, considerPrior: true, considerMagicClip: true, considerEndpoints: false, bandwidth: 'v3', multivariate: false };

describe('TPE split (gamma, weights, ranking)', () => {
  it("uses Optuna's default gamma and linear-forgetting weights", () => {
    expect([1, 10, 11, 100, 249, 250, 1000].map(defaultGamma)).toEqual([1, 1, 2, 10, 25, 25, 25]);
    expect([...defaultWeights(24)]).toEqual(new Array(24).fill(1));
    const w = defaultWeights(30);
    expect(w[0]).toBeCloseTo(1 / 30);
    expect(w[4]).toBeCloseTo(1);
    expect([...w.slice(5)]).toEqual(new Array(25).fill(1));
    expect(w[2]! - w[1]!).toBeCloseTo(w[1]! - w[0]!);
  });

  it('puts the gamma(n) best COMPLETE trials below, pruned by progress next, infeasible last, running above', () => {
    const trials = [
      makeTrial({ number: 0, value: 5 }),
      makeTrial({ number: 1, value: 1 }),
      makeTrial({ number: 2, value: 3 }),
      makeTrial({ number: 3, state: 'PRUNED', values: null, intermediateValues: new Map([[0, 9], [1, 8]]) }),
      makeTrial({ number: 4, state: 'PRUNED', values: null, intermediateValues: new Map([[0, 0.5]]) }),
      makeTrial({ number: 5, value: 0, systemAttrs: { constraints: [2] } }),
      makeTrial({ number: 6, state: 'RUNNING', values: null }),
      makeTrial({ number: 7, value: 0.1, systemAttrs: { constraints: [-1] } }),
    ];
    const ids = (n: number) => {
      const s = splitTrials(trials, ['minimize'], n);
      return [s.below.map((t) => t.number), s.above.map((t) => t.number)];
    };
    expect(ids(2)).toEqual([[1, 7], [0, 2, 3, 4, 5, 6]]);
    expect(ids(5)).toEqual([[0, 1, 2, 3, 7], [4, 5, 6]]); // trial 3 reached step 1: better than 4
    expect(ids(7)).toEqual([[0, 1, 2, 3, 4, 5, 7], [6]]);
    const max = splitTrials(trials.slice(0, 3), ['maximize'], 1);
    expect(max.below.map((t) => t.number)).toEqual([0]);
  });

  it('splits multi-objective trials by non-domination rank, breaking the tied rank by hypervolume', () => {
    const pts = [[0, 10], [10, 0], [5, 5], [4.9, 5.1], [6, 6], [20, 20]];
    const trials = pts.map((v, i) => makeTrial({ number: i, values: v }));
    const s = splitTrials(trials, ['minimize', 'minimize'], 3);
    // Rank 0 = {0,1,2,3}; the greedy HV pick keeps the two extremes plus one middle point.
    expect(s.below.map((t) => t.number)).toHaveLength(3);
    expect(s.below.map((t) => t.number)).toEqual(expect.arrayContaining([0, 1]));
    expect(s.above.map((t) => t.number)).toEqual(expect.arrayContaining([4, 5]));
    expect(s.belowWeights).toHaveLength(3);
    expect(Math.max(...s.belowWeights!)).toBe(1);
  });
});

describe('Parzen estimator', () => {
  it('applies the neighbour bandwidth rule with the prior, magic clip and endpoints ignored', () => {
    const d = floatDistribution('x', 0, 10);
    const pe = new ParzenEstimator([d], [Float64Array.from([1, 2, 6])], [1, 1, 1], opts) as unknown as { dims: { sigmas: Float64Array }[] };
    // sorted centres with prior 5: [1, 2, 5, 6]; gaps: 1, 3, 1; first/last use inner gap only.
    // 1 -> 1, 2 -> max(1, 3) = 3, 6 -> 1, prior -> 10; min clip 10 / min(100, 5) = 2.
    expect([...pe.dims[0]!.sigmas]).toEqual([2, 3, 2, 10]);
  });

  it('is a normalised density (continuous), mass (discrete) and distribution (categorical)', () => {
    const rng = new Rng(3);
    const obs = Float64Array.from({ length: 40 }, () => rng.uniform(-2, 3));
    const cont = new ParzenEstimator([floatDistribution('x', -2, 3)], [obs], defaultWeights(40), opts);
    const n = 20000;
    const grid = Float64Array.from({ length: n }, (_, i) => -2 + ((i + 0.5) * 5) / n);
    const integral = cont.logPdf([grid], n).reduce((s, v) => s + Math.exp(v) * (5 / n), 0);
    expect(integral).toBeCloseTo(1, 3);
    const di = intDistribution('k', 1, 50, { log: true });
    const dobs = Float64Array.from({ length: 30 }, () => Math.round(Math.exp(rng.uniform(0, Math.log(50)))));
    const disc = new ParzenEstimator([di], [dobs], defaultWeights(30), opts);
    const all = Float64Array.from({ length: 50 }, (_, i) => i + 1);
    expect(disc.logPdf([all], 50).reduce((s, v) => s + Math.exp(v), 0)).toBeCloseTo(1, 6);
    const cat = new ParzenEstimator([categoricalDistribution('c', ['a', 'b', 'c'])], [Float64Array.from([0, 0, 2])], [1, 1, 1], opts);
    const p = [...cat.logPdf([Float64Array.from([0, 1, 2])], 3)].map(Math.exp);
    expect(p[0]! + p[1]! + p[2]!).toBeCloseTo(1, 8);
    expect(p[0]).toBeGreaterThan(p[2]!);
    expect(p[2]).toBeGreaterThan(p[1]!);
  });

  it('with optuna31Compat reproduces Optuna 3.1 densities (reference values from its _ParzenEstimator)', () => {
    const o = { ...opts, optuna31Compat: true };
    const f = new ParzenEstimator([floatDistribution('x', -10, 10)], [Float64Array.from([-7.5, -2.25, 0.5, 1.0, 3.75, 8.0])], defaultWeights(6), o);
    const fx = [-1.4164188975, -1.1818306375, -0.9150934774, -0.900200439, -0.9232751595, -1.2095550053];
    f.logPdf([Float64Array.from([-9.0, -4.0, 0.0, 0.75, 2.0, 6.5])], 6).forEach((v, i) => expect(v).toBeCloseTo(fx[i]!, 6));
    const li = new ParzenEstimator([intDistribution('n', 1, 1000, { log: true })], [Float64Array.from([2, 5, 9, 40, 300])], defaultWeights(5), o);
    const lx = [-1.3232914033, -0.9801886076, -0.9090345821, -1.1002686336, -1.321147995];
    li.logPdf([Float64Array.from([1, 3, 8, 50, 700])], 5).forEach((v, i) => expect(v).toBeCloseTo(lx[i]!, 6));
  });

  it('gives the same densities with presorted kernels as with the generic path', () => {
    const rng = new Rng(9);
    const d = floatDistribution('x', 1e-3, 10, { log: true });
    const obs = Float64Array.from({ length: 300 }, () => Math.exp(rng.uniform(Math.log(1e-3), Math.log(10))));
    const w = defaultWeights(300).map((x, i) => x * (1 + (i % 3)));
    const order = [...obs.keys()].sort((a, b) => obs[a]! - obs[b]!);
    const sorted = Float64Array.from(order.map((i) => obs[i]!));
    const sortedW = Float64Array.from(order.map((i) => w[i]!));
    const pts = [Float64Array.from({ length: 50 }, () => Math.exp(rng.uniform(Math.log(1e-3), Math.log(10))))];
    for (const bandwidth of ['v3', 'v5'] as const) {
      const a = new ParzenEstimator([d], [obs], w, { ...opts, bandwidth }).logPdf(pts, 50);
      const b = new ParzenEstimator([d], [sorted], sortedW, { ...opts, bandwidth, presorted: true }).logPdf(pts, 50);
      for (let i = 0; i < 50; i++) expect(b[i]).toBeCloseTo(a[i]!, 9);
    }
  });
});

describe('TPESampler', () => {
  const quad = (x: number) => (x - 0.7) ** 2;

  it('uses the startup sampler for the first nStartupTrials, then concentrates near the optimum', async () => {
    const run = async (sampler: TPESampler | RandomSampler) => {
      const study = await createStudy({ seed: 5, sampler });
      await study.optimize((t) => quad(t.suggestFloat('x', -10, 10)), { nTrials: 80 });
      return (await study.getTrials()).map((t) => t.params.x as number);
    };
    const tpe = await run(new TPESampler());
    const rnd = await run(new RandomSampler());
    expect(tpe.slice(0, 10)).toEqual(rnd.slice(0, 10)); // same seed, same random startup
    const spread = (xs: number[]) => xs.map((x) => Math.abs(x - 0.7)).sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    expect(spread(tpe.slice(40))).toBeLessThan(spread(rnd.slice(40)) / 3);
  });

  it('handles ints, log ints, steps and categoricals and keeps values in their domain', async () => {
    const study = await createStudy({ seed: 8, sampler: new TPESampler({ nStartupTrials: 5 }) });
    await study.optimize((t) => {
      const a = t.suggestInt('a', -3, 7);
      const b = t.suggestInt('b', 1, 1000, { log: true });
      const c = t.suggestFloat('c', 0, 1, { step: 0.25 });
      const k = t.suggestCategorical('k', ['x', 'y', 'z']);
      return Math.abs(a - 2) + Math.abs(Math.log(b / 30)) + Math.abs(c - 0.5) + (k === 'y' ? 0 : 1);
    }, { nTrials: 60 });
    const trials = await study.getTrials();
    for (const t of trials) {
      expect(Number.isInteger(t.params.a)).toBe(true);
      expect(t.params.b as number).toBeGreaterThanOrEqual(1);
      expect([0, 0.25, 0.5, 0.75, 1]).toContain(t.params.c);
    }
    const late = trials.slice(40);
    expect(late.filter((t) => t.params.k === 'y').length).toBeGreaterThan(10);
    expect((await study.bestValue())).toBeLessThan(1.5);
  });

  it('samples conditional spaces jointly per group and independently otherwise', async () => {
    for (const sampler of [new TPESampler({ multivariate: true, group: true }), new TPESampler({ multivariate: true }), new TPESampler()]) {
      const study = await createStudy({ seed: 3, sampler });
      await study.optimize((t) => {
        const kind = t.suggestCategorical('kind', ['lin', 'tree']);
        if (kind === 'lin') return 1 + (Math.log10(t.suggestFloat('l2', 1e-6, 10, { log: true })) + 2) ** 2 / 10;
        return 0.2 + ((t.suggestInt('depth', 1, 16) - 9) / 8) ** 2 + (t.suggestFloat('lr', 0, 1) - 0.3) ** 2;
      }, { nTrials: 60 });
      expect(await study.bestValue()).toBeLessThan(0.35);
    }
  });

  it('with constant liar, counts running trials as bad', async () => {
    const sampler = new TPESampler({ nStartupTrials: 2 });
    const study = await createStudy({ seed: 1, sampler });
    for (const v of [0.1, 0.9, 0.5]) await study.enqueueTrial({ x: v });
    for (let i = 0; i < 3; i++) {
      const t = await study.ask();
      const x = t.suggestFloat('x', 0, 1);
      await study.tell(t, x);
    }
    const running = await study.ask();
    running.suggestFloat('x', 0, 1);
    const t = await study.ask();
    const split = splitTrials((await study.getTrials()).filter((x) => x.number !== t.number), ['minimize'], 1);
    expect(split.above.map((x) => x.number)).toContain(running.number);
  });
});

describe('TPESampler with a range that changes between trials', () => {
  it('keeps sampling inside the current range, also after a switch to log scale', async () => {
    const study = await createStudy({ seed: 6, sampler: new TPESampler({ nStartupTrials: 3 }) });
    await study.optimize((t) => t.suggestFloat('x', -1, 1) ** 2, { nTrials: 10 });
    await study.optimize((t) => {
      const x = t.suggestFloat('x', 0.01, 10, { log: true });
      expect(x).toBeGreaterThanOrEqual(0.01);
      expect(x).toBeLessThanOrEqual(10);
      return x;
    }, { nTrials: 15 });
    expect((await study.getTrials()).every((t) => t.state === 'COMPLETE')).toBe(true);
  });
});
