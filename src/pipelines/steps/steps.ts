/**
 * @module The built-in steps as pipeline steps: each wraps its plain function (runValidateData,
 * runBuildFeatures, runTuneModel, runTrainModel, runEvaluateModel, runRegisterModel) with the
 * step context: outputs go to `ctx.outputPath(...)`, logging to the step's tracking run.
 */
import { DataValidationError, runValidateData, type ValidateDataOptions } from './validate/validate-data.js';
import { runBuildFeatures, type BuildFeaturesOptions } from './features/build-features.js';
import { runTuneModel, type TuneModelOptions } from './train/tune-model.js';
import { runTrainModel, type TrainModelOptions } from './train/train-model.js';
import { runEvaluateModel, type EvaluateModelOptions } from './evaluate/evaluate.js';
import { runRegisterModel, type RegisterModelOptions } from './register/register-model.js';
import type { BuiltinStep } from './step-context.js';

export { DataValidationError };

type Without<T, K extends keyof T> = Omit<T, K>;

export const validateDataStep: BuiltinStep<Without<ValidateDataOptions, 'outDir'>, { table: string; report: string; status: string; warnings: number }> = {
  id: 'trainyard.validateData', version: '1', outputs: { table: 'artifact', report: 'artifact', status: 'value', warnings: 'value' },
  async run(inputs, ctx) {
    const outDir = ctx.outputPath('report');
    const res = await runValidateData({ ...inputs, outDir }, await ctx.run());
    for (const c of res.report.columns.filter((c) => c.status === 'warn')) ctx.log.warn(`${c.column}: ${c.findings.map((f) => f.message).join('; ')}`);
    return { table: res.tablePath, report: outDir, status: res.report.status, warnings: res.report.warnings };
  },
};

export const buildFeaturesStep: BuiltinStep<Without<BuildFeaturesOptions, 'outDir'>, { train: string; test: string; transform: string; transformDigest: string }> = {
  id: 'trainyard.buildFeatures', version: '1', outputs: { train: 'artifact', test: 'artifact', transform: 'artifact', transformDigest: 'value' },
  async run(inputs, ctx) {
    const res = await runBuildFeatures({ ...inputs, outDir: ctx.outputPath('features') }, await ctx.run());
    ctx.log.info(`${res.meta.rows} training rows, ${res.transform.names.length} features, transform ${res.transform.digest.slice(0, 12)}`);
    return { train: res.train, test: res.test, transform: res.transformPath, transformDigest: res.transform.digest };
  },
};

export const tuneModelStep: BuiltinStep<Without<TuneModelOptions, 'outDir' | 'experiment' | 'parentRunId'> & { experiment?: string }, { best: string; modelUri: string; bestValue: number; study: string }> = {
  id: 'trainyard.tuneModel', version: '1', outputs: { best: 'artifact', modelUri: 'value', bestValue: 'value', study: 'value' },
  async run(inputs, ctx) {
    const run = await ctx.run();
    const res = await runTuneModel(ctx.trainyard, {
      ...inputs, experiment: inputs.experiment ?? 'pipelines', parentRunId: run.id, outDir: ctx.outputPath('tuning'),
      onTrial: (n, v, s) => { inputs.onTrial?.(n, v, s); ctx.log.info(`trial ${n}: ${s}${v !== undefined ? ` val_auc=${v.toFixed(4)}` : ''}`); },
    }, run);
    return { best: res.modelDir, modelUri: res.modelUri!, bestValue: res.bestValue, study: res.study };
  },
};

export const trainModelStep: BuiltinStep<Without<TrainModelOptions, 'outDir'>, { model: string; modelUri: string }> = {
  id: 'trainyard.trainModel', version: '1', outputs: { model: 'artifact', modelUri: 'value' },
  async run(inputs, ctx) {
    const res = await runTrainModel({ ...inputs, outDir: ctx.outputPath('training') }, await ctx.run());
    return { model: res.modelDir, modelUri: res.modelUri! };
  },
};

export const evaluateModelStep: BuiltinStep<Without<EvaluateModelOptions, 'outDir'>, { report: string; reportUri: string; metrics: Record<string, number> }> = {
  id: 'trainyard.evaluateModel', version: '1', outputs: { report: 'artifact', reportUri: 'value', metrics: 'value' },
  async run(inputs, ctx) {
    const run = await ctx.run();
    const res = await runEvaluateModel({ ...inputs, outDir: ctx.outputPath('report') }, run);
    return { report: res.reportDir, reportUri: `runs:/${run.id}/report/report.html`, metrics: res.metrics };
  },
};

export const registerModelStep: BuiltinStep<RegisterModelOptions, { version: string; promotion: string | null; gatesPassed: boolean }> = {
  // Cacheable on purpose: the key covers the model URI, its metrics and the gate, so a hit means
  // "this model is already registered as version N with this request", not a skipped side effect.
  id: 'trainyard.registerModel', version: '1', outputs: { version: 'value', promotion: 'value', gatesPassed: 'value' },
  async run(inputs, ctx) {
    const res = await runRegisterModel(ctx.trainyard, inputs);
    for (const g of res.promotion?.gate_results ?? []) ctx.log[g.passed ? 'info' : 'warn'](`gate ${g.gate}: ${g.passed ? 'passed' : 'FAILED'} (${g.value ?? 'not logged'})`);
    return { version: res.version.version, promotion: res.promotion?.request_id ?? null, gatesPassed: res.gatesPassed };
  },
};
