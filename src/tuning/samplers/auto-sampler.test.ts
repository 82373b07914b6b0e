import { describe, expect, it } from 'vitest';
import { createStudy } from '../create-study.js';

describe('AutoSampler (the default)', () => {
  it('uses CMA-ES for an unconditional numeric space', async () => {
    const study = await createStudy({ seed: 1 });
    await study.optimize((t) => (t.suggestFloat('x', -5, 5) - 1) ** 2 + (t.suggestInt('n', 0, 20) - 7) ** 2, { nTrials: 60 });
    const trials = await study.getTrials();
    expect(trials[0]!.systemAttrs['cma:gen']).toBeUndefined(); // first trial: random, to learn the space
    expect(trials.slice(1).every((t) => typeof t.systemAttrs['cma:gen'] === 'number')).toBe(true);
    expect(await study.bestValue()).toBeLessThan(0.05);
  });

  it('uses TPE for categorical and conditional spaces and for several objectives', async () => {
    const study = await createStudy({ seed: 2 });
    await study.optimize((t) => {
      const kind = t.suggestCategorical('kind', ['a', 'b']);
      return kind === 'a' ? t.suggestFloat('x', 0, 1) : 1 + t.suggestFloat('y', 0, 1);
    }, { nTrials: 40 });
    const trials = await study.getTrials();
    expect(trials.some((t) => t.systemAttrs['cma:gen'] !== undefined)).toBe(false);
    expect(await study.bestValue()).toBeLessThan(0.05);
    const mo = await createStudy({ seed: 2, directions: ['minimize', 'minimize'] });
    await mo.optimize((t) => {
      const x = t.suggestFloat('x', 0, 1);
      const y = t.suggestFloat('y', 0, 1);
      return [x, (1 - x) ** 2 + y];
    }, { nTrials: 40 });
    expect((await mo.bestTrials()).length).toBeGreaterThan(3);
  });
});
