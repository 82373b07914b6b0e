/**
 * @module The optimize loop: ask -> objective -> tell, with a concurrency cap, a trial budget,
 * a timeout and heartbeats.
 */
import type { FrozenTrial } from './frozen-trial.js';
import type { Study } from './study.js';
import type { Trial } from './trial.js';
import { checkObjectiveValues } from './trial-input.js';
import { TrialPruned } from './trial-pruned.js';
import { errorText, isCaught, runTrialLoop, type TrialLoopLimits } from './trial-loop.js';

export type Objective = (trial: Trial) => number | readonly number[] | Promise<number | readonly number[]>;

/** The trial budget, timeout, concurrency and `catch` of the shared loop, plus callbacks. */
export interface OptimizeOptions extends TrialLoopLimits {
  /** Called after each trial is finished. */
  callbacks?: ReadonlyArray<(study: Study, trial: FrozenTrial) => void | Promise<void>>;
}

export async function runOptimize(study: Study, objective: Objective, opts: OptimizeOptions, isStopped: () => boolean): Promise<void> {
  await runTrialLoop(opts, isStopped, async (fail) => {
    const trial = await study.ask();
    const beat = startHeartbeat(study, trial.number);
    let frozen: FrozenTrial | undefined;
    try {
      let result: number | readonly number[];
      try {
        result = await objective(trial);
      } catch (e) {
        if (e instanceof TrialPruned) {
          frozen = await study.tell(trial, { state: 'PRUNED', skipIfFinished: true });
        } else {
          frozen = await study.tell(trial, { state: 'FAIL', failReason: errorText(e), skipIfFinished: true });
          if (!isCaught(opts, e)) fail(e);
        }
        return;
      }
      if (trial.isFinished) {
        frozen = await study.tell(trial, { skipIfFinished: true });
        return;
      }
      let values: number[];
      try {
        values = checkObjectiveValues(result, study.directions.length, `Trial ${trial.number}`);
      } catch (e) {
        // A NaN or a wrong-arity return fails the trial but not the study (Optuna does the same).
        frozen = await study.tell(trial, { state: 'FAIL', failReason: (e as Error).message });
        return;
      }
      frozen = await study.tell(trial, values);
    } finally {
      beat?.stop();
      if (frozen !== undefined) for (const cb of opts.callbacks ?? []) await cb(study, frozen);
    }
  });
}

function startHeartbeat(study: Study, number: number): { stop(): void } | null {
  const ms = study.heartbeatMs;
  if (!ms) return null;
  const beat = (): void => void study.storage.recordHeartbeat(study.studyId, number).catch(() => undefined);
  beat();
  const timer = setInterval(beat, ms);
  timer.unref?.();
  return { stop: () => clearInterval(timer) };
}
