/**
 * @module GridSampler: every point of a Cartesian grid exactly once (Optuna's rules, reference
 * section 3.5): the grid is shuffled with rng(seed, default 0); a new trial takes the first
 * point in that order that no trial (finished or running) holds yet; when the last point is
 * handed out the study is told to stop. Under parallel workers of other processes a point
 * can be handed out twice (Optuna re-evaluates too); within one process `ask` is serialised.
 */
import { InvalidParameter } from '../../core/errors.js';
import { toInternal, type CategoricalChoice, type Distribution, type ParamValue } from '../distributions.js';
import { Rng } from '../prng.js';
import type { Sampler, SamplerContext, SearchSpace } from './sampler.js';

const GRID_ID = 'grid_id';
const SEARCH_SPACE = 'search_space';

export class GridSampler implements Sampler {
  readonly seed?: number;
  private readonly names: string[];
  private readonly grid: CategoricalChoice[][];
  private readonly space: Record<string, readonly CategoricalChoice[]>;

  /**
   * @example
   * const sampler = new GridSampler({ lr: [0.01, 0.1], depth: [4, 8, 12] }); // 6 trials
   */
  constructor(searchSpace: Record<string, readonly CategoricalChoice[]>, opts: { seed?: number } = {}) {
    if (opts.seed !== undefined) this.seed = opts.seed;
    this.names = Object.keys(searchSpace).sort();
    if (this.names.length === 0) throw new InvalidParameter('GridSampler needs at least one parameter.');
    for (const n of this.names) {
      const values = searchSpace[n];
      if (!Array.isArray(values) || values.length === 0) throw new InvalidParameter(`GridSampler: parameter '${n}' needs a non-empty list of values.`);
    }
    this.space = Object.fromEntries(this.names.map((n) => [n, [...searchSpace[n]!]]));
    let grid: CategoricalChoice[][] = [[]];
    for (const n of this.names) grid = grid.flatMap((g) => this.space[n]!.map((v) => [...g, v]));
    this.grid = new Rng(opts.seed ?? 0).shuffle(grid);
  }

  /** Number of grid points. */
  get size(): number {
    return this.grid.length;
  }

  inferRelativeSearchSpace(): SearchSpace {
    return {};
  }

  /** Claims the grid point at ask time, so concurrent asks in this process never share one. */
  sampleRelative(ctx: SamplerContext): Record<string, number> {
    if (ctx.trial.systemAttrs[GRID_ID] !== undefined) return {};
    const taken = new Set<number>();
    for (const t of ctx.trials) {
      const id = t.systemAttrs[GRID_ID];
      if (typeof id === 'number' && t.state !== 'WAITING') taken.add(id);
    }
    let id = this.grid.findIndex((_, i) => !taken.has(i));
    if (id < 0) id = ctx.rng.int(this.grid.length); // exhausted (parallel): re-evaluate one
    ctx.setSystemAttr(GRID_ID, id);
    ctx.setSystemAttr(SEARCH_SPACE, this.space as Record<string, ParamValue[]>);
    if (taken.size + 1 >= this.grid.length) ctx.stopStudy();
    return {};
  }

  /** The grid point this trial claimed at ask. */
  valuesForTrial(ctx: SamplerContext): Readonly<Record<string, ParamValue>> {
    const id = ctx.trial.systemAttrs[GRID_ID];
    if (typeof id !== 'number') return {};
    return Object.fromEntries(this.names.map((n, col) => [n, this.grid[id]![col]!]));
  }

  sampleIndependent(ctx: SamplerContext, name: string, distribution: Distribution): number {
    const col = this.names.indexOf(name);
    if (col < 0) {
      throw new InvalidParameter(`Parameter '${name}' is not in the GridSampler's search space (${this.names.join(', ')}); add it to the grid.`);
    }
    const id = ctx.trial.systemAttrs[GRID_ID] as number;
    const value = this.grid[id]![col]!;
    try {
      return toInternal(distribution, value);
    } catch {
      throw new InvalidParameter(`Parameter '${name}': grid value ${JSON.stringify(value)} does not fit ${JSON.stringify(distribution)}.`);
    }
  }
}

