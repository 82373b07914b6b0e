/**
 * @module ThresholdPruner (Optuna's rule): prunes when the last value is NaN or outside
 * [lower, upper], after nWarmupSteps and on the first report of each interval window.
 */
import { InvalidParameter } from '../../core/errors.js';
import { isFirstInInterval } from './percentile-pruner.js';
import type { Pruner, PruneDecisionContext, PrunerContext } from './pruner.js';

export interface ThresholdView {
  kind: 'threshold';
  lower: number;
  upper: number;
  nWarmupSteps: number;
  intervalSteps: number;
}

export interface ThresholdPrunerOptions {
  lower?: number;
  upper?: number;
  nWarmupSteps?: number;
  intervalSteps?: number;
}

export class ThresholdPruner implements Pruner {
  private readonly lower: number;
  private readonly upper: number;
  private readonly warmup: number;
  private readonly interval: number;

  constructor(opts: ThresholdPrunerOptions) {
    if (opts.lower === undefined && opts.upper === undefined) throw new InvalidParameter('ThresholdPruner needs lower or upper.');
    this.lower = opts.lower ?? -Infinity;
    this.upper = opts.upper ?? Infinity;
    if (this.lower > this.upper) throw new InvalidParameter(`lower (${this.lower}) must be <= upper (${this.upper}).`);
    this.warmup = opts.nWarmupSteps ?? 0;
    this.interval = opts.intervalSteps ?? 1;
  }

  prune(ctx: PrunerContext): boolean {
    return decideThreshold(this.view(), ctx);
  }

  /** Needs nothing of other trials: the view is the settings. */
  view(): ThresholdView {
    return { kind: 'threshold', lower: this.lower, upper: this.upper, nWarmupSteps: this.warmup, intervalSteps: this.interval };
  }
}

export function decideThreshold(view: ThresholdView, ctx: PruneDecisionContext): boolean {
  const step = ctx.trial.lastStep;
  if (step === null || step < view.nWarmupSteps) return false;
  if (!isFirstInInterval(step, ctx.trial.intermediateValues.keys(), view.nWarmupSteps, view.intervalSteps)) return false;
  const v = ctx.trial.intermediateValues.get(step)!;
  return Number.isNaN(v) || v < view.lower || v > view.upper;
}
