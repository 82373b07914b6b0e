/**
 * @module `trainModel` as a plain function: train the TypeScript logistic regression on a feature
 * set, with a seeded validation share for per-epoch metrics, a checkpoint per epoch (the last is
 * logged), and the model folder logged as a model package on the run.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { classificationMetrics, regressionMetrics } from '../metrics/index.js';
import { readFeatureSet, type FeatureSet } from '../features/feature-set.js';
import { stratifiedSplit } from '../features/split.js';
import type { StepRun } from '../step-run.js';
import { predictLogistic, trainLogistic, type LogisticModel, type LogisticParams } from './logistic-regression.js';
import { saveModel, type ModelJson } from './model-package.js';

export const DEFAULT_PARAMS: LogisticParams = { learningRate: 0.02, l2: 1e-4, epochs: 8, batchSize: 256, seed: 7 };

export interface TrainModelOptions {
  /** A buildFeatures feature-set folder, or one already read. */
  train: string | FeatureSet;
  params?: Partial<LogisticParams>;
  /** Share of train held out for per-epoch validation (default 0.1; 0 = none). */
  validation?: number;
  outDir: string;
  /** Called each epoch with the validation score (AUC; R² for regression); return false to stop (a pruned trial). */
  onEpoch?: (epoch: number, valAuc: number) => Promise<boolean | void> | boolean | void;
}

export interface TrainModelResult {
  modelDir: string;
  /** `runs:/<id>/model` when a run was given. */
  modelUri?: string;
  model: ModelJson;
  /** Validation AUC (classification) or R² (regression), the figure tuning maximizes. */
  valAuc: number;
}

export async function runTrainModel(opts: TrainModelOptions, run?: StepRun): Promise<TrainModelResult> {
  const fs = typeof opts.train === 'string' ? readFeatureSet(opts.train) : opts.train;
  const params: LogisticParams = { ...DEFAULT_PARAMS, ...opts.params };
  const share = opts.validation ?? 0.1;
  const regression = fs.meta.task === 'regression';
  const split = share > 0 ? stratifiedSplit(fs.X.length, { test: share, seed: params.seed, ...(regression ? {} : { labels: Array.from(fs.y) }) }) : { train: fs.X.map((_, i) => i), test: [] };
  const Xt = split.train.map((i) => fs.X[i]!);
  const yt = Float64Array.from(split.train.map((i) => fs.y[i]!));
  const Xv = split.test.map((i) => fs.X[i]!);
  const yv = split.test.map((i) => fs.y[i]!);
  const ckptDir = join(opts.outDir, 'checkpoints');
  mkdirSync(ckptDir, { recursive: true });
  let valAuc = NaN;
  let last = '';
  if (run) await run.logParams({ ...params, validation: share, features: fs.transform.names.length, rows: Xt.length });
  const estimator: LogisticModel = await trainLogistic(Xt, yt, params, async (epoch, m) => {
    if (Xv.length) {
      const scores = Xv.map((x) => predictLogistic(m, x));
      if (regression) {
        const vm = regressionMetrics(yv, scores);
        valAuc = vm.r2;
        if (run) await run.logMetrics({ val_r2: vm.r2, val_rmse: vm.rmse }, { step: epoch });
      } else {
        const vm = classificationMetrics(yv, scores);
        valAuc = vm.auc;
        if (run) await run.logMetrics({ val_auc: vm.auc, val_log_loss: vm.log_loss }, { step: epoch });
      }
    }
    last = join(ckptDir, `epoch-${epoch}.json`);
    writeFileSync(last, JSON.stringify({ epoch, estimator: m }));
    return opts.onEpoch ? opts.onEpoch(epoch, valAuc) : undefined;
  }, regression ? 'linear' : 'logistic');
  const model: ModelJson = {
    format: 'trainyard.model', version: 1, task: fs.meta.task, target: fs.meta.target, ...(fs.meta.positive ? { positive: fs.meta.positive } : {}),
    transformDigest: fs.transform.digest, features: [...fs.transform.names], estimator, params: { ...params },
  };
  const modelDir = join(opts.outDir, 'model');
  saveModel(modelDir, model, join(fs.dir, 'transform.json'));
  let modelUri: string | undefined;
  if (run) {
    if (last) await run.logArtifact(last, `checkpoints/${last.split('/').pop()}`);
    if (Number.isFinite(valAuc)) await run.logMetric(regression ? 'val_r2_final' : 'val_auc_final', valAuc);
    const pkg = await run.logModel(modelDir, { flavor: { trainyard: { loader: 'trainyard/pipelines/steps loadModel', estimator: estimator.kind } } });
    modelUri = pkg.modelUri;
  }
  return { modelDir, ...(modelUri ? { modelUri } : {}), model, valAuc };
}
