/**
 * @module `ask`'s atomic step for SqlStudyStorage: claim the oldest WAITING trial (-> RUNNING) or
 * create the next one, so that no two callers ever get the same trial.
 *
 * PostgreSQL runs it as one statement: the claim (`UPDATE ... WHERE number = (SELECT ... FOR
 * UPDATE SKIP LOCKED)`: a row another asker holds is skipped, never shared) and, if nothing was
 * waiting, the insert with its number taken from the study's counter. A transaction (BEGIN,
 * SELECT, UPDATE, INSERT, COMMIT) was five round trips under the study's ask lock; with 8 workers
 * asks queued on it (p50 37 ms closed loop in bench/results/tuning-distributed.md before this). SQLite keeps one write transaction: its
 * one writer connection makes that cheap and already serialises writers.
 */
import { NotFound } from '../core/errors.js';
import type { Database } from '../store/index.js';
import { allocateNumber, insertTrial } from './sql-trial-writes.js';

/** The claimed or created trial's number; `fresh` when it was created (it holds nothing yet). */
export async function claimTrial(db: Database, studyId: string, now: number, heartbeat: number | null): Promise<{ number: number; fresh: boolean }> {
  if (db.dialect === 'postgres') {
    // One statement: claim the oldest WAITING trial, or (only when none was claimed) take the
    // next number from the study's counter and insert. Data-modifying CTEs see one snapshot and
    // pass rows only through RETURNING, hence NOT EXISTS (SELECT 1 FROM claimed).
    const row = await db.one<{ number: number; fresh: boolean }>(
      `WITH claimed AS (
         UPDATE tuning_trials SET state = 'RUNNING', datetime_start = ?, heartbeat = ? WHERE study_id = ? AND number = (
           SELECT number FROM tuning_trials WHERE study_id = ? AND state = 'WAITING' ORDER BY number LIMIT 1 FOR UPDATE SKIP LOCKED
         ) RETURNING number
       ), n AS (
         UPDATE tuning_studies SET next_number = next_number + 1 WHERE id = ? AND NOT EXISTS (SELECT 1 FROM claimed) RETURNING next_number - 1 AS number
       ), created AS (
         INSERT INTO tuning_trials (study_id, number, state, objective_values, user_attrs, system_attrs, datetime_start, datetime_complete, heartbeat)
         SELECT ?, n.number, 'RUNNING', NULL, '{}', '{}', ?, NULL, ? FROM n RETURNING number
       )
       SELECT number, false AS fresh FROM claimed UNION ALL SELECT number, true AS fresh FROM created`,
      [now, heartbeat, studyId, studyId, studyId, studyId, now, heartbeat],
    );
    if (!row) throw new NotFound(`Study ${studyId} does not exist.`);
    return { number: Number(row.number), fresh: row.fresh };
  }
  return db.transaction(async (tx) => {
    const waiting = await tx.one<{ number: number }>("SELECT number FROM tuning_trials WHERE study_id = ? AND state = 'WAITING' ORDER BY number LIMIT 1", [studyId]);
    if (waiting) {
      const number = Number(waiting.number);
      await tx.run("UPDATE tuning_trials SET state = 'RUNNING', datetime_start = ?, heartbeat = ? WHERE study_id = ? AND number = ?", [now, heartbeat, studyId, number]);
      return { number, fresh: false };
    }
    const number = await allocateNumber(tx, studyId);
    await insertTrial(tx, studyId, { number, state: 'RUNNING', values: null, userAttrs: {}, systemAttrs: {}, datetimeStart: now, datetimeComplete: null, heartbeat });
    return { number, fresh: true };
  });
}
