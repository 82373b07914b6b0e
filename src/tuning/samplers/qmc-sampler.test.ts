import { describe, expect, it } from 'vitest';
import { InvalidParameter } from '../../core/errors.js';
import { createStudy } from '../create-study.js';
import { Rng } from '../prng.js';
import { buildSampler, parseSampler } from '../service/component-tables.js';
import { ScrambledHalton } from './halton.js';
import { l2Star } from './qmc.test-helpers.js';
import { QMCSampler, type QMCSamplerOptions } from './qmc-sampler.js';

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
    // 'c' is dimension 0 (van der Corput under the scramble): 8 consecutive points split evenly
    // between its two choices.
    expect(trials.slice(1).filter((t) => t.params.c === 'a')).toHaveLength(4);
  });

  it('uses Halton by default; Sobol is selectable', async () => {
    // One float in [0, 1] maps the unit coordinate through unchanged, so the trials show the
    // unscrambled sequences themselves: Sobol 0, 1/2, 3/4, 1/4 against Halton 0, 1/2, 1/4, 3/4.
    const firstCoordinates = async (opts: QMCSamplerOptions) => {
      const study = await createStudy({ seed: 3, sampler: new QMCSampler({ scramble: false, ...opts }) });
      await study.optimize((t) => t.suggestFloat('x', 0, 1), { nTrials: 5 });
      return (await study.getTrials()).slice(1).map((t) => t.params.x);
    };
    expect(new QMCSampler().qmcType).toBe('halton');
    expect(await firstCoordinates({})).toEqual([0, 0.5, 0.25, 0.75]);
    expect(await firstCoordinates({ qmcType: 'sobol' })).toEqual([0, 0.5, 0.75, 0.25]);
    expect(await firstCoordinates({ qmcType: 'halton' })).toEqual([0, 0.5, 0.25, 0.75]);
    expect(() => new QMCSampler({ qmcType: 'lattice' as never })).toThrow(InvalidParameter);
  });

  it('builds from a JSON spec with qmc_type', () => {
    const halton = buildSampler(parseSampler({ name: 'qmc', options: { qmc_type: 'halton' } }));
    expect(halton).toBeInstanceOf(QMCSampler);
    expect((halton as QMCSampler).qmcType).toBe('halton');
    expect((buildSampler(parseSampler({ name: 'qmc', options: { qmc_type: 'sobol', scramble: true } })) as QMCSampler).qmcType).toBe('sobol');
    expect((buildSampler(parseSampler('qmc')) as QMCSampler).qmcType).toBe('halton');
    expect(() => parseSampler({ name: 'qmc', options: { qmc_type: 'lattice' } })).toThrow(/sampler\.options\.qmc_type/);
  });
});
