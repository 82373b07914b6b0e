/**
 * @module The built-in steps declared with the pipelines API (`defineStep`), for
 * `p.step('validate', validateData({...}))`. Each wraps its plain function; artifact inputs may be
 * an earlier step's `Artifact` or a plain path. A validation ERROR or a bad input is `DoNotRetry`.
 */
import { artifact, defineStep, DoNotRetry, value, type Artifact, type StepDefinition } from '../index.js';
import { AppError } from '../../core/errors.js';
import type { Table } from './data/table.js';
import type { FeatureSpec } from './features/build-features.js';
import { runBuildFeatures } from './features/build-features.js';
import { runEvaluateModel, type Kpi } from './evaluate/evaluate.js';
import { runRegisterModel } from './register/register-model.js';
import { runLaunchTraining, type LaunchTrainingInputs } from './launch/launch-training.js';
import { VERSION_TAG_PIPELINE_DEFINITION, VERSION_TAG_PIPELINE_NAME, VERSION_TAG_PIPELINE_RUN, VERSION_TAG_PIPELINE_STEP } from '../../registry/index.js';
import type { StepRun } from './step-run.js';
import { runTrainModel } from './train/train-model.js';
import type { LogisticParams } from './train/logistic-regression.js';
import { runTuneModel, type SearchSpace } from './train/tune-model.js';
import type { DataSchema } from './validate/schema.js';
import type { ReadTableOptions } from './data/table.js';
import { runValidateData } from './validate/validate-data.js';

type PathLike<K extends string> = string | Artifact<K>;
const pathOf = (a: PathLike<string>): string => (typeof a === 'string' ? a : a.path);

/** Bad input and failed checks are not worth a retry. */
async function noRetry<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    // By code too: a pipeline file loaded from source brings its own copy of AppError.
    if ((e instanceof AppError || (e as { name?: string })?.name === 'DataValidationError') && (e as { code?: string }).code === 'INVALID_PARAMETER_VALUE') throw Object.assign(new DoNotRetry((e as Error).message), { cause: e });
    throw e;
  }
}

export const validateData = defineStep({
  id: 'trainyard.validateData', version: '1',
  outputs: { table: artifact('table'), report: artifact('validation-report'), status: value<string>(), warnings: value<number>() },
  async run(inputs: { source: PathLike<'table'> | Table; schema: DataSchema; reference?: PathLike<'table'> | Table; read?: ReadTableOptions }, ctx) {
    const src = (v: PathLike<'table'> | Table) => (typeof v === 'object' && 'rows' in v ? v : pathOf(v));
    const res = await noRetry(async () => runValidateData({
      source: src(inputs.source), schema: inputs.schema, ...(inputs.reference !== undefined ? { reference: src(inputs.reference) } : {}),
      ...(inputs.read ? { read: inputs.read } : {}), outDir: ctx.outputPath('report'),
    }, (await ctx.run()) as StepRun));
    for (const c of res.report.columns.filter((c) => c.status === 'warn')) ctx.log.warn(`${c.column}: ${c.findings.map((f) => f.message).join('; ')}`);
    return { table: res.tablePath, status: res.report.status, warnings: res.report.warnings };
  },
});

export const buildFeatures = defineStep({
  id: 'trainyard.buildFeatures', version: '1',
  outputs: { train: artifact('features'), test: artifact('features'), transform: artifact('transform'), transformDigest: value<string>() },
  async run(inputs: { table: PathLike<'table'>; spec: FeatureSpec; split: { test: number; seed: number; stratify?: boolean } }, ctx) {
    const res = await noRetry(async () => runBuildFeatures({ table: pathOf(inputs.table), spec: inputs.spec, split: inputs.split, outDir: ctx.outputPath('features') }, (await ctx.run()) as StepRun));
    ctx.log.info(`${res.meta.rows} training rows, ${res.transform.names.length} features, transform ${res.transform.digest.slice(0, 12)}`);
    return { train: res.train, test: res.test, transform: res.transformPath, transformDigest: res.transform.digest };
  },
});

export const tuneModel = defineStep({
  id: 'trainyard.tuneModel', version: '1',
  outputs: { best: artifact('model'), modelUri: value<string>(), bestValue: value<number>(), study: value<string>() },
  async run(inputs: { train: PathLike<'features'>; space?: SearchSpace; trials: number; seed?: number; experiment?: string; concurrency?: number }, ctx) {
    const run = (await ctx.run()) as StepRun;
    const res = await noRetry(() => runTuneModel(ctx.trainyard, {
      train: pathOf(inputs.train), trials: inputs.trials, experiment: inputs.experiment ?? ctx.pipeline, parentRunId: run.id, outDir: ctx.outputPath('tuning'),
      ...(inputs.space ? { space: inputs.space } : {}), ...(inputs.seed !== undefined ? { seed: inputs.seed } : {}), ...(inputs.concurrency ? { concurrency: inputs.concurrency } : {}),
      study: `${ctx.pipeline}-${ctx.step}-${ctx.pipelineRunId}`,
      onTrial: (n, v, s) => ctx.log.info(`trial ${String(n).padStart(2)} ${s.padEnd(8)}${v !== undefined ? ` val_auc ${v.toFixed(4)}` : ''}`),
    }, run));
    return { best: res.modelDir, modelUri: res.modelUri!, bestValue: res.bestValue, study: res.study };
  },
});

