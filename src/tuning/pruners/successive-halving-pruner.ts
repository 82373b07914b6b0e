/**
 * @module SuccessiveHalvingPruner: asynchronous successive halving (ASHA) with Optuna's exact
 * rules (reference section 4). Rung r is passed at step minResource * eta^(s + r) (s =
 * minEarlyStoppingRate). A report at or past the trial's current rung records the value as
 * `completed_rung_r`; the trial continues only if that value is within the top
 * floor(n / eta) of all trials' values at that rung (itself included), or, while that is
 * zero, the best so far. One report can pass several rungs. NaN is pruned.
 */
import { InvalidParameter } from '../../core/errors.js';
import type { FrozenTrial } from '../frozen-trial.js';
import type { Pruner, PruneDecisionContext, PrunerContext, PruneViewContext } from './pruner.js';

/**
 * Per rung r, what promotion there needs of the other trials: how many recorded a value at r
 * (`n`) and the value a trial must match or beat to stay in the top floor((n + 1) / eta)
 * (`threshold`; null when no other trial reached r, so the trial is the best there). Rungs past
 * the array were reached by no other trial.
 */
export interface SuccessiveHalvingView {
  kind: 'successive_halving';
  /** null while 'auto' has no COMPLETE trial to estimate it from (nothing is pruned yet). */
  minResource: number | null;
  reductionFactor: number;
  minEarlyStoppingRate: number;
  bootstrapCount: number;
  rungs: { n: number; threshold: number | null }[];
}

export interface SuccessiveHalvingOptions {
  /** Steps before the first rung, or 'auto': max(1, floor(max last step of COMPLETE trials / 100)). */
  minResource?: number | 'auto';
  /** eta (default 4). */
  reductionFactor?: number;
  /** s (default 0). */
  minEarlyStoppingRate?: number;
  /** Prune until a rung holds more than this many values (default 0). */
  bootstrapCount?: number;
}

export const rungKey = (rung: number): string => `completed_rung_${rung}`;

export class SuccessiveHalvingPruner implements Pruner {
  private minResource: number | null;
  private readonly eta: number;
  private readonly s: number;
  private readonly bootstrap: number;

  /**
   * @example
   * const study = await createStudy({ pruner: new SuccessiveHalvingPruner({ minResource: 1, reductionFactor: 3 }) });
   */
  constructor(opts: SuccessiveHalvingOptions = {}) {
    const mr = opts.minResource ?? 'auto';
    if (mr !== 'auto' && !(Number.isInteger(mr) && mr >= 1)) throw new InvalidParameter(`minResource must be 'auto' or an integer >= 1, got ${String(mr)}.`);
    this.minResource = mr === 'auto' ? null : mr;
    this.eta = opts.reductionFactor ?? 4;
    if (!(Number.isInteger(this.eta) && this.eta >= 2)) throw new InvalidParameter(`reductionFactor must be an integer >= 2, got ${this.eta}.`);
    this.s = opts.minEarlyStoppingRate ?? 0;
    if (!(Number.isInteger(this.s) && this.s >= 0)) throw new InvalidParameter(`minEarlyStoppingRate must be an integer >= 0, got ${this.s}.`);
    this.bootstrap = opts.bootstrapCount ?? 0;
    if (!(Number.isInteger(this.bootstrap) && this.bootstrap >= 0)) throw new InvalidParameter(`bootstrapCount must be an integer >= 0, got ${this.bootstrap}.`);
    if (this.bootstrap > 0 && mr === 'auto') throw new InvalidParameter('bootstrapCount > 0 needs an explicit minResource.');
  }

  prune(ctx: PrunerContext): boolean {
    return decideSuccessiveHalving(this.view({ study: ctx.study, trials: ctx.trials, trialNumber: ctx.trial.number }), ctx);
  }

  view(ctx: PruneViewContext): SuccessiveHalvingView {
    // 'auto' is estimated once, from the first COMPLETE trial seen, and kept (Optuna's rule).
    if (this.minResource === null) this.minResource = estimateMinResource(ctx.trials);
    const maximize = ctx.study.directions[0] === 'maximize';
    const byRung: number[][] = [];
    for (const t of ctx.trials) {
      for (let r = 0; ; r++) {
        const v = t.systemAttrs[rungKey(r)];
        if (v === undefined) break;
        if (typeof v !== 'number') continue;
        (byRung[r] ??= []).push(v);
      }
    }
    const rungs = Array.from(byRung, (values = []) => {
      const n = values.length;
      // The trial's own value joins the n others: it stays when it is at or above position idx.
      let idx = Math.floor((n + 1) / this.eta) - 1;
      // Trials cannot be paused and resumed, so while fewer than eta trials reached the rung only
      // the best so far goes on.
      if (idx === -1) idx = 0;
      const sorted = values.filter((v) => !Number.isNaN(v)).sort((a, b) => (maximize ? b - a : a - b));
      return { n, threshold: idx < sorted.length ? sorted[idx]! : null };
    });
    return { kind: 'successive_halving', minResource: this.minResource, reductionFactor: this.eta, minEarlyStoppingRate: this.s, bootstrapCount: this.bootstrap, rungs };
  }
}

/** The rule of the module comment, with the other trials condensed into `view`. */
export function decideSuccessiveHalving(view: SuccessiveHalvingView, ctx: PruneDecisionContext): boolean {
  const trial = ctx.trial;
  const step = trial.lastStep;
  if (step === null || view.minResource === null) return false;
  const value = trial.intermediateValues.get(step)!;
  const maximize = ctx.study.directions[0] === 'maximize';
  for (let rung = currentRung(trial); ; rung++) {
    const promotionStep = view.minResource * view.reductionFactor ** (view.minEarlyStoppingRate + rung);
    if (step < promotionStep) return false;
    if (Number.isNaN(value)) return true;
    ctx.setSystemAttr(rungKey(rung), value);
    const { n, threshold } = view.rungs[rung] ?? { n: 0, threshold: null };
    if (n + 1 <= view.bootstrapCount) return true;
    if (threshold !== null && !(maximize ? value >= threshold : value <= threshold)) return true;
  }
}

function currentRung(t: FrozenTrial): number {
  let r = 0;
  while (rungKey(r) in t.systemAttrs) r++;
  return r;
}

function estimateMinResource(trials: readonly FrozenTrial[]): number | null {
  let last = -1;
  for (const t of trials) if (t.state === 'COMPLETE' && t.lastStep !== null) last = Math.max(last, t.lastStep);
  return last < 0 ? null : Math.max(Math.floor(last / 100), 1);
}
