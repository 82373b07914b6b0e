/**
 * @module NSGAIISampler: the elitist genetic algorithm for multi-objective studies (Deb et al.
 * 2002) with Optuna's defaults and rules (reference section 3.4): population 50, uniform
 * crossover (swap probability 0.5) with probability 0.9, binary tournament parents, and each
 * param of the child dropped with probability 1/#params and re-sampled at random (mutation).
 *
 * Generations live in trial system attributes; the parent population of generation g is the
 * elite of (population g-1) + (parents g-1): whole non-domination ranks, the overflowing rank
 * cut by crowding distance. Constraints use Deb's constrained domination. Parents are
 * recomputed deterministically from trials (ties by trial number) and cached per generation.
 */
import { InvalidParameter } from '../../core/errors.js';
import type { Distribution } from '../distributions.js';
import type { FrozenTrial } from '../frozen-trial.js';
import { constrainedDominates, crowdingDistances, nonDominatedRanks } from '../pareto.js';
import { intersectionSearchSpace } from '../search-space.js';
import { lossVector } from '../trial-order.js';
import { RandomSampler } from './random-sampler.js';
import type { Sampler, SamplerContext, SearchSpace, StudyInfo } from './sampler.js';

const GENERATION = 'nsga2:generation';

export interface NSGAIISamplerOptions {
  seed?: number;
  populationSize?: number;
  crossoverProb?: number;
  swappingProb?: number;
  /** Per-param probability of re-sampling; default 1 / max(1, #params). */
  mutationProb?: number;
}

export class NSGAIISampler implements Sampler {
  readonly seed?: number;
  private readonly popSize: number;
  private readonly crossoverProb: number;
  private readonly swappingProb: number;
  private readonly mutationProb: number | undefined;
  private readonly random = new RandomSampler();
  /** Per study: parent population (trial numbers) by generation. */
  private readonly parentsCache = new WeakMap<StudyInfo, Map<number, number[]>>();

  /**
   * @example
   * const study = await createStudy({ directions: ['minimize', 'maximize'], sampler: new NSGAIISampler({ populationSize: 40 }) });
   */
  constructor(opts: NSGAIISamplerOptions = {}) {
    if (opts.seed !== undefined) this.seed = opts.seed;
    this.popSize = opts.populationSize ?? 50;
    if (!Number.isInteger(this.popSize) || this.popSize < 2) throw new InvalidParameter(`populationSize must be an integer >= 2, got ${this.popSize}.`);
    this.crossoverProb = opts.crossoverProb ?? 0.9;
    this.swappingProb = opts.swappingProb ?? 0.5;
    this.mutationProb = opts.mutationProb;
  }

  inferRelativeSearchSpace(ctx: SamplerContext): SearchSpace {
    return intersectionSearchSpace(ctx.trials);
  }

  sampleRelative(ctx: SamplerContext, space: SearchSpace): Record<string, number> {
    const { generation, parents } = this.parentPopulation(ctx);
    ctx.setSystemAttr(GENERATION, generation);
    if (parents.length === 0) return {};
    const rng = ctx.rng;
    const p0 = this.tournament(ctx, parents);
    let child: Record<string, number>;
    const names = Object.keys(space).filter((n) => parents.every((p) => p.internalParams[n] !== undefined));
    if (rng.random() < this.crossoverProb) {
      const p1 = this.tournament(ctx, parents);
      child = {};
      for (const n of names) child[n] = (rng.random() < this.swappingProb ? p1 : p0).internalParams[n]!;
    } else {
      child = Object.fromEntries(names.map((n) => [n, p0.internalParams[n]!]));
    }
    const mutation = this.mutationProb ?? 1 / Math.max(1, names.length);
    const out: Record<string, number> = {};
    for (const n of names) if (rng.random() >= mutation) out[n] = child[n]!;
    return out; // dropped params are re-sampled uniformly by sampleIndependent
  }

  sampleIndependent(ctx: SamplerContext, name: string, distribution: Distribution): number {
    return this.random.sampleIndependent(ctx, name, distribution);
  }

  /** Binary tournament: two random members; one that (constrained-)dominates wins, else the second. */
  private tournament(ctx: SamplerContext, pop: readonly FrozenTrial[]): FrozenTrial {
    const a = pop[ctx.rng.int(pop.length)]!;
    const b = pop[ctx.rng.int(pop.length)]!;
    const dirs = ctx.study.directions;
    return constrainedDominates(lossVector(a, dirs), a.violation, lossVector(b, dirs), b.violation) ? a : b;
  }

  /** Generation for the new trial and its parents (empty for generation 0). */
  private parentPopulation(ctx: SamplerContext): { generation: number; parents: FrozenTrial[] } {
    const byGen = new Map<number, FrozenTrial[]>();
    const byNumber = new Map<number, FrozenTrial>();
    for (const t of ctx.trials) {
      byNumber.set(t.number, t);
      const g = t.systemAttrs[GENERATION];
      if (typeof g !== 'number' || t.state !== 'COMPLETE') continue;
      const list = byGen.get(g);
      if (list) list.push(t);
      else byGen.set(g, [t]);
    }
    let cache = this.parentsCache.get(ctx.study);
    if (!cache) this.parentsCache.set(ctx.study, (cache = new Map()));
    let parents: FrozenTrial[] = [];
    let parentGen = -1;
    for (;;) {
      const g = parentGen + 1;
      const population = byGen.get(g) ?? [];
      // Under parallel workers a generation can exceed popSize: all of it competes.
      if (population.length < this.popSize) break;
      const cached = cache.get(g);
      if (cached && cached.every((n) => byNumber.has(n))) {
        parents = cached.map((n) => byNumber.get(n)!);
      } else {
        parents = this.elite([...population, ...parents], ctx);
        cache.set(g, parents.map((t) => t.number));
      }
      parentGen = g;
    }
    return { generation: parentGen + 1, parents };
  }

  /** Whole non-domination ranks while they fit; the rank that overflows is cut by crowding distance. */
  private elite(pool: FrozenTrial[], ctx: SamplerContext): FrozenTrial[] {
    const unique = [...new Map(pool.map((t) => [t.number, t])).values()].sort((a, b) => a.number - b.number);
    const losses = unique.map((t) => lossVector(t, ctx.study.directions));
    const ranks = nonDominatedRanks(losses, unique.map((t) => t.violation));
    const elite: FrozenTrial[] = [];
    for (let r = 0; elite.length < this.popSize; r++) {
      const idx = unique.map((_, i) => i).filter((i) => ranks[i] === r);
      if (idx.length === 0) break;
      if (elite.length + idx.length <= this.popSize) {
        elite.push(...idx.map((i) => unique[i]!));
        continue;
      }
      const cd = crowdingDistances(idx.map((i) => losses[i]!));
      const order = idx.map((i, j) => [i, cd[j]!] as const).sort((a, b) => b[1] - a[1] || unique[a[0]]!.number - unique[b[0]]!.number);
      elite.push(...order.slice(0, this.popSize - elite.length).map(([i]) => unique[i]!));
    }
    return elite;
  }
}
