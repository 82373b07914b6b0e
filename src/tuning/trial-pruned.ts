/**
 * @module Control-flow error an objective throws to stop a trial early.
 */

/**
 * Throw from an objective when `trial.shouldPrune()` says so; `optimize` records the trial
 * as PRUNED (value: its last intermediate value) and moves on. Not an AppError: it is not a
 * failure and never reaches HTTP.
 *
 * @example
 * if (trial.shouldPrune()) throw new TrialPruned();
 */
export class TrialPruned extends Error {
  constructor(message = 'Trial was pruned.') {
    super(message);
    this.name = 'TrialPruned';
  }
}
