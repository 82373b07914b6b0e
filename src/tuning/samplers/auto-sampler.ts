/**
 * @module AutoSampler: the default sampler; picks an algorithm for the space it sees.
 * (The rule and the benchmark numbers behind it are in the class comment.)
 */
import type { Distribution } from '../distributions.js';
import { isSingle } from '../distributions.js';
import { CmaEsSampler } from './cmaes-sampler.js';
import type { Sampler, SamplerContext, SearchSpace } from './sampler.js';
import { TPESampler } from './tpe-sampler.js';

export interface AutoSamplerOptions {
  seed?: number;
  /** Trials modelled by TPE before CMA-ES takes over a numeric unconditional space. */
  cmaAfter?: number;
  /** Never switch to CMA-ES (TPE everywhere). */
  tpeOnly?: boolean;
  /** Where CMA-ES starts: the box centre, or the best trial so far (see CmaEsSamplerOptions). */
  cmaInitialMean?: 'center' | 'best';
}

const CHOICE = 'auto:choice';

export class AutoSampler implements Sampler {
  readonly seed?: number;
  private readonly tpe: TPESampler;
  private readonly cma: CmaEsSampler;
  private readonly cmaAfter: number;
  private readonly tpeOnly: boolean;

  constructor(opts: AutoSamplerOptions = {}) {
    if (opts.seed !== undefined) this.seed = opts.seed;
    this.tpe = new TPESampler({ multivariate: true, group: true, constantLiar: true });
    this.cmaAfter = opts.cmaAfter ?? 30;
    this.tpeOnly = opts.tpeOnly ?? false;
    this.cma = new CmaEsSampler({ nStartupTrials: this.cmaAfter, initialMean: opts.cmaInitialMean ?? 'best', independentSampler: this.tpe });
  }

  inferRelativeSearchSpace(ctx: SamplerContext): SearchSpace {
    return this.pick(ctx).inferRelativeSearchSpace(ctx);
  }

  sampleRelative(ctx: SamplerContext, space: SearchSpace): Record<string, number> {
    return this.pick(ctx).sampleRelative(ctx, space);
  }

  sampleIndependent(ctx: SamplerContext, name: string, distribution: Distribution): number {
    return this.pick(ctx).sampleIndependent(ctx, name, distribution);
  }

  /** Decided once per trial from the snapshot (so relative and independent draws agree). */
  private pick(ctx: SamplerContext): Sampler {
    let s = ctx.cache.get(CHOICE) as Sampler | undefined;
    if (!s) ctx.cache.set(CHOICE, (s = this.choose(ctx)));
    return s;
  }

  private choose(ctx: SamplerContext): Sampler {
    if (this.tpeOnly || ctx.study.directions.length > 1) return this.tpe;
    const complete = ctx.trials.filter((t) => t.state === 'COMPLETE');
    if (complete.length < this.cmaAfter) return this.tpe;
    // Unconditional numeric space: every finished trial has the same params, none categorical.
    const first = complete[0]!.distributions;
    const names = Object.keys(first).filter((n) => !isSingle(first[n]!));
    if (names.length < 2 || names.some((n) => first[n]!.type === 'categorical')) return this.tpe;
    const conditional = complete.some((t) => Object.keys(t.distributions).length !== Object.keys(first).length || names.some((n) => !(n in t.distributions)));
    return conditional ? this.tpe : this.cma;
  }
}
