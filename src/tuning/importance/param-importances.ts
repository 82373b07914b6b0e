/**
 * @module getParamImportances: parameter importance for a finished study, by PED-ANOVA (the
 * default, as in optuna-dashboard: O(n), cheap enough to recompute on every page view) or
 * fANOVA (Optuna's library default: a random forest, better at interactions, costlier).
 */
import { InvalidParameter } from '../../core/errors.js';
import type { FrozenTrial } from '../frozen-trial.js';
import type { Study } from '../study.js';
import { fanovaImportances, type FanovaOptions } from './fanova.js';
import { lossScore, pedAnovaImportances, type PedAnovaOptions } from './ped-anova.js';

export type ImportanceEvaluator = 'ped-anova' | 'fanova';
export const IMPORTANCE_EVALUATORS: readonly ImportanceEvaluator[] = ['ped-anova', 'fanova'];

export interface ParamImportanceOptions extends PedAnovaOptions, FanovaOptions {
  /** Which algorithm (default 'ped-anova'); each reads only its own options. */
  evaluator?: ImportanceEvaluator;
  /** Score to rank trials by, smaller is better; required for multi-objective studies. */
  target?: (t: FrozenTrial) => number;
}

/**
 * Importance of each parameter (summing to 1, highest first) from the study's COMPLETE trials.
 *
 * @example
 * const imp = await getParamImportances(study); // { lr: 0.81, depth: 0.15, kind: 0.04 }
 * const fan = await getParamImportances(study, { evaluator: 'fanova' });
 */
export async function getParamImportances(study: Study, opts: ParamImportanceOptions = {}): Promise<Record<string, number>> {
  const evaluator = opts.evaluator ?? 'ped-anova';
  // Checked at run time too: the HTTP route passes a user's string through.
  if (!IMPORTANCE_EVALUATORS.includes(evaluator)) throw new InvalidParameter(`Unknown importance evaluator '${String(evaluator)}'; use one of ${IMPORTANCE_EVALUATORS.map((e) => `'${e}'`).join(', ')}.`);
  if (study.directions.length > 1 && !opts.target) throw new InvalidParameter('Multi-objective study: pass target (a function of the trial to rank by, smaller is better).');
  const score = opts.target ?? lossScore(study.direction);
  const trials = await study.getTrials({ states: ['COMPLETE'] });
  return evaluator === 'fanova' ? fanovaImportances(trials, score, opts) : pedAnovaImportances(trials, score, opts);
}
