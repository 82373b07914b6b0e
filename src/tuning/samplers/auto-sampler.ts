/** @module AutoSampler (placeholder until TPE lands). */
import type { Distribution } from '../distributions.js';
import { RandomSampler } from './random-sampler.js';
import type { Sampler, SamplerContext, SearchSpace } from './sampler.js';

export class AutoSampler implements Sampler {
  readonly seed?: number;
  private readonly inner = new RandomSampler();
  constructor(opts: { seed?: number } = {}) {
    if (opts.seed !== undefined) this.seed = opts.seed;
  }
  inferRelativeSearchSpace(): SearchSpace {
    return {};
  }
  sampleRelative(): Record<string, number> {
    return {};
  }
  sampleIndependent(ctx: SamplerContext, name: string, d: Distribution): number {
    return this.inner.sampleIndependent(ctx, name, d);
  }
}
