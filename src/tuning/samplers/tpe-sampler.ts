/**
 * @module TPESampler: the Tree-structured Parzen Estimator (Bergstra 2011), with Optuna's
 * rules and defaults so users' intuition transfers (reference section 3.1): 10 random startup
 * trials, 24 EI candidates, gamma = min(ceil(0.1 n), 25), linear-forgetting weights, prior
 * weight 1, magic clip. Independent by default; `multivariate` models params jointly,
 * `group` splits conditional spaces into jointly-modelled parts; `constantLiar` counts
 * running trials as bad so parallel workers spread out. Multi-objective studies split by
 * non-domination rank with hypervolume tie-breaks (MOTPE).
 */
import type { Distribution, NumericDistribution } from '../distributions.js';
import type { FrozenTrial } from '../frozen-trial.js';
import { groupDecomposedSearchSpace, intersectionSearchSpace } from '../search-space.js';
import { ParzenEstimator, type ParzenOptions } from './parzen-estimator.js';
import { RandomSampler } from './random-sampler.js';
import type { Sampler, SamplerContext, SearchSpace, StudyInfo } from './sampler.js';
import { SortedObservations } from './sorted-observations.js';
import { defaultGamma, defaultWeights, splitTrials, type TpeSplit } from './tpe-split.js';

export interface TPESamplerOptions {
  seed?: number;
  /** Random trials before the model is used (default 10). */
  nStartupTrials?: number;
  /** Candidates drawn from l(x) per decision (default 24). */
  nEiCandidates?: number;
  /** Number of "good" trials out of n finished ones (default min(ceil(0.1 n), 25)). */
  gamma?: (n: number) => number;
  /** Kernel weights for m observations in trial order (default linear forgetting). */
  weights?: (m: number) => ArrayLike<number>;
  priorWeight?: number;
  considerPrior?: boolean;
  considerMagicClip?: boolean;
  considerEndpoints?: boolean;
  /** Model the intersection search space jointly (default false, as Optuna <= 4.9). */
  multivariate?: boolean;
  /** With multivariate: model each part of a conditional space jointly (default false). */
  group?: boolean;
  /** Put RUNNING trials in the bad set (default true, as Optuna 5). */
  constantLiar?: boolean;
  /** Bandwidth rule; see ParzenOptions (default 'v3'). */
  bandwidth?: 'v3' | 'v5';
  /** Sampler for the startup trials (default RandomSampler). */
  startupSampler?: Sampler;
  /**
   * Reproduce Optuna 3.1's densities exactly: its truncated-normal log-pdf omits 1/sigma, so
   * continuous kernels are unnormalised, and log ints are continuous in ln space (default
   * false: normalised kernels, discrete log ints as Optuna >= 4.7). For attributing
   * differences to Optuna, not for general use.
   */
  optuna31Compat?: boolean;
}

const SPLIT_KEY = 'tpe:split';

export class TPESampler implements Sampler {
  readonly seed?: number;
  private readonly nStartup: number;
  private readonly nEi: number;
  private readonly gamma: (n: number) => number;
  private readonly weights: (m: number) => ArrayLike<number>;
  private readonly parzen: Omit<ParzenOptions, 'multivariate'>;
  private readonly multivariate: boolean;
  private readonly group: boolean;
  private readonly constantLiar: boolean;
  private readonly startup: Sampler;
  /** Per study, per numeric param: finished observations sorted by value (see SortedObservations). */
  private readonly sortedCache = new WeakMap<StudyInfo, Map<string, SortedObservations>>();

  /**
   * @example
   * const study = await createStudy({ sampler: new TPESampler({ multivariate: true, group: true }), seed: 1 });
   */
  constructor(opts: TPESamplerOptions = {}) {
    if (opts.seed !== undefined) this.seed = opts.seed;
    this.nStartup = opts.nStartupTrials ?? 10;
    this.nEi = opts.nEiCandidates ?? 24;
    this.gamma = opts.gamma ?? defaultGamma;
    this.weights = opts.weights ?? defaultWeights;
    this.parzen = {
      priorWeight: opts.priorWeight ?? 1,
      considerPrior: opts.considerPrior ?? true,
      considerMagicClip: opts.considerMagicClip ?? true,
      considerEndpoints: opts.considerEndpoints ?? false,
      bandwidth: opts.bandwidth ?? 'v3',
      optuna31Compat: opts.optuna31Compat ?? false,
    };
    this.multivariate = opts.multivariate ?? false;
    this.group = opts.group ?? false;
    this.constantLiar = opts.constantLiar ?? true;
    this.startup = opts.startupSampler ?? new RandomSampler();
  }

