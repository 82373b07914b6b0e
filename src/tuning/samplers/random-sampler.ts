/**
 * @module RandomSampler: every parameter uniform in the transformed space (log params
 * log-uniform, ints uniform over their grid, categoricals uniform), independently.
 */
import type { Distribution } from '../distributions.js';
import { sampleUniformInternal } from '../transform.js';
import type { Sampler, SamplerContext, SearchSpace } from './sampler.js';

export class RandomSampler implements Sampler {
  readonly seed?: number;

  constructor(opts: { seed?: number } = {}) {
    if (opts.seed !== undefined) this.seed = opts.seed;
  }

  inferRelativeSearchSpace(): SearchSpace {
    return {};
  }

  sampleRelative(): Record<string, number> {
    return {};
  }

  sampleIndependent(ctx: SamplerContext, _name: string, distribution: Distribution): number {
    return sampleUniformInternal(distribution, ctx.rng);
  }
}
