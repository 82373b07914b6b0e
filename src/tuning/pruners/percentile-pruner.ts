/**
 * @module PercentilePruner (Optuna's exact rule, reference section 4). At the trial's last
 * reported step s it prunes when all hold:
 * - at least nStartupTrials COMPLETE trials exist;
 * - s >= nWarmupSteps, and s is the first reported step of its interval window
 *   floor((s - warmup) / intervalSteps);
 * - at least nMinTrials COMPLETE trials reported a value at exactly step s;
 * - the trial's best value so far (NaNs ignored) is worse than the p-th percentile of those
 *   values (linear interpolation, as numpy; for maximize the (100 - p)-th).
 * A trial whose every report is NaN is pruned.
 */
import { InvalidParameter } from '../../core/errors.js';
import type { FrozenTrial } from '../frozen-trial.js';
import type { Pruner, PrunerContext } from './pruner.js';

export interface PercentilePrunerOptions {
  nStartupTrials?: number;
  nWarmupSteps?: number;
  intervalSteps?: number;
  nMinTrials?: number;
}

/** numpy.nanpercentile with linear interpolation; NaN when no finite-or-infinite value. */
export function nanPercentile(values: readonly number[], p: number): number {
  const v = values.filter((x) => !Number.isNaN(x)).sort((a, b) => a - b);
  if (v.length === 0) return Number.NaN;
  const rank = (p / 100) * (v.length - 1);
  const lo = Math.floor(rank);
  const hi = Math.ceil(rank);
  if (lo === hi) return v[lo]!;
  // numpy's lerp: a + (b - a) * t; avoid inf - inf.
  return v[lo] === v[hi] ? v[lo]! : v[lo]! + (v[hi]! - v[lo]!) * (rank - lo);
}

export function isFirstInInterval(step: number, steps: Iterable<number>, warmup: number, interval: number): boolean {
  const nearestLowerPruningStep = Math.floor((step - warmup) / interval) * interval + warmup;
  const sorted = [...steps].sort((a, b) => a - b);
  const secondLast = sorted.length >= 2 ? sorted[sorted.length - 2]! : -1;
  return secondLast < nearestLowerPruningStep;
}

/** Best intermediate value over all steps (nanmin / nanmax); NaN when all are NaN. */
export function bestIntermediate(t: FrozenTrial, maximize: boolean): number {
  let best = Number.NaN;
  for (const v of t.intermediateValues.values()) {
    if (Number.isNaN(v)) continue;
    if (Number.isNaN(best) || (maximize ? v > best : v < best)) best = v;
  }
  return best;
}

export class PercentilePruner implements Pruner {
  private readonly percentile: number;
  private readonly nStartup: number;
  private readonly nWarmup: number;
  private readonly interval: number;
  private readonly nMin: number;

  /**
   * @example
   * const pruner = new PercentilePruner(25, { nStartupTrials: 5, nWarmupSteps: 3 }); // keep the top quarter
   */
  constructor(percentile: number, opts: PercentilePrunerOptions = {}) {
    if (!(percentile >= 0 && percentile <= 100)) throw new InvalidParameter(`percentile must be in [0, 100], got ${percentile}.`);
    this.percentile = percentile;
    this.nStartup = check('nStartupTrials', opts.nStartupTrials ?? 5, 0);
    this.nWarmup = check('nWarmupSteps', opts.nWarmupSteps ?? 0, 0);
    this.interval = check('intervalSteps', opts.intervalSteps ?? 1, 1);
    this.nMin = check('nMinTrials', opts.nMinTrials ?? 1, 1);
  }

  prune(ctx: PrunerContext): boolean {
    const complete = ctx.trials.filter((t) => t.state === 'COMPLETE');
    if (complete.length === 0 || complete.length < this.nStartup) return false;
    const trial = ctx.trial;
    const step = trial.lastStep;
    if (step === null || step < this.nWarmup) return false;
    if (!isFirstInInterval(step, trial.intermediateValues.keys(), this.nWarmup, this.interval)) return false;
    const maximize = ctx.study.directions[0] === 'maximize';
    const best = bestIntermediate(trial, maximize);
    if (Number.isNaN(best)) return true;
    const atStep: number[] = [];
    for (const t of complete) {
      const v = t.intermediateValues.get(step);
      if (v !== undefined) atStep.push(v);
    }
    if (atStep.length < this.nMin) return false;
    const p = nanPercentile(atStep, maximize ? 100 - this.percentile : this.percentile);
    if (Number.isNaN(p)) return false;
    return maximize ? best < p : best > p;
  }
}

function check(name: string, v: number, min: number): number {
  if (!Number.isInteger(v) || v < min) throw new InvalidParameter(`${name} must be an integer >= ${min}, got ${v}.`);
  return v;
}
