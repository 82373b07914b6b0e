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
import type { Pruner, PrunerContext } from './pruner.js';

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
    const trial = ctx.trial;
    const step = trial.lastStep;
    if (step === null) return false;
    let rung = currentRung(trial);
    const value = trial.intermediateValues.get(step)!;
    const maximize = ctx.study.directions[0] === 'maximize';
    for (;;) {
      if (this.minResource === null) {
        this.minResource = estimateMinResource(ctx.trials);
        if (this.minResource === null) return false;
      }
      const promotionStep = this.minResource * this.eta ** (this.s + rung);
      if (step < promotionStep) return false;
      if (Number.isNaN(value)) return true;
      const key = rungKey(rung);
      ctx.setSystemAttr(key, value);
      const competing: number[] = [value];
      for (const t of ctx.trials) {
        const v = t.systemAttrs[key];
        if (typeof v === 'number') competing.push(v);
      }
      if (competing.length <= this.bootstrap) return true;
      if (!promotable(value, competing, this.eta, maximize)) return true;
      rung++;
    }
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

function promotable(value: number, competing: number[], eta: number, maximize: boolean): boolean {
  let idx = Math.floor(competing.length / eta) - 1;
  // Trials cannot be paused and resumed, so while fewer than eta trials reached the rung only
  // the best so far goes on.
  if (idx === -1) idx = 0;
  const sorted = competing.filter((v) => !Number.isNaN(v)).sort((a, b) => a - b);
  return maximize ? value >= sorted[sorted.length - 1 - idx]! : value <= sorted[idx]!;
}
