/**
 * @module The SDK's optimize loop: ask -> objective -> tell, with a concurrency cap, a trial
 * budget and a timeout. Same rules as the engine's: TrialPruned -> PRUNED; a NaN or wrong-arity
 * result fails the trial, not the loop; any other error fails the trial and, unless `catch`
 * covers it, stops starting trials and is rethrown once the running ones finish.
 */
import { AppError, TrialPruned, type FrozenTrial } from '../tuning/index.js';
import { errorText, isCaught, runTrialLoop, type TrialLoopLimits } from '../tuning/index.js';
import type { Study } from './studies.js';
import type { Trial } from './study-trial.js';

export type Objective = (trial: Trial) => number | readonly number[] | Promise<number | readonly number[]>;

/** The trial budget, timeout, concurrency and `catch` of the shared loop, plus callbacks. */
export interface OptimizeOptions extends TrialLoopLimits {
  /** Called after each trial is finished. */
  callbacks?: ReadonlyArray<(study: Study, trial: FrozenTrial) => void | Promise<void>>;
}

/** The values to tell, or the reason the result cannot be told (then the trial fails). */
function checkResult(result: unknown, n: number): { values: number[] } | { reason: string } {
  const arr = typeof result === 'number' ? [result] : Array.isArray(result) ? (result as unknown[]) : null;
  if (!arr) return { reason: `the objective returned ${typeof result}, not a number or an array of numbers` };
  if (arr.length !== n) return { reason: `the study has ${n} objective(s) but the objective returned ${arr.length} value(s)` };
  const bad = arr.findIndex((v) => typeof v !== 'number' || Number.isNaN(v));
  if (bad >= 0) return { reason: `value ${bad} is ${String(arr[bad])}; objectives must return numbers, not NaN` };
  return { values: arr as number[] };
}

export async function runOptimize(study: Study, objective: Objective, opts: OptimizeOptions, isStopped: () => boolean): Promise<void> {
  await runTrialLoop(opts, isStopped, async (fail) => {
    const trial = await study.ask();
    let frozen: FrozenTrial;
    let result: unknown;
    try {
      result = await objective(trial);
    } catch (e) {
      // By name too: an objective file may bring its own copy of the package (another TrialPruned class).
      if (e instanceof TrialPruned || (e as Error)?.name === 'TrialPruned') {
        frozen = await study.tell(trial, { state: 'PRUNED', skipIfFinished: true });
      } else {
        frozen = await study.tell(trial, { state: 'FAIL', failReason: errorText(e).slice(0, 4000), skipIfFinished: true });
        // INVALID_STATE (e.g. from `await trial.flush()`): the server already finished this trial
        // (its heartbeats were missed and it was failed and queued for retry); carry on.
        const gone = e instanceof AppError && e.code === 'INVALID_STATE';
        if (!gone && !isCaught(opts, e)) fail(e);
      }
      for (const cb of opts.callbacks ?? []) await cb(study, frozen);
      return;
    }
    const checked = checkResult(result, study.directions.length);
    // skipIfFinished: the server may have failed the trial meanwhile (a missed heartbeat) and
    // queued its retry; like Optuna's optimize, that is not this loop's error.
    frozen = 'values' in checked
      ? await study.tell(trial, { values: checked.values, skipIfFinished: true })
      : await study.tell(trial, { state: 'FAIL', failReason: `Trial ${trial.number}: ${checked.reason}.`, skipIfFinished: true });
    for (const cb of opts.callbacks ?? []) await cb(study, frozen);
  });
}
