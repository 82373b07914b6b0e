/**
 * Runs one of our samplers on a suite problem: a sequential seeded study of `budget` trials.
 */
import { createStudy, type Sampler } from '../../src/tuning/index.js';
import type { Problem } from './problems.js';
import type { Trace } from './stats.js';

export async function runOurs(problem: Problem, makeSampler: (() => Sampler) | null, seed: number, budget: number): Promise<Trace> {
  const study = await createStudy({
    seed,
    directions: Array.from({ length: problem.objectives }, () => 'minimize' as const),
    ...(makeSampler ? { sampler: makeSampler() } : {}),
  });
  await study.optimize((t) => problem.objective(t), { nTrials: budget });
  return (await study.getTrials()).map((t) => (t.values === null ? null : problem.objectives > 1 ? [...t.values] : t.values[0]!));
}
