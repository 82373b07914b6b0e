/** @module MedianPruner: the PercentilePruner at p = 50 (Optuna's default pruner). */
import { PercentilePruner, type PercentilePrunerOptions } from './percentile-pruner.js';

export class MedianPruner extends PercentilePruner {
  /**
   * @example
   * const study = await createStudy({ pruner: new MedianPruner({ nStartupTrials: 5, nWarmupSteps: 2 }) });
   */
  constructor(opts: PercentilePrunerOptions = {}) {
    super(50, opts);
  }
}
