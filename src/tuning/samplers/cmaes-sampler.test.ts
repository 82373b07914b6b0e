import { describe, expect, it } from 'vitest';
import { createStudy } from '../create-study.js';
import { symmetricEigen } from '../linalg.js';
import { Rng } from '../prng.js';
import { CmaEs } from './cmaes.js';
import { CmaEsSampler } from './cmaes-sampler.js';

describe('CMA-ES', () => {
  it('decomposes symmetric matrices exactly', () => {
    const a = Float64Array.from([4, 1, 2, 1, 3, 0, 2, 0, 5]);
    const { values, vectors } = symmetricEigen(a, 3);
    for (let k = 0; k < 3; k++) {
      for (let r = 0; r < 3; r++) {
        const av = [0, 1, 2].reduce((s, c) => s + a[r * 3 + c]! * vectors[c * 3 + k]!, 0);
        expect(av).toBeCloseTo(values[k]! * vectors[r * 3 + k]!, 10);
      }
    }
  });

  it('converges on a sphere function', () => {
    const opt = new CmaEs([0.8, 0.8, 0.8, 0.8, 0.8], 0.2);
    const rng = new Rng(1);
    const f = (x: ArrayLike<number>) => Array.from(x).reduce((s, v) => s + (v - 0.3) ** 2, 0);
    for (let g = 0; g < 150; g++) opt.tell(Array.from({ length: opt.popsize }, () => {
      const x = opt.ask(rng);
      return { x, value: f(x) };
    }));
    expect(f(opt.center)).toBeLessThan(1e-12);
  });

  it('learns the scaling of an ill-conditioned ellipsoid', () => {
    const opt = new CmaEs([0.9, 0.9], 0.2);
    const rng = new Rng(2);
    const f = (x: ArrayLike<number>) => (x[0]! - 0.5) ** 2 + 1e4 * (x[1]! - 0.5) ** 2;
    for (let g = 0; g < 200; g++) opt.tell(Array.from({ length: opt.popsize }, () => {
      const x = opt.ask(rng);
      return { x, value: f(x) };
    }));
    expect(f(opt.center)).toBeLessThan(1e-10);
  });

  it('through the sampler: beats the box and tags trials with generation and restart', async () => {
    const study = await createStudy({ seed: 4, sampler: new CmaEsSampler() });
    await study.optimize((t) => (t.suggestFloat('x', -5, 5) - 1) ** 2 + (t.suggestFloat('y', -5, 5) + 2) ** 2 + (t.suggestInt('n', 0, 10) - 3) ** 2, { nTrials: 150 });
    expect(await study.bestValue()).toBeLessThan(0.01);
    const trials = await study.getTrials();
    expect(trials[5]!.systemAttrs['cma:gen']).toBe(0);
    expect(trials[140]!.systemAttrs['cma:gen']).toBeGreaterThan(10);
  });

  it('restarts with a doubled population when the search has collapsed (IPOP)', async () => {
    const study = await createStudy({ seed: 1, sampler: new CmaEsSampler({ popsize: 4 }) });
    // A flat objective stalls CMA-ES at once: the flat-fitness rule must trigger restarts.
    await study.optimize((t) => 0 * t.suggestInt('a', 0, 3) + 0 * t.suggestInt('b', 0, 3), { nTrials: 150 });
    const restarts = (await study.getTrials()).map((t) => t.systemAttrs['cma:restart'] as number | undefined);
    expect(Math.max(...restarts.filter((r): r is number => r !== undefined))).toBeGreaterThanOrEqual(1);
  });

  it('rebuilds the same optimizer from trials in a fresh sampler (stateless across processes)', async () => {
    const f = (t: import('../trial.js').Trial) => t.suggestFloat('x', 0, 1) ** 2 + t.suggestFloat('y', 0, 1) ** 2;
    const a = await createStudy({ seed: 9, sampler: new CmaEsSampler() });
    await a.optimize(f, { nTrials: 40 });
    const b = await createStudy({ seed: 9, sampler: new CmaEsSampler() });
    await b.optimize(f, { nTrials: 20 });
    // Continue b with a brand-new sampler object: it must replay generations and match a.
    const c = await (await import('../create-study.js')).loadStudy({ name: b.name, storage: b.storage, seed: 9, sampler: new CmaEsSampler() });
    await c.optimize(f, { nTrials: 20 });
    const pa = (await a.getTrials()).map((t) => t.params);
    const pc = (await c.getTrials()).map((t) => t.params);
    expect(pc).toEqual(pa);
  });
});
