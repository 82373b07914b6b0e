/**
 * @module getParamImportances: parameter importance for a finished study (PED-ANOVA).
 */
import { InvalidParameter } from '../../core/errors.js';
import type { FrozenTrial } from '../frozen-trial.js';
import type { Study } from '../study.js';
import { lossScore, pedAnovaImportances, type PedAnovaOptions } from './ped-anova.js';

export interface ParamImportanceOptions extends PedAnovaOptions {
  /** Score to rank trials by, smaller is better; required for multi-objective studies. */
  target?: (t: FrozenTrial) => number;
}

/**
 * Importance of each parameter (summing to 1, highest first) from the study's COMPLETE trials.
 *
 * @example
 * const imp = await getParamImportances(study); // { lr: 0.81, depth: 0.15, kind: 0.04 }
 */
export async function getParamImportances(study: Study, opts: ParamImportanceOptions = {}): Promise<Record<string, number>> {
  if (study.directions.length > 1 && !opts.target) throw new InvalidParameter('Multi-objective study: pass target (a function of the trial to rank by, smaller is better).');
  const score = opts.target ?? lossScore(study.direction);
  return pedAnovaImportances(await study.getTrials({ states: ['COMPLETE'] }), score, opts);
}
