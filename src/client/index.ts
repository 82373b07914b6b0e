/**
 * @module The `trainyard` package's main entry: the TypeScript SDK.
 * @example
 * import { Trainyard } from 'trainyard';
 * const ty = new Trainyard({ uri: 'http://127.0.0.1:5000' });
 */
export { Trainyard, type TrainyardOptions, type RunOptions } from './trainyard.js';
export { ActiveRun, type LogDatasetOptions } from './active-run.js';
export { Models, type LogModelOptions, type LoadOptions, type ModelPackageInfo } from './models.js';
export { IntegrityError, type ModelSignature, type SchemaField } from '../registry/package/index.js';
export type { ModelVersion, RegisteredModel, Lineage, PromotionJson } from '../registry/index.js';
export { Studies, Study, Trial, TrialPruned, type CreateStudyOptions, type StudyInfo, type TellOptions, type ComponentRef } from './studies.js';
export type { Objective, OptimizeOptions } from './study-optimize.js';
export { FrozenTrial, floatDistribution, intDistribution, categoricalDistribution, type Distribution, type ParamValue, type StudyDirection, type TrialState } from '../tuning/index.js';
export { connect, type Connection, type ConnectOptions } from './connect.js';
export { profileDataset, type DatasetProfile } from './dataset/profile-dataset.js';
export type { CaptureOptions } from './capture/run-context.js';
export type { LogBufferOptions } from './log-buffer.js';
export { AppError, InvalidParameter, NotFound } from '../core/errors.js';
export type { Run, RunInfo, Experiment, Metric } from '../tracking/entities.js';
export type { LaunchInput, LaunchResult, Job, JobEvent, JobState } from '../launch/index.js';
export { Pipelines, type PipelineRunOptions } from './pipelines.js';