  inferRelativeSearchSpace(ctx: SamplerContext): SearchSpace {
    if (this.inStartup(ctx)) return this.startup.inferRelativeSearchSpace(ctx);
    if (!this.multivariate) return {};
    if (!this.group) return intersectionSearchSpace(ctx.trials, true);
    return Object.assign({}, ...this.groups(ctx)) as SearchSpace;
  }

  sampleRelative(ctx: SamplerContext, space: SearchSpace): Record<string, number> {
    if (this.inStartup(ctx)) return this.startup.sampleRelative(ctx, space);
    const parts = this.group ? this.groups(ctx) : [space];
    const out: Record<string, number> = {};
    for (const part of parts) {
      const names = Object.keys(part).filter((n) => n in space);
      if (names.length) Object.assign(out, this.sampleJoint(ctx, names, names.map((n) => part[n]!)));
    }
    return out;
  }

  sampleIndependent(ctx: SamplerContext, name: string, distribution: Distribution): number {
    if (this.inStartup(ctx)) return this.startup.sampleIndependent(ctx, name, distribution);
    if (distribution.type !== 'categorical') return this.sampleNumeric(ctx, name, distribution);
    return this.sampleJoint(ctx, [name], [distribution])[name]!;
  }

  /**
   * The 1-D numeric case (the default, independent TPE): same maths as sampleJoint, but the
   * bad-set kernels come in value order from the sorted cache, so nothing is sorted per ask.
   */
  private sampleNumeric(ctx: SamplerContext, name: string, dist: NumericDistribution): number {
    const split = this.split(ctx);
    const opts: ParzenOptions = { ...this.parzen, multivariate: false };
    const below = this.observations(split.below, [name], [dist], split.belowWeights);
    const l = new ParzenEstimator([dist], below.obs, below.weights, opts);
    const above = this.sortedAbove(ctx, split, name);
    const g = new ParzenEstimator([dist], [above.values], above.weights, { ...opts, presorted: true });
    const candidates = l.sample(ctx.rng, this.nEi);
    const ll = l.logPdf(candidates, this.nEi);
    const lg = g.logPdf(candidates, this.nEi);
    let best = 0;
    for (let i = 1; i < this.nEi; i++) if (ll[i]! - lg[i]! > ll[best]! - lg[best]!) best = i;
    return candidates[0]![best]!;
  }

  /** Values (ascending) and weights (linear forgetting by trial order) of the bad set for one param. */
  private sortedAbove(ctx: SamplerContext, split: TpeSplit, name: string): { values: Float64Array; weights: Float64Array } {
    let perStudy = this.sortedCache.get(ctx.study);
    if (!perStudy) this.sortedCache.set(ctx.study, (perStudy = new Map()));
    let index = perStudy.get(name);
    if (!index) perStudy.set(name, (index = new SortedObservations(name)));
    index.update(ctx.trials);
    // Weight of each bad trial holding the param, by its rank in trial-number order; NaN = not bad.
    const last = ctx.trials.length ? ctx.trials[ctx.trials.length - 1]!.number : 0;
    const weightOf = new Float64Array(last + 1).fill(Number.NaN);
    let m = 0;
    for (const t of split.above) if (t.internalParams[name] !== undefined) m++;
    const w = this.weights(m);
    const running: [number, number][] = [];
    let r = 0;
    for (const t of split.above) {
      const v = t.internalParams[name];
      if (v === undefined) continue;
      weightOf[t.number] = w[r++]!;
      if (t.state === 'RUNNING') running.push([v, t.number]);
    }
    running.sort((a, b) => a[0] - b[0]);
    const values = new Float64Array(m);
    const weights = new Float64Array(m);
    let out = 0;
    let ri = 0;
    const nums = index.numbers;
    const vals = index.values;
    for (let i = 0; i < index.size; i++) {
      const wt = weightOf[nums[i]!]!;
      if (Number.isNaN(wt)) continue; // a good trial
      const v = vals[i]!;
      while (ri < running.length && running[ri]![0] < v) {
        values[out] = running[ri]![0];
        weights[out++] = weightOf[running[ri++]![1]]!;
      }
      values[out] = v;
      weights[out++] = wt;
    }
    while (ri < running.length) {
      values[out] = running[ri]![0];
      weights[out++] = weightOf[running[ri++]![1]]!;
    }
    return { values, weights };
  }

