/**
 * @module Hyperparameter tuning: studies, define-by-run trials, samplers, pruners and
 * parameter importance, on a pluggable async StudyStorage (in memory by default).
 *
 * @example
 * import { createStudy, TrialPruned } from './tuning/index.js';
 * const study = await createStudy({ name: 'adult-gbdt', direction: 'maximize', seed: 42 });
 * await study.optimize(async (trial) => {
 *   const lr = trial.suggestFloat('lr', 1e-4, 1, { log: true });
 *   const depth = trial.suggestInt('depth', 2, 12);
 *   let score = 0;
 *   for (let epoch = 0; epoch < 20; epoch++) {
 *     score = await trainOneEpoch(lr, depth);
 *     trial.report(score, epoch);
 *     if (trial.shouldPrune()) throw new TrialPruned();
 *   }
 *   return score;
 * }, { nTrials: 100, concurrency: 4 });
 * console.log((await study.bestTrial()).params);
 */
export { createStudy, deleteStudy, loadStudy, type CreateStudyOptions, type LoadStudyOptions } from './create-study.js';
export { Study, type StudyOptions, type TellOptions } from './study.js';
export { Trial } from './trial.js';
export { TrialPruned } from './trial-pruned.js';
export type { Objective, OptimizeOptions } from './optimize.js';
export type { TrialInput } from './trial-input.js';
export { FrozenTrial, SystemAttr, TrialState, isFinished, type FrozenTrialData, type JsonValue, type StudyDirection } from './frozen-trial.js';
export {
  categoricalDistribution,
  floatDistribution,
  intDistribution,
  type CategoricalChoice,
  type CategoricalDistribution,
  type Distribution,
  type FloatDistribution,
  type IntDistribution,
  type NumericDistribution,
  type ParamValue,
} from './distributions.js';
export type { FinishTrial, NewStudy, NewTrial, StoredParam, StudyRecord, StudyStorage, TrialPatch } from './storage.js';
export { InMemoryStudyStorage, type InMemoryStudyStorageOptions } from './in-memory-storage.js';
// Persistence, the server-side service and its HTTP routes (no driver is loaded by these imports).
export { SqlStudyStorage, type SqlStudyStorageOptions } from './sql-study-storage.js';
export { StudyService, type StudyServiceOptions, type CreateStudyInput, type StudySummary } from './service/study-service.js';
export { tuningRoutes } from './routes.js';
export { trialJson, studyJson, parseDistribution } from './study-json.js';

export type { Sampler, SamplerContext, SearchSpace, StudyInfo, TrialView } from './samplers/sampler.js';
export { RandomSampler } from './samplers/random-sampler.js';
export { GridSampler } from './samplers/grid-sampler.js';
export { QMCSampler, type QMCSamplerOptions, type QmcType } from './samplers/qmc-sampler.js';
export { TPESampler, type TPESamplerOptions } from './samplers/tpe-sampler.js';
export { defaultGamma, defaultWeights, hyperoptGamma } from './samplers/tpe-split.js';
export { CmaEsSampler, type CmaEsSamplerOptions } from './samplers/cmaes-sampler.js';
export { NSGAIISampler, type NSGAIISamplerOptions } from './samplers/nsga2-sampler.js';
export { AutoSampler, type AutoSamplerOptions } from './samplers/auto-sampler.js';

export type { Pruner, PrunerContext, PruneDecisionContext, PruneViewContext } from './pruners/pruner.js';
export { decidePrune, reviveView, viewJson, type PruneView } from './pruners/prune-view.js';
export { NopPruner } from './pruners/nop-pruner.js';
export { PercentilePruner, type PercentilePrunerOptions } from './pruners/percentile-pruner.js';
export { MedianPruner } from './pruners/median-pruner.js';
export { SuccessiveHalvingPruner, type SuccessiveHalvingOptions } from './pruners/successive-halving-pruner.js';
export { HyperbandPruner, type HyperbandOptions } from './pruners/hyperband-pruner.js';
export { PatientPruner } from './pruners/patient-pruner.js';
export { ThresholdPruner, type ThresholdPrunerOptions } from './pruners/threshold-pruner.js';

export { getParamImportances, IMPORTANCE_EVALUATORS, type ImportanceEvaluator, type ParamImportanceOptions } from './importance/param-importances.js';
export { fanovaImportances, type FanovaOptions } from './importance/fanova.js';
export { pedAnovaImportances, type PedAnovaOptions } from './importance/ped-anova.js';
export { hypervolume } from './hypervolume.js';
export { AppError, InvalidParameter, InvalidState, NotFound, AlreadyExists } from '../core/errors.js';
export { runTrialLoop, isCaught, errorText, type TrialLoopLimits } from './trial-loop.js';
