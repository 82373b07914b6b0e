/**
 * @module HyperbandPruner with Optuna's rules (reference section 4): brackets
 * b = 0 .. floor(log_eta(max / min)) are successive-halving pruners with
 * minEarlyStoppingRate b; a trial goes to a bracket by crc32("{study}_{number}") modulo the
 * total budget, bracket b's budget being ceil(B eta^(B-1-b) / (B-b)). Each bracket compares
 * only its own trials. `maxResource: 'auto'` waits for the first COMPLETE trial (last step + 1).
 */
import { InvalidParameter } from '../../core/errors.js';
import { crc32 } from '../crc32.js';
import type { Pruner, PruneDecisionContext, PrunerContext, PruneViewContext } from './pruner.js';
import { decideSuccessiveHalving, SuccessiveHalvingPruner, type SuccessiveHalvingView } from './successive-halving-pruner.js';

/** The trial's bracket and that bracket's successive-halving view; null before initialisation. */
export interface HyperbandView {
  kind: 'hyperband';
  bracket: number;
  inner: SuccessiveHalvingView | null;
}

export interface HyperbandOptions {
  minResource?: number;
  maxResource?: number | 'auto';
  reductionFactor?: number;
  bootstrapCount?: number;
}

const BRACKET = 'hyperband:bracket';

export class HyperbandPruner implements Pruner {
  private readonly minResource: number;
  private maxResource: number | null;
  private readonly eta: number;
  private readonly bootstrap: number;
  private pruners: SuccessiveHalvingPruner[] = [];
  private budgets: number[] = [];
  private totalBudget = 0;

  /**
   * @example
   * const study = await createStudy({ pruner: new HyperbandPruner({ minResource: 1, maxResource: 81, reductionFactor: 3 }) });
   */
  constructor(opts: HyperbandOptions = {}) {
    this.minResource = opts.minResource ?? 1;
    if (!(Number.isInteger(this.minResource) && this.minResource >= 1)) throw new InvalidParameter(`minResource must be an integer >= 1, got ${this.minResource}.`);
    const mr = opts.maxResource ?? 'auto';
    if (mr !== 'auto' && !(Number.isInteger(mr) && mr >= this.minResource)) throw new InvalidParameter(`maxResource must be 'auto' or an integer >= minResource, got ${String(mr)}.`);
    this.maxResource = mr === 'auto' ? null : mr;
    this.eta = opts.reductionFactor ?? 3;
    if (!(Number.isInteger(this.eta) && this.eta >= 2)) throw new InvalidParameter(`reductionFactor must be an integer >= 2, got ${this.eta}.`);
    this.bootstrap = opts.bootstrapCount ?? 0;
  }

  /** Number of brackets once initialised (0 before). */
  get nBrackets(): number {
    return this.pruners.length;
  }

  prune(ctx: PrunerContext): boolean {
    return decideHyperband(this.view({ study: ctx.study, trials: ctx.trials, trialNumber: ctx.trial.number }), ctx);
  }

  view(ctx: PruneViewContext): HyperbandView {
    if (this.pruners.length === 0) {
      this.initialise(ctx.trials);
      if (this.pruners.length === 0) return { kind: 'hyperband', bracket: 0, inner: null };
    }
    const b = this.bracketOf(ctx.study.name, ctx.trialNumber);
    const own = ctx.trials.filter((t) => this.bracketOf(ctx.study.name, t.number) === b);
    return { kind: 'hyperband', bracket: b, inner: this.pruners[b]!.view({ ...ctx, trials: own }) };
  }

  /** The bracket a trial number belongs to (0 before initialisation). */
  bracketOf(studyName: string, number: number): number {
    if (this.pruners.length === 0) return 0;
    let n = crc32(`${studyName}_${number}`) % this.totalBudget;
    for (let b = 0; b < this.budgets.length; b++) {
      n -= this.budgets[b]!;
      if (n < 0) return b;
    }
    return this.budgets.length - 1;
  }

  private initialise(trials: PruneViewContext['trials']): void {
    if (this.maxResource === null) {
      let last = -1;
      for (const t of trials) if (t.state === 'COMPLETE' && t.lastStep !== null) last = Math.max(last, t.lastStep);
      if (last < 0) return;
      this.maxResource = last + 1;
    }
    // Same float arithmetic as Python's int(math.log(max / min, eta)) + 1.
    const n = Math.floor(Math.log(this.maxResource / this.minResource) / Math.log(this.eta)) + 1;
    for (let b = 0; b < n; b++) {
      const s = n - 1 - b;
      const budget = Math.ceil((n * this.eta ** s) / (s + 1));
      this.budgets.push(budget);
      this.totalBudget += budget;
      this.pruners.push(new SuccessiveHalvingPruner({ minResource: this.minResource, reductionFactor: this.eta, minEarlyStoppingRate: b, bootstrapCount: this.bootstrap }));
    }
  }
}

/** Records the trial's bracket, then applies that bracket's successive halving. */
export function decideHyperband(view: HyperbandView, ctx: PruneDecisionContext): boolean {
  if (!view.inner) return false;
  if (ctx.trial.systemAttrs[BRACKET] !== view.bracket) ctx.setSystemAttr(BRACKET, view.bracket);
  return decideSuccessiveHalving(view.inner, ctx);
}
