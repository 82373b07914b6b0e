/** @module A study for importance tests (tests only): x matters most, y (log int) some, `noise` not at all. */
import { createStudy } from '../create-study.js';
import { RandomSampler } from '../samplers/random-sampler.js';
import type { Study } from '../study.js';

export async function studyWithNoise(nTrials: number): Promise<Study> {
  const study = await createStudy({ seed: 3, sampler: new RandomSampler() });
  await study.optimize((t) => {
    const x = t.suggestFloat('x', 0, 1);
    const y = t.suggestInt('y', 1, 100, { log: true });
    t.suggestCategorical('noise', ['a', 'b', 'c']);
    return 10 * (x - 0.3) ** 2 + Math.abs(Math.log10(y) - 1);
  }, { nTrials });
  return study;
}
