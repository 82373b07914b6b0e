/**
 * @module PatientPruner (Optuna's rule): considers pruning only when the best value of the
 * last patience + 1 steps is worse than the best value before them by more than minDelta
 * (for minimize: best_before + minDelta < best_after); then asks the wrapped pruner, or
 * prunes if there is none.
 */
import { InvalidParameter } from '../../core/errors.js';
import type { Pruner, PruneDecisionContext, PrunerContext, PruneViewContext } from './pruner.js';
import type { PruneView } from './prune-view.js';

export interface PatientView {
  kind: 'patient';
  patience: number;
  minDelta: number;
  /** The wrapped pruner's view; null: prune whenever stalled. */
  inner: PruneView | null;
}

export class PatientPruner implements Pruner {
  /**
   * @example
   * const pruner = new PatientPruner(new MedianPruner(), 3); // prune only after 3 steps without progress
   */
  constructor(
    private readonly wrapped: Pruner | null,
    private readonly patience: number,
    private readonly minDelta = 0,
  ) {
    if (!(Number.isInteger(patience) && patience >= 0)) throw new InvalidParameter(`patience must be an integer >= 0, got ${patience}.`);
    if (!(minDelta >= 0)) throw new InvalidParameter(`minDelta must be >= 0, got ${minDelta}.`);
  }

  prune(ctx: PrunerContext): boolean {
    const view = { kind: 'patient', patience: this.patience, minDelta: this.minDelta, inner: null } as const;
    // The wrapped pruner sees the live context (its own prune), only when the trial has stalled.
    return decidePatient(view, ctx, () => (this.wrapped ? this.wrapped.prune(ctx) : true));
  }

  view(ctx: PruneViewContext): PatientView {
    if (this.wrapped && !this.wrapped.view) throw new InvalidParameter('PatientPruner: the wrapped pruner has no view(), so it cannot run in a remote worker.');
    return { kind: 'patient', patience: this.patience, minDelta: this.minDelta, inner: this.wrapped?.view ? this.wrapped.view(ctx) : null };
  }
}

/** Stalled for `patience` steps by more than `minDelta`? Then the wrapped rule (`inner`) decides. */
export function decidePatient(view: PatientView, ctx: PruneDecisionContext, inner: () => boolean): boolean {
  const iv = ctx.trial.intermediateValues;
  if (ctx.trial.lastStep === null) return false;
  const steps = [...iv.keys()].sort((a, b) => a - b);
  if (steps.length <= view.patience + 1) return false;
  const cut = steps.length - view.patience - 1;
  const maximize = ctx.study.directions[0] === 'maximize';
  const best = (xs: number[]) => {
    const v = xs.filter((x) => !Number.isNaN(x));
    return v.length === 0 ? Number.NaN : maximize ? Math.max(...v) : Math.min(...v);
  };
  const before = best(steps.slice(0, cut).map((s) => iv.get(s)!));
  const after = best(steps.slice(cut).map((s) => iv.get(s)!));
  const stalled = maximize ? before - view.minDelta > after : before + view.minDelta < after;
  if (!stalled) return false;
  return inner();
}
