/**
 * @module Heartbeat expiry for SqlStudyStorage: fail RUNNING trials whose worker went silent and,
 * optionally, queue their params again.
 */
import type { Database, Executor } from '../store/index.js';
import { SystemAttr, type JsonValue } from './frozen-trial.js';
import { toJsonText } from './sql-json.js';
import { loadTrials } from './sql-trial-rows.js';
import { allocateNumber, insertTrial, lockTrial } from './sql-trial-writes.js';

/** Re-enqueue a failed trial's params at most `maxRetry` times per original trial. */
export interface RetryPolicy {
  maxRetry: number;
}

/** System attrs on a retry (Optuna's RetryFailedTrialCallback uses the same names). */
export const RetryAttr = {
  /** Number of the first trial of the chain. */
  failedTrial: 'failed_trial',
  /** Numbers of every earlier attempt, oldest first. */
  retryHistory: 'retry_history',
} as const;

/**
 * Fails every RUNNING trial of the study whose heartbeat is older than `cutoff`, each in the
 * same transaction as its retry. The candidates come from a plain read (no transaction, so the
 * common case of nothing stale costs one indexed query); each is re-checked under its row lock,
 * so a trial that beat in the meantime, or that another server failed first, is left alone.
 * Resolves the numbers this call failed.
 */
export async function failStale(db: Database, studyId: string, cutoff: number, now: number, retry?: RetryPolicy): Promise<number[]> {
  const stale = await db.all<{ number: number }>(
    "SELECT number FROM tuning_trials WHERE study_id = ? AND state = 'RUNNING' AND heartbeat IS NOT NULL AND heartbeat < ? ORDER BY number",
    [studyId, cutoff],
  );
  if (stale.length === 0) return [];
  return db.transaction(async (tx) => {
    const failed: number[] = [];
    for (const { number } of stale) {
      const locked = await lockTrial(tx, studyId, Number(number));
      const hb = await tx.one<{ heartbeat: number | null }>('SELECT heartbeat FROM tuning_trials WHERE study_id = ? AND number = ?', [studyId, number]);
      if (locked.state !== 'RUNNING' || hb?.heartbeat == null || hb.heartbeat >= cutoff) continue;
      const silent = now - hb.heartbeat;
      locked.systemAttrs[SystemAttr.failReason] = `No heartbeat for ${silent} ms (grace ${now - cutoff} ms).`;
      await tx.run("UPDATE tuning_trials SET state = 'FAIL', system_attrs = ?, datetime_complete = ? WHERE study_id = ? AND number = ?", [
        toJsonText(locked.systemAttrs),
        now,
        studyId,
        number,
      ]);
      failed.push(Number(number));
      if (retry) await enqueueRetry(tx, studyId, Number(number), locked.systemAttrs, locked.userAttrs, retry);
    }
    return failed;
  });
}

async function enqueueRetry(
  tx: Executor,
  studyId: string,
  number: number,
  systemAttrs: Record<string, JsonValue>,
  userAttrs: Record<string, JsonValue>,
  policy: RetryPolicy,
): Promise<void> {
  const history = Array.isArray(systemAttrs[RetryAttr.retryHistory]) ? [...(systemAttrs[RetryAttr.retryHistory] as number[])] : [];
  if (history.length >= policy.maxRetry) return;
  const original = typeof systemAttrs[RetryAttr.failedTrial] === 'number' ? (systemAttrs[RetryAttr.failedTrial] as number) : number;
  const trial = (await loadTrials(tx, studyId, [number])).get(number)!;
  // The params it had drawn, plus any it was told to take that it never reached.
  const fixed = { ...(systemAttrs[SystemAttr.fixedParams] as Record<string, JsonValue> | undefined), ...trial.params };
  const next = await allocateNumber(tx, studyId);
  await insertTrial(tx, studyId, {
    number: next,
    state: 'WAITING',
    values: null,
    userAttrs,
    systemAttrs: { [SystemAttr.fixedParams]: fixed, [RetryAttr.failedTrial]: original, [RetryAttr.retryHistory]: [...history, number] },
    datetimeStart: null,
    datetimeComplete: null,
  });
}