  /** Finished (COMPLETE + PRUNED) trials: what n means for startup and gamma. */
  private finished(ctx: SamplerContext): number {
    let n = 0;
    for (const t of ctx.trials) if (t.state === 'COMPLETE' || t.state === 'PRUNED') n++;
    return n;
  }

  private inStartup(ctx: SamplerContext): boolean {
    return this.finished(ctx) < this.nStartup;
  }

  private groups(ctx: SamplerContext): SearchSpace[] {
    let g = ctx.cache.get('tpe:groups') as SearchSpace[] | undefined;
    if (!g) ctx.cache.set('tpe:groups', (g = groupDecomposedSearchSpace(ctx.trials, true)));
    return g;
  }

  private split(ctx: SamplerContext): TpeSplit {
    let s = ctx.cache.get(SPLIT_KEY) as TpeSplit | undefined;
    if (!s) {
      const used = ctx.trials.filter((t) => t.state === 'COMPLETE' || t.state === 'PRUNED' || (this.constantLiar && t.state === 'RUNNING'));
      s = splitTrials(used, ctx.study.directions, this.gamma(this.finished(ctx)));
      ctx.cache.set(SPLIT_KEY, s);
    }
    return s;
  }

  /** Draws nEi candidates from l(x) over `names` and returns the argmax of log l - log g. */
  private sampleJoint(ctx: SamplerContext, names: readonly string[], dists: readonly Distribution[]): Record<string, number> {
    const split = this.split(ctx);
    const multivariate = names.length > 1;
    const opts: ParzenOptions = { ...this.parzen, multivariate };
    const below = this.observations(split.below, names, dists, split.belowWeights);
    const above = this.observations(split.above, names, dists, null);
    const l = new ParzenEstimator(dists, below.obs, below.weights, opts);
    const g = new ParzenEstimator(dists, above.obs, above.weights, opts);
    const candidates = l.sample(ctx.rng, this.nEi);
    const ll = l.logPdf(candidates, this.nEi);
    const lg = g.logPdf(candidates, this.nEi);
    let best = 0;
    for (let i = 1; i < this.nEi; i++) if (ll[i]! - lg[i]! > ll[best]! - lg[best]!) best = i;
    const out: Record<string, number> = {};
    names.forEach((n, j) => (out[n] = candidates[j]![best]!));
    return out;
  }

  /** Observed internal values of trials holding every name (with a compatible distribution). */
  private observations(trials: readonly FrozenTrial[], names: readonly string[], dists: readonly Distribution[], hvWeights: Float64Array | null): { obs: Float64Array[]; weights: ArrayLike<number> } {
    const keep: number[] = [];
    outer: for (let i = 0; i < trials.length; i++) {
      const t = trials[i]!;
      for (let j = 0; j < names.length; j++) {
        const d = t.distributions[names[j]!];
        if (d === undefined || d.type !== dists[j]!.type) continue outer;
        if (d.type === 'categorical' && d.choices.length !== (dists[j] as typeof d).choices.length) continue outer;
      }
      keep.push(i);
    }
    const obs = names.map((n) => {
      const a = new Float64Array(keep.length);
      keep.forEach((i, r) => (a[r] = trials[i]!.internalParams[n]!));
      return a;
    });
    const weights = hvWeights ? keep.map((i) => hvWeights[i]!) : this.weights(keep.length);
    return { obs, weights };
  }
}
