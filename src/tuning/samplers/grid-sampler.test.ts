import { describe, expect, it } from 'vitest';
import { createStudy } from '../create-study.js';
import { GridSampler } from './grid-sampler.js';

describe('GridSampler', () => {
  it('visits every grid point exactly once, then stops the study', async () => {
    const grid = { lr: [0.01, 0.1, 1], depth: [2, 4], kind: ['a', 'b'] };
    const study = await createStudy({ sampler: new GridSampler(grid, { seed: 3 }) });
    await study.optimize((t) => {
      const lr = t.suggestFloat('lr', 0.001, 1, { log: true });
      const depth = t.suggestInt('depth', 1, 8);
      t.suggestCategorical('kind', ['a', 'b']);
      return lr * depth;
    }, { nTrials: 100 });
    const trials = await study.getTrials();
    expect(trials).toHaveLength(12);
    const seen = new Set(trials.map((t) => JSON.stringify([t.params.lr, t.params.depth, t.params.kind])));
    expect(seen.size).toBe(12);
  });

  it('gives concurrent workers distinct points', async () => {
    const study = await createStudy({ sampler: new GridSampler({ x: [1, 2, 3, 4, 5, 6, 7, 8] }) });
    await study.optimize(async (t) => {
      const x = t.suggestInt('x', 1, 8);
      await new Promise((r) => setTimeout(r, 1));
      return x;
    }, { nTrials: 8, concurrency: 4 });
    const xs = (await study.getTrials()).map((t) => t.params.x).sort();
    expect(xs).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
  });

  it('rejects a parameter that is not in the grid, naming it', async () => {
    const study = await createStudy({ sampler: new GridSampler({ x: [1] }) });
    const t = await study.ask();
    expect(() => t.suggestFloat('y', 0, 1)).toThrow(/'y' is not in the GridSampler/);
    expect(() => new GridSampler({ x: [] })).toThrow(/'x'/);
  });
});
