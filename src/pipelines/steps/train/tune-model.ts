/**
 * @module `tuneModel` as a plain function: a Trainyard study (TPE, seeded, median pruning on the
 * per-epoch validation AUC) whose trials are nested tracking runs under the study's parent run;
 * then the best parameters are refit on the whole training split as the step's model.
 */
import { join } from 'node:path';
import type { Trainyard } from '../../../client/index.js';
import { readFeatureSet } from '../features/feature-set.js';
import type { StepRun } from '../step-run.js';
import type { LogisticParams } from './logistic-regression.js';
import { runTrainModel, type TrainModelResult } from './train-model.js';

/** A parameter's range: [low, high] floats (log when `log`), ints, or choices. */
export type ParamRange =
  | { float: [number, number]; log?: boolean }
  | { int: [number, number] }
  | { choice: readonly (number | string)[] };

export type SearchSpace = Partial<Record<keyof LogisticParams, ParamRange>>;

export const DEFAULT_SPACE: SearchSpace = {
  learningRate: { float: [1e-3, 0.2], log: true },
  l2: { float: [1e-6, 1e-2], log: true },
  epochs: { int: [2, 8] },
  batchSize: { choice: [128, 256, 512] },
};

export interface TuneModelOptions {
  train: string;
  space?: SearchSpace;
  trials: number;
  seed?: number;
  /** Study name (unique per store); default `<experiment>-tune-<time>`. */
  study?: string;
  experiment: string;
  /** Tracking run the study's parent run nests under. */
  parentRunId?: string;
  outDir: string;
  concurrency?: number;
  onTrial?: (number: number, value: number | undefined, state: string) => void;
}

export interface TuneModelResult extends TrainModelResult {
  study: string;
  bestParams: Record<string, number | string>;
  bestValue: number;
  trials: { number: number; state: string; value?: number }[];
}

export async function runTuneModel(ty: Trainyard, opts: TuneModelOptions, run?: StepRun): Promise<TuneModelResult> {
  const fs = readFeatureSet(opts.train);
  const seed = opts.seed ?? 7;
  const space = opts.space ?? DEFAULT_SPACE;
  const name = opts.study ?? `${opts.experiment}-tune-${Date.now().toString(36)}`;
  const study = await ty.studies.create({
    name, direction: 'maximize', sampler: { name: 'tpe', options: { n_startup_trials: Math.min(8, Math.max(2, Math.floor(opts.trials / 3))) } },
    pruner: { name: 'median', options: { n_startup_trials: 5, n_warmup_steps: 1 } }, seed, experiment: opts.experiment,
    userAttrs: { pipeline_step: 'tune', ...(opts.parentRunId ? { parent_run_id: opts.parentRunId } : {}) },
  });
  await study.optimize(async (trial) => {
    const p: Partial<LogisticParams> = { seed };
    for (const [k, r] of Object.entries(space) as [keyof LogisticParams, ParamRange][]) {
      const v = 'float' in r ? trial.suggestFloat(k, r.float[0], r.float[1], { log: r.log ?? false })
        : 'int' in r ? trial.suggestInt(k, r.int[0], r.int[1]) : trial.suggestCategorical(k, r.choice);
      (p as Record<string, number | string>)[k] = v;
    }
    const res = await runTrainModel({
      train: fs, params: p, validation: 0.2, outDir: join(opts.outDir, 'trials', String(trial.number)),
      onEpoch: (epoch, auc) => {
        trial.report(auc, epoch);
        return !trial.shouldPrune();
      },
    });
    if (trial.shouldPrune()) {
      const { TrialPruned } = await import('../../../client/index.js');
      throw new TrialPruned();
    }
    return res.valAuc;
  }, { nTrials: opts.trials, concurrency: opts.concurrency ?? 1, callbacks: [(_s, t) => opts.onTrial?.(t.number, t.values?.[0], t.state)] });
  const best = await study.bestTrial();
  const bestParams = { ...best.params } as Record<string, number | string>;
  const all = await study.getTrials();
  // Refit on the whole training split (a small validation share kept for the learning curve).
  const final = await runTrainModel({ train: fs, params: { ...(bestParams as Partial<LogisticParams>), seed }, validation: 0.1, outDir: join(opts.outDir, 'best') }, run);
  if (run) {
    await run.setTags({ 'trainyard.study': name, 'trainyard.study.best_trial': String(best.number) });
    await run.logMetrics({ best_trial_value: best.values![0]!, trials: all.length });
  }
  return { ...final, study: name, bestParams, bestValue: best.values![0]!, trials: all.map((t) => ({ number: t.number, state: t.state, ...(t.values ? { value: t.values[0]! } : {}) })) };
}
