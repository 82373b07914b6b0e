/**
 * @module The built-in pipeline steps (validate -> features -> tune/train -> evaluate ->
 * register), each a plain function (`run*`) and a step (`*Step`), plus the math and transforms
 * they use.
 */
export * from './metrics/index.js';
export { readTable, writeTable, parseCsv, type Table, type Row, type Cell } from './data/table.js';
export { trainyardFetcher } from './data/artifact-fetcher.js';
export * from './validate/schema.js';
export { validateTable, validationMarkdown, type ValidationReport, type ColumnReport } from './validate/validate-table.js';
export { runValidateData, DataValidationError, type ValidateDataOptions } from './validate/validate-data.js';
export { fitTransform, loadTransform, loadTransformSync, transformFromJson, FittedTransform, type TransformSpec } from './features/transform.js';
export type { OpSpec } from './features/transform-ops.js';
export { stratifiedSplit, kFold, seededRandom } from './features/split.js';
export { readFeatureSet } from './features/feature-set.js';
export { runBuildFeatures, type FeatureSpec, type BuildFeaturesOptions } from './features/build-features.js';
export { trainLogistic, predictLogistic } from './train/logistic-regression.js';
export { loadModel, type LoadedModel } from './train/model-package.js';
export { runTrainModel, type TrainModelOptions } from './train/train-model.js';
export { runTuneModel, DEFAULT_SPACE, type SearchSpace, type TuneModelOptions } from './train/tune-model.js';
export { runEvaluateModel, type EvaluateModelOptions, type EvaluationReport, type Kpi } from './evaluate/evaluate.js';
export { runRegisterModel, splitGate, type RegisterModelOptions } from './register/register-model.js';
export type { BuiltinStep, BuiltinStepContext } from './step-context.js';
export { runStepsInOrder, type PlannedStep, type StepEvent, type SequentialRunResult } from './sequential-runner.js';
export { loadCommandPipeline, commandStep } from './command-pipeline.js';
export { validateData, buildFeatures, tuneModel, trainModel, evaluateModel, registerModel, launchTraining, BUILTIN_STEPS } from './builtin-steps.js';
export { runLaunchTraining, defaultJobId, type LaunchTrainingInputs, type LaunchTrainingResult } from './launch/launch-training.js';
export { runPipelineInOrder, artifactDigest } from './run-pipeline-in-order.js';
