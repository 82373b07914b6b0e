import { describe, expect, it } from 'vitest';
import { createStudy } from '../create-study.js';
import { Rng } from '../prng.js';
import { ScrambledHalton } from './halton.js';
import { QMCSampler } from './qmc-sampler.js';

/** Warnock's formula for the L2 star discrepancy of points in [0, 1]^d. */
function l2Star(points: number[][]): number {
  const n = points.length;
  const d = points[0]!.length;
  let a = 0;
  for (const p of points) a += p.reduce((s, x) => s * (1 - x * x), 1);
  let b = 0;
  for (const p of points) for (const q of points) b += p.reduce((s, x, k) => s * (1 - Math.max(x, q[k]!)), 1);
  return Math.sqrt(3 ** -d - (2 ** (1 - d) / n) * a + b / (n * n));
}

describe('scrambled Halton / QMCSampler', () => {
  it('is low-discrepancy: far below random points of the same size', () => {
    const n = 256;
    const qmc = new ScrambledHalton(4, { seed: 1 });
    const q = Array.from({ length: n }, (_, i) => qmc.point(i));
    const rng = new Rng(1);
    const randomD = [0, 1, 2, 3, 4].map(() => l2Star(Array.from({ length: n }, () => [rng.random(), rng.random(), rng.random(), rng.random()])));
    const best = Math.min(...randomD);
    expect(l2Star(q)).toBeLessThan(best / 2);
  });

  it('keeps the van der Corput structure: 2^k points put exactly one in each dyadic cell of dim 0', () => {
    const qmc = new ScrambledHalton(2, { seed: 7 });
    const cells = new Set(Array.from({ length: 16 }, (_, i) => Math.floor(qmc.point(i)[0]! * 16)));
    expect(cells.size).toBe(16);
    const plain = new ScrambledHalton(1, { scramble: false });
    expect([0, 1, 2, 3].map((i) => plain.point(i)[0])).toEqual([0, 0.5, 0.25, 0.75]);
  });

  it('walks the sequence one index per trial after learning the space from the first trial', async () => {
    const study = await createStudy({ seed: 2, sampler: new QMCSampler() });
    await study.optimize((t) => t.suggestFloat('x', 0, 1) + t.suggestInt('n', 0, 3) + (t.suggestCategorical('c', ['a', 'b']) === 'a' ? 0 : 1), { nTrials: 9 });
    const trials = await study.getTrials();
    expect(trials[0]!.systemAttrs['qmc:index']).toBeUndefined();
    expect(trials.slice(1).map((t) => t.systemAttrs['qmc:index'])).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    // 'c' is dimension 0 (base 2): 8 consecutive points split evenly between its two choices.
    expect(trials.slice(1).filter((t) => t.params.c === 'a')).toHaveLength(4);
  });
});
