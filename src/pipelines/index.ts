/**
 * @module Pipelines: typed TypeScript and YAML definitions compiled to one validated spec, the
 * Executor contract and its registry. (Scheduler, store and CLI land next; see
 * /work/coord/pipelines-api.md for what is stable.)
 *
 * @example
 * import { pipeline, defineStep, artifact, value } from 'trainyard/pipelines';
 */
export type { Artifact, Input, Inputs, ItemRef, JsonValue, OutputRef, ParamRef, Ref } from './definition/refs.js';
export { isRef } from './definition/refs.js';
export { defineStep, artifact, value, type ArtifactOutput, type ValueOutput, type OutputDecl, type OutputValues, type RunResult, type StepDefinition, type StepDefinitionOptions, type StepFactory, type StepInstance } from './definition/step-definition.js';
export { DoNotRetry, type StepContext, type StepLogger } from './definition/step-context.js';
export { pipeline, Pipeline, isPipeline, type StepHandle, type MapHandle, type StepOptions, type MapOptions, type RetryPolicy, type ParamRefs, type OutRefs, type CollectedRefs } from './definition/pipeline-builder.js';
export type { PipelineSpec, StepSpec, StepKubernetes, InputSpec, OutputSpec, ParamSpec, ParamType } from './definition/spec.js';
export { PipelineDefinitionError } from './definition/pipeline-error.js';
export { validateSpec, findCycle } from './definition/validate-spec.js';
export { parseCondition, evaluateCondition, type Condition } from './definition/condition.js';
export type { Executor, ExecutorContext, ExecutorFactory, StepTask, TaskEvents, TaskHandle, TaskInput, StartedInfo, StepOutcome, OutputValue, OrphanTask } from './executors/executor.js';
export { registerExecutor, registerLazyExecutor, executorFactory, executorNames } from './executors/registry.js';
import { registerLazyExecutor as lazyExecutor } from './executors/registry.js';
// `--executor kubernetes` loads @kubernetes/client-node only when a run asks for it.
lazyExecutor('kubernetes', () => import('./executors/kubernetes/index.js'));
export { compileTypeScript } from './definition/compile-typescript.js';
export { compileYaml } from './definition/compile-yaml.js';
export { loadPipelineFile, importPipeline, environmentDigest } from './definition/load-pipeline-file.js';
export { PipelineStore, TERMINAL_STEP, type RunRow, type StepRow, type RunStatus, type StepStatus, type ArtifactLink } from './store/pipeline-store.js';
export { PipelineScheduler, resolveParams, type SchedulerOptions, type StepEvent, type SubmitOptions } from './scheduler/scheduler.js';
export { LocalExecutor, collectOutputs } from './executors/local/local-executor.js';
export { runFunctionStep } from './runtime/run-function-step.js';
export { tailLog } from './runtime/step-log.js';
export { PipelinesService, runJson, type RunJson, type StepJson } from './service.js';
export { pipelineRoutes } from './routes.js';
export { pipelineEventRoutes } from './event-routes.js';
export { createPipelines, type Pipelines } from './create-pipelines.js';
export { PipelineSchedules, nextFire, type ScheduleJson } from './schedules/schedules.js';
// The built-in steps last: they import the definition API above through this file.
export * from './steps/index.js';
