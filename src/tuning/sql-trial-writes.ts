/**
 * @module Statements that write one trial inside a caller's transaction: number allocation,
 * insertion, patches and the RUNNING check with its row lock.
 */
import { InvalidState, NotFound } from '../core/errors.js';
import type { Executor } from '../store/index.js';
import type { JsonValue, TrialState } from './frozen-trial.js';
import { fromJsonText, toJsonText } from './sql-json.js';
import type { TrialPatch } from './storage.js';

/**
 * The study's next trial number, taken in the caller's transaction. On PostgreSQL the UPDATE
 * holds the study row until commit, so concurrent creators queue on it for the ~1 ms the
 * insert takes and numbers stay dense; on SQLite the one writer already serialises them.
 */
export async function allocateNumber(tx: Executor, studyId: string): Promise<number> {
  const row = await tx.one<{ next_number: number }>('UPDATE tuning_studies SET next_number = next_number + 1 WHERE id = ? RETURNING next_number', [studyId]);
  if (!row) throw new NotFound(`Study ${studyId} does not exist.`);
  return Number(row.next_number) - 1;
}

export interface TrialInsert {
  number: number;
  state: TrialState;
  values: readonly number[] | null;
  userAttrs: Record<string, JsonValue>;
  systemAttrs: Record<string, JsonValue>;
  datetimeStart: number | null;
  datetimeComplete: number | null;
  heartbeat?: number | null;
}

export async function insertTrial(tx: Executor, studyId: string, t: TrialInsert): Promise<void> {
  await tx.run(
    'INSERT INTO tuning_trials (study_id, number, state, objective_values, user_attrs, system_attrs, datetime_start, datetime_complete, heartbeat) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
    [studyId, t.number, t.state, t.values ? toJsonText(t.values) : null, toJsonText(t.userAttrs), toJsonText(t.systemAttrs), t.datetimeStart, t.datetimeComplete, t.heartbeat ?? null],
  );
}

export interface LockedTrial {
  state: TrialState;
  userAttrs: Record<string, JsonValue>;
  systemAttrs: Record<string, JsonValue>;
}

/**
 * Reads a trial's state and attrs, holding its row until commit on PostgreSQL (NO KEY UPDATE:
 * it does not block the key-share locks that inserting params and reports take).
 */
export async function lockTrial(tx: Executor, studyId: string, number: number): Promise<LockedTrial> {
  const lock = tx.dialect === 'postgres' ? ' FOR NO KEY UPDATE' : '';
  const row = await tx.one<{ state: TrialState; user_attrs: string; system_attrs: string }>(
    `/* keyed */ SELECT state, user_attrs, system_attrs FROM tuning_trials WHERE study_id = ? AND number = ?${lock}`,
    [studyId, number],
  );
  if (!row) throw new NotFound(`Trial ${number} does not exist in study ${studyId}.`);
  return { state: row.state, userAttrs: fromJsonText(row.user_attrs, {}), systemAttrs: fromJsonText(row.system_attrs, {}) };
}

/** `lockTrial`, failing with InvalidState unless the trial is RUNNING. */
export async function lockRunning(tx: Executor, studyId: string, number: number): Promise<LockedTrial> {
  const t = await lockTrial(tx, studyId, number);
  if (t.state !== 'RUNNING') throw new InvalidState(`Trial ${number} is ${t.state}; only a RUNNING trial can be updated or told.`);
  return t;
}

/** Applies a patch to a locked trial: params overwrite, a step already reported keeps its value. */
export async function applyPatch(tx: Executor, studyId: string, number: number, locked: LockedTrial, patch: TrialPatch): Promise<void> {
  // Multi-row statements (on PostgreSQL each statement is a round trip), 500 rows at most: 2,500
  // bound values, far below SQLite's 32,766.
  const params = Object.entries(patch.params ?? {});
  for (let i = 0; i < params.length; i += 500) {
    const part = params.slice(i, i + 500);
    await tx.run(
      `INSERT INTO tuning_trial_params (study_id, number, name, internal, distribution) VALUES ${part.map(() => '(?, ?, ?, ?, ?)').join(', ')} ON CONFLICT (study_id, number, name) DO UPDATE SET internal = excluded.internal, distribution = excluded.distribution`,
      part.flatMap(([name, p]) => [studyId, number, name, p.internal, toJsonText(p.distribution)]),
    );
  }
  // A step given twice in one patch keeps its first value, like a step already stored.
  const steps = new Map<number, number>();
  for (const [step, value] of patch.intermediateValues ?? []) if (!steps.has(step)) steps.set(step, value);
  const rows = [...steps];
  for (let i = 0; i < rows.length; i += 500) {
    const part = rows.slice(i, i + 500);
    await tx.run(
      `INSERT INTO tuning_trial_intermediate (study_id, number, step, value) VALUES ${part.map(() => '(?, ?, ?, ?)').join(', ')} ON CONFLICT (study_id, number, step) DO NOTHING`,
      part.flatMap(([step, value]) => [studyId, number, step, Number.isNaN(value) ? null : value]),
    );
  }
  const user = patch.userAttrs && Object.keys(patch.userAttrs).length > 0;
  const system = patch.systemAttrs && Object.keys(patch.systemAttrs).length > 0;
  if (user) Object.assign(locked.userAttrs, structuredClone(patch.userAttrs));
  if (system) Object.assign(locked.systemAttrs, structuredClone(patch.systemAttrs));
  if (user || system) {
    await tx.run('UPDATE tuning_trials SET user_attrs = ?, system_attrs = ? WHERE study_id = ? AND number = ?', [
      toJsonText(locked.userAttrs),
      toJsonText(locked.systemAttrs),
      studyId,
      number,
    ]);
  }
}
