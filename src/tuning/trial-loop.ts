/**
 * @module The scheduling shared by the engine's and the SDK's `optimize`: `concurrency` lanes start
 * trials until the trial budget, the timeout or a stop; the first fatal error stops new trials
 * and is rethrown once the running ones finish (Optuna's rule).
 */

export interface TrialLoopLimits {
  /** Trials to start in this call; unbounded when omitted (then stop with timeoutMs or stop()). */
  nTrials?: number;
  /** Start no new trial after this many ms (running ones finish, as in Optuna). */
  timeoutMs?: number;
  /** Trials run at once in this process; default 1. */
  concurrency?: number;
  /** Errors to record as FAIL and keep going: error classes or a predicate. */
  catch?: ReadonlyArray<abstract new (...args: never[]) => unknown> | ((error: unknown) => boolean);
}

/** True when `opts.catch` covers the error (it fails the trial but not the loop). */
export function isCaught(opts: TrialLoopLimits, e: unknown): boolean {
  const c = opts.catch;
  if (!c) return false;
  return typeof c === 'function' ? c(e) : c.some((cls) => e instanceof cls);
}

/** An error as a trial's fail reason. */
export function errorText(e: unknown): string {
  return e instanceof Error ? `${e.name}: ${e.message}` : String(e);
}

/** Runs `runOne` (one trial) on the lanes; `runOne` reports a fatal error through `fail`. */
export async function runTrialLoop(limits: TrialLoopLimits, isStopped: () => boolean, runOne: (fail: (error: unknown) => void) => Promise<void>): Promise<void> {
  const concurrency = Math.max(1, Math.floor(limits.concurrency ?? 1));
  const start = Date.now();
  let started = 0;
  let fatal: { error: unknown } | null = null;
  const fail = (error: unknown): void => {
    fatal ??= { error };
  };
  const more = (): boolean =>
    !isStopped() &&
    fatal === null &&
    (limits.nTrials === undefined || started < limits.nTrials) &&
    (limits.timeoutMs === undefined || Date.now() - start < limits.timeoutMs);
  const lane = async (): Promise<void> => {
    while (more()) {
      started++;
      try {
        await runOne(fail);
      } catch (e) {
        fail(e);
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, lane));
  if (fatal) throw (fatal as { error: unknown }).error;
}
