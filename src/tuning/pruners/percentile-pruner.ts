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
import type { Pruner, PruneDecisionContext, PrunerContext, PruneViewContext } from './pruner.js';

/** The rule's settings plus, per step, the percentile of the COMPLETE trials' values there. */
export interface PercentileView {
  kind: 'percentile';
  nComplete: number;
  nStartupTrials: number;
  nWarmupSteps: number;
  intervalSteps: number;
  /** [step, percentile] for the steps where at least nMinTrials COMPLETE trials reported. */
  thresholds: [number, number][];
}

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
    const step = ctx.trial.lastStep;
    return decidePercentile(this.view({ study: ctx.study, trials: ctx.trials, trialNumber: ctx.trial.number, steps: step === null ? [] : [step] }), ctx);
  }

  view(ctx: PruneViewContext): PercentileView {
    const complete = ctx.trials.filter((t) => t.state === 'COMPLETE');
    const maximize = ctx.study.directions[0] === 'maximize';
    const byStep = new Map<number, number[]>();
    const wanted = ctx.steps ? new Set(ctx.steps) : null;
    for (const t of complete) {
      for (const [step, v] of t.intermediateValues) {
        if (wanted && !wanted.has(step)) continue;
        let list = byStep.get(step);
        if (!list) byStep.set(step, (list = []));
        list.push(v);
      }
    }
    const thresholds: [number, number][] = [];
    for (const [step, values] of byStep) {
      if (values.length < this.nMin) continue;
      const p = nanPercentile(values, maximize ? 100 - this.percentile : this.percentile);
      if (!Number.isNaN(p)) thresholds.push([step, p]);
    }
    thresholds.sort((a, b) => a[0] - b[0]);
    return { kind: 'percentile', nComplete: complete.length, nStartupTrials: this.nStartup, nWarmupSteps: this.nWarmup, intervalSteps: this.interval, thresholds };
  }
}

/** The rule of the module comment, with the other trials condensed into `view`. */
export function decidePercentile(view: PercentileView, ctx: PruneDecisionContext): boolean {
  if (view.nComplete === 0 || view.nComplete < view.nStartupTrials) return false;
  const trial = ctx.trial;
  const step = trial.lastStep;
  if (step === null || step < view.nWarmupSteps) return false;
  if (!isFirstInInterval(step, trial.intermediateValues.keys(), view.nWarmupSteps, view.intervalSteps)) return false;
  const maximize = ctx.study.directions[0] === 'maximize';
  const best = bestIntermediate(trial, maximize);
  if (Number.isNaN(best)) return true;
  const p = thresholdAt(view.thresholds, step);
  if (p === undefined) return false;
  return maximize ? best < p : best > p;
}

/** Binary search: thresholds are sorted by step. */
function thresholdAt(thresholds: readonly [number, number][], step: number): number | undefined {
  let lo = 0;
  let hi = thresholds.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const s = thresholds[mid]![0];
    if (s === step) return thresholds[mid]![1];
    if (s < step) lo = mid + 1;
    else hi = mid - 1;
  }
  return undefined;
}

function check(name: string, v: number, min: number): number {
  if (!Number.isInteger(v) || v < min) throw new InvalidParameter(`${name} must be an integer >= ${min}, got ${v}.`);
  return v;
}
