import { describe, expect, it } from 'vitest';
import { createStudy } from '../create-study.js';
import { hypervolume } from '../hypervolume.js';
import { crowdingDistances, nonDominatedRanks } from '../pareto.js';
import { NSGAIISampler } from './nsga2-sampler.js';
import { RandomSampler } from './random-sampler.js';

describe('NSGA-II building blocks', () => {
  it('ranks points by non-domination', () => {
    const pts = [[1, 5], [2, 2], [5, 1], [3, 3], [4, 4], [6, 6], [2, 6]];
    expect(nonDominatedRanks(pts)).toEqual([0, 0, 0, 1, 2, 3, 1]);
    // Constrained: a feasible point beats any infeasible one; infeasible ones by violation.
    expect(nonDominatedRanks([[9, 9], [1, 1], [0, 0]], [0, 0.5, 2])).toEqual([0, 1, 2]);
  });

  it('gives extremes infinite crowding distance and sums normalised neighbour gaps', () => {
    const d = crowdingDistances([[0, 4], [1, 3], [3, 1], [4, 0]]);
    expect(d[0]).toBe(Infinity);
    expect(d[3]).toBe(Infinity);
    expect(d[1]).toBeCloseTo(3 / 4 + 3 / 4);
    expect(d[2]).toBeCloseTo(3 / 4 + 3 / 4);
  });

  it('computes exact hypervolumes', () => {
    expect(hypervolume([[1, 1]], [2, 2])).toBe(1);
    expect(hypervolume([[0, 1], [1, 0]], [2, 2])).toBe(3);
    expect(hypervolume([[0, 0, 0]], [1, 2, 3])).toBe(6);
    // Three 2x1x1 boxes; each pair and the triple overlap in the unit cube [1,2]^3: 6 - 3 + 1.
    expect(hypervolume([[0, 1, 1], [1, 0, 1], [1, 1, 0]], [2, 2, 2])).toBe(4);
  });
});

describe('NSGAIISampler', () => {
  const zdt1 = (t: import('../trial.js').Trial) => {
    const x = Array.from({ length: 5 }, (_, i) => t.suggestFloat(`x${i}`, 0, 1));
    const g = 1 + (9 * x.slice(1).reduce((a, b) => a + b, 0)) / 4;
    return [x[0]!, g * (1 - Math.sqrt(x[0]! / g))];
  };

  it('tags generations of populationSize trials and improves on random search', async () => {
    const hv = async (sampler: NSGAIISampler | RandomSampler) => {
      const study = await createStudy({ directions: ['minimize', 'minimize'], seed: 5, sampler });
      await study.optimize(zdt1, { nTrials: 300 });
      return { study, hv: hypervolume((await study.bestTrials()).map((t) => [...t.values!]), [1.1, 11]) };
    };
    const nsga = await hv(new NSGAIISampler({ populationSize: 20 }));
    const rnd = await hv(new RandomSampler());
    const gens = (await nsga.study.getTrials()).map((t) => t.systemAttrs['nsga2:generation']);
    expect(gens.slice(0, 20).every((g) => g === 0)).toBe(true);
    expect(gens[299]).toBeGreaterThanOrEqual(10);
    expect(nsga.hv).toBeGreaterThan(rnd.hv);
  });
});
