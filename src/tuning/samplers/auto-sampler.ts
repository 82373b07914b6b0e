/**
 * @module AutoSampler: the default sampler; picks an algorithm for the space it sees.
 */
import type { Distribution } from '../distributions.js';
import { isSingle } from '../distributions.js';
import type { FrozenTrial } from '../frozen-trial.js';
import { CmaEsSampler } from './cmaes-sampler.js';
import type { Sampler, SamplerContext, SearchSpace } from './sampler.js';
import { TPESampler } from './tpe-sampler.js';

export interface AutoSamplerOptions {
  seed?: number;
}

const CHOICE = 'auto:choice';

/**
 * The rule, decided per trial from the finished trials:
 * - several objectives: TPE, independent (multi-objective TPE);
 * - one objective, every finished trial has the same >= 2 numeric params (no categoricals,
 *   no conditional params): CMA-ES from the box centre, after one random trial;
 * - otherwise (categoricals, conditional spaces, one param): multivariate TPE with `group`
 *   and Optuna 5's bandwidth rule.
 * Everything uses constant liar / generation bookkeeping so parallel workers spread out.
 *
 * Why (bench/results/tuning.md; dev run, 6 seeds, medians at budget 200, Optuna 3.1 TPE in
 * brackets): on the eight unconditional numeric problems CMA-ES beat or tied every
 * alternative we tried: griewank10 3.44 (18.9), dixon_price_int8 20 (577), ackley5 2.21
 * (5.35), rastrigin6 18.2 (25.4), hartmann3 -3.863 (-3.84), lr_schedule 0.100 (0.103).
 * Multivariate TPE (v5 bandwidth) was second (griewank10 5.58, dixon 189) and TPE-then-CMA
 * hybrids that hand over after 10 or 30 trials were worse than CMA-ES alone (griewank10
 * 4.1-5.1, dixon 60-74): the TPE phase spends trials CMA-ES uses better. So the reference's
 * "TPE wins on separable spaces" did not hold here (rastrigin6 is separable). For the
 * conditional model_choice every variant reached the optimum 0.120 by 50 trials. For
 * dtlz2_3obj (hypervolume) independent TPE reached 0.596 at 200 vs 0.465 multivariate and
 * 0.305 for Optuna's default NSGA-II.
 */
export class AutoSampler implements Sampler {
  readonly seed?: number;
  private readonly tpe = new TPESampler({ multivariate: true, group: true, bandwidth: 'v5', constantLiar: true });
  private readonly moTpe = new TPESampler({ constantLiar: true });
  private readonly cma = new CmaEsSampler({ independentSampler: this.tpe });

  /**
   * @example
   * const study = await createStudy({ sampler: new AutoSampler({ seed: 1 }) }); // = createStudy({ seed: 1 })
   */
  constructor(opts: AutoSamplerOptions = {}) {
    if (opts.seed !== undefined) this.seed = opts.seed;
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

  /** Decided once per trial from the snapshot, so the relative and independent draws agree. */
  private pick(ctx: SamplerContext): Sampler {
    let s = ctx.cache.get(CHOICE) as Sampler | undefined;
    if (!s) ctx.cache.set(CHOICE, (s = this.choose(ctx)));
    return s;
  }

  private choose(ctx: SamplerContext): Sampler {
    if (ctx.study.directions.length > 1) return this.moTpe;
    return unconditionalNumeric(ctx.trials) ? this.cma : this.tpe;
  }
}

/** Every finished trial holds the same >= 2 non-constant numeric params and nothing else. */
function unconditionalNumeric(trials: readonly FrozenTrial[]): boolean {
  let names: string[] | null = null;
  for (const t of trials) {
    if (t.state !== 'COMPLETE' && t.state !== 'PRUNED') continue;
    const own = Object.keys(t.distributions);
    if (names === null) {
      if (own.some((n) => t.distributions[n]!.type === 'categorical')) return false;
      names = own;
      if (own.filter((n) => !isSingle(t.distributions[n]!)).length < 2) return false;
      continue;
    }
    if (own.length !== names.length || names.some((n) => t.distributions[n] === undefined || t.distributions[n]!.type === 'categorical')) return false;
  }
  return names !== null;
}
