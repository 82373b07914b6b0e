/**
 * @module Trials as tracking runs: a study that names an experiment gets a parent run there, and
 * each trial a child run (tag `mlflow.parentRunId`) with its params, its intermediate values as
 * the history of metric `intermediate_value`, and its result as metric `value` (`value_0`,
 * `value_1`, ... for several objectives), the names Optuna's MLflowCallback uses. So tuning shows
 * up in the runs table and charts next to everything else.
 *
 * The mirror is best effort: the study is the record of truth, and a tracking write that fails
 * (a run someone deleted, a param name MLflow refuses) is reported once on stderr, never to the
 * worker. Run status follows the trial: COMPLETE -> FINISHED, PRUNED -> KILLED, FAIL -> FAILED.
 */
import { AppError } from '../../core/errors.js';
import type { Tracking } from '../../tracking/index.js';
import type { ParamValue } from '../distributions.js';
import type { FrozenTrial, StudyDirection } from '../frozen-trial.js';

const STATUS = { COMPLETE: 'FINISHED', PRUNED: 'KILLED', FAIL: 'FAILED' } as const;

export const TrialTags = {
  study: 'trainyard.study',
  trialNumber: 'trainyard.trial_number',
  trialState: 'trainyard.trial_state',
  parentRunId: 'mlflow.parentRunId',
} as const;

export class TrialRuns {
  private warned = false;

  constructor(private readonly tracking: Tracking) {}

  /** The experiment (created when missing) and a new parent run for the study. */
  async createParent(experiment: string, study: string): Promise<{ experiment_id: string; parent_run_id: string }> {
    const experimentId = await this.experimentId(experiment);
    const run = await this.tracking.runs.create({ experimentId, runName: study, tags: [{ key: TrialTags.study, value: study }] });
    return { experiment_id: experimentId, parent_run_id: run.info.run_id };
  }

  /** Deletes a parent run whose study could not be created. */
  async discardParent(runId: string): Promise<void> {
    await this.safely(() => this.tracking.runs.delete(runId), undefined);
  }

  /** A RUNNING child run for a trial; null when tracking refused it. */
  async startTrial(tracking: { experiment_id: string; parent_run_id: string }, study: string, number: number): Promise<string | null> {
    return this.safely(async () => {
      const run = await this.tracking.runs.create({
        experimentId: tracking.experiment_id,
        runName: `${study}-trial-${number}`,
        tags: [
          { key: TrialTags.parentRunId, value: tracking.parent_run_id },
          { key: TrialTags.study, value: study },
          { key: TrialTags.trialNumber, value: String(number) },
        ],
      });
      return run.info.run_id;
    }, null);
  }

  async logParams(runId: string, params: Readonly<Record<string, ParamValue>>): Promise<void> {
    const list = Object.entries(params).map(([key, v]) => ({ key, value: String(v) }));
    if (list.length) await this.safely(() => this.tracking.runs.logBatch(runId, { params: list }), undefined);
  }

  async logIntermediate(runId: string, step: number, value: number): Promise<void> {
    await this.logIntermediates(runId, [[step, value]]);
  }

  /** Reports as the history of `intermediate_value`, in one write. */
  async logIntermediates(runId: string, reports: readonly (readonly [number, number])[]): Promise<void> {
    const now = Date.now();
    await this.safely(() => this.tracking.runs.logBatch(runId, { metrics: reports.map(([step, value]) => ({ key: 'intermediate_value', value, step, timestamp: now })) }), undefined);
  }

  /** Params (logged again is a no-op), last reports, the result, the state tag, and the run's end. */
  async finishTrial(runId: string, trial: FrozenTrial, directions: readonly StudyDirection[], reports: readonly (readonly [number, number])[] = []): Promise<void> {
    await this.safely(async () => {
      const now = Date.now();
      const values = trial.values ?? [];
      const metrics = [
        ...reports.map(([step, value]) => ({ key: 'intermediate_value', value, step, timestamp: now })),
        ...values.map((value, i) => ({ key: directions.length === 1 ? 'value' : `value_${i}`, value, step: 0, timestamp: now })),
      ];
      const params = Object.entries(trial.params).map(([key, v]) => ({ key, value: String(v) }));
      await this.tracking.runs.logBatch(runId, { metrics, params, tags: [{ key: TrialTags.trialState, value: trial.state }] });
      const state = trial.state as keyof typeof STATUS;
      await this.tracking.runs.update(runId, { status: STATUS[state] ?? 'FAILED', endTime: trial.datetimeComplete ?? now });
    }, undefined);
  }

  /** The parent's `best_value` history: one point per improvement, step = trial number. */
  async logBest(parentRunId: string, number: number, value: number): Promise<void> {
    await this.safely(() => this.tracking.runs.logBatch(parentRunId, { metrics: [{ key: 'best_value', value, step: number, timestamp: Date.now() }] }), undefined);
  }

  private async experimentId(name: string): Promise<string> {
    try {
      const exp = await this.tracking.experiments.getByName(name);
      if (exp.lifecycle_stage !== 'active') throw new AppError('INVALID_PARAMETER_VALUE', `Parameter 'experiment': experiment '${name}' is deleted; restore it or name another.`);
      return exp.experiment_id;
    } catch (e) {
      if (!(e instanceof AppError) || e.code !== 'RESOURCE_DOES_NOT_EXIST') throw e;
    }
    try {
      return await this.tracking.experiments.create(name, undefined, []);
    } catch (e) {
      // Another server created it between the two calls.
      if (e instanceof AppError && e.code === 'RESOURCE_ALREADY_EXISTS') return (await this.tracking.experiments.getByName(name)).experiment_id;
      throw e;
    }
  }

  private async safely<T>(fn: () => Promise<T>, fallback: T): Promise<T> {
    try {
      return await fn();
    } catch (e) {
      if (!this.warned) {
        this.warned = true;
        process.stderr.write(`[trainyard] tuning: a trial's tracking run could not be written (further failures are silent): ${(e as Error).message}\n`);
      }
      return fallback;
    }
  }
}