export const trainModel = defineStep({
  id: 'trainyard.trainModel', version: '1',
  outputs: { model: artifact('model'), modelUri: value<string>(), valAuc: value<number>() },
  async run(inputs: { train: PathLike<'features'>; params?: Partial<LogisticParams>; validation?: number }, ctx) {
    const res = await noRetry(async () => runTrainModel({ train: pathOf(inputs.train), ...(inputs.params ? { params: inputs.params } : {}), ...(inputs.validation !== undefined ? { validation: inputs.validation } : {}), outDir: ctx.outputPath('training') }, (await ctx.run()) as StepRun));
    return { model: res.modelDir, modelUri: res.modelUri!, valAuc: res.valAuc };
  },
});

export const evaluateModel = defineStep({
  id: 'trainyard.evaluateModel', version: '1',
  outputs: { report: artifact('evaluation-report'), reportUri: value<string>(), metrics: value<Record<string, number>>() },
  async run(inputs: { model: PathLike<'model'>; holdout: PathLike<'features'>; sensitive?: string[]; slices?: string[]; kpis?: Record<string, Kpi>; threshold?: number; title?: string }, ctx) {
    const run = (await ctx.run()) as StepRun;
    const { model, holdout, ...rest } = inputs;
    const res = await noRetry(() => runEvaluateModel({ ...rest, model: pathOf(model), holdout: pathOf(holdout), outDir: ctx.outputPath('report') }, run));
    const m = res.metrics;
    ctx.log.info(m.auc !== undefined ? `holdout AUC ${m.auc.toFixed(3)}, worst DI ratio ${m.di_ratio!.toFixed(3)}` : `holdout RMSE ${m.rmse!.toFixed(3)}, R² ${m.r2!.toFixed(3)}`);
    return { reportUri: `runs:/${run.id}/report/report.html`, metrics: res.metrics };
  },
});

export const registerModel = defineStep({
  id: 'trainyard.registerModel', version: '1',
  // The key covers the model URI, its metrics and the gate: a hit means "already registered as
  // version N with this request", so reruns do not pile up identical versions.
  outputs: { version: value<string>(), promotion: value<string | null>(), gatesPassed: value<boolean>() },
  async run(inputs: { name: string; modelUri: string; metrics: Record<string, number>; reportUri?: string; gate?: string; alias?: string | null; comment?: string; user?: string }, ctx) {
    // The version remembers which pipeline run and step registered it (the registry's lineage reads these).
    const versionTags: Record<string, string> = { [VERSION_TAG_PIPELINE_RUN]: ctx.pipelineRunId, [VERSION_TAG_PIPELINE_STEP]: ctx.step, [VERSION_TAG_PIPELINE_NAME]: ctx.pipeline };
    if (ctx.definitionHash) versionTags[VERSION_TAG_PIPELINE_DEFINITION] = ctx.definitionHash;
    const res = await noRetry(() => runRegisterModel(ctx.trainyard, { ...inputs, versionTags }));
    for (const g of res.promotion?.gate_results ?? []) ctx.log[g.passed ? 'info' : 'warn'](`gate ${g.gate}: ${g.passed ? 'passed' : 'FAILED'} (${g.value ?? 'not logged'})`);
    return { version: res.version.version, promotion: res.promotion?.request_id ?? null, gatesPassed: res.gatesPassed };
  },
});

export const launchTraining = defineStep({
  id: 'trainyard.launchTraining', version: '1',
  // A training script's code is not in the key (only its command line): always run it.
  cache: false,
  outputs: { jobId: value<string>(), runId: value<string>(), state: value<string>(), attempts: value<number>(), restarts: value<number>() },
  async run(inputs: LaunchTrainingInputs, ctx) {
    return noRetry(() => runLaunchTraining(inputs, ctx));
  },
});

/** Built-in steps by id: what a YAML pipeline's `launch:` block (and any built-in step without a TypeScript file) runs. */
export const BUILTIN_STEPS: Record<string, StepDefinition> = {
  [launchTraining.definition.id]: launchTraining.definition as StepDefinition,
};
