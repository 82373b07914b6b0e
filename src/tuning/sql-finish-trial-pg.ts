/**
 * @module `finishTrial` on PostgreSQL as one statement: the state change (which is also the row
 * lock and the RUNNING check), the last params and reports, the attrs, and the finished trial
 * read back, in one round trip instead of six (BEGIN, lock, inserts, update, read, COMMIT). A
 * worker's tell waits on every one of those round trips.
 *
 * How it stays atomic: one statement is one transaction. The inserts are data-modifying CTEs that
 * run only `WHERE EXISTS (SELECT 1 FROM finished)`, so a trial that is not RUNNING gets nothing.
 * Attrs merge with jsonb `||`, a shallow merge like the other path's Object.assign. Every CTE sees
 * the snapshot from before the statement, so the trial read back in RETURNING lacks this patch's
 * rows; they are merged in here with the same rules as the tables' conflict clauses (params
 * overwrite, a step already stored keeps its value).
 */
import type { Executor, SqlValue } from '../store/index.js';
import type { Distribution } from './distributions.js';
import { FrozenTrial, type JsonValue } from './frozen-trial.js';
import { fromJsonText, jsonDouble, toJsonText } from './sql-json.js';
import { TRIAL_COLUMNS, type TrialRow } from './sql-trial-rows.js';
import type { FinishTrial } from './storage.js';

interface FinishedRow extends TrialRow {
  params: string | null;
  inter: string | null;
}

/** The finished trial, or null when no RUNNING trial `number` exists (nothing was written). */
export async function finishTrialPostgres(ex: Executor, studyId: string, number: number, finish: FinishTrial, now: number): Promise<FrozenTrial | null> {
  const patch = finish.patch ?? {};
  const params = Object.entries(patch.params ?? {});
  const steps = new Map<number, number>();
  for (const [step, value] of patch.intermediateValues ?? []) if (!steps.has(step)) steps.set(step, value);
  const args: SqlValue[] = [
    finish.state,
    finish.values ? toJsonText(finish.values) : null,
    now,
    toJsonText(patch.userAttrs ?? {}),
    toJsonText(patch.systemAttrs ?? {}),
    studyId,
    number,
  ];
  const ctes = [
    `finished AS (
       UPDATE tuning_trials SET state = ?, objective_values = ?, datetime_complete = ?,
         user_attrs = (user_attrs::jsonb || ?::jsonb)::text, system_attrs = (system_attrs::jsonb || ?::jsonb)::text
       WHERE study_id = ? AND number = ? AND state = 'RUNNING'
       RETURNING ${TRIAL_COLUMNS},
         (SELECT json_agg(json_build_array(p.name, p.internal, p.distribution) ORDER BY p.name)::text FROM tuning_trial_params p WHERE p.study_id = tuning_trials.study_id AND p.number = tuning_trials.number) AS params,
         (SELECT json_agg(json_build_array(i.step, i.value) ORDER BY i.step)::text FROM tuning_trial_intermediate i WHERE i.study_id = tuning_trials.study_id AND i.number = tuning_trials.number) AS inter
     )`,
  ];
  if (params.length) {
    ctes.push(`new_params AS (
       INSERT INTO tuning_trial_params (study_id, number, name, internal, distribution)
       SELECT * FROM (VALUES ${params.map(() => '(?::text, ?::bigint, ?::text, ?::double precision, ?::text)').join(', ')}) v WHERE EXISTS (SELECT 1 FROM finished)
       ON CONFLICT (study_id, number, name) DO UPDATE SET internal = excluded.internal, distribution = excluded.distribution
     )`);
    for (const [name, p] of params) args.push(studyId, number, name, p.internal, toJsonText(p.distribution));
  }
  if (steps.size) {
    ctes.push(`new_steps AS (
       INSERT INTO tuning_trial_intermediate (study_id, number, step, value)
       SELECT * FROM (VALUES ${[...steps].map(() => '(?::text, ?::bigint, ?::bigint, ?::double precision)').join(', ')}) v WHERE EXISTS (SELECT 1 FROM finished)
       ON CONFLICT (study_id, number, step) DO NOTHING
     )`);
    for (const [step, value] of steps) args.push(studyId, number, step, Number.isNaN(value) ? null : value);
  }
  const row = await ex.one<FinishedRow>(`WITH ${ctes.join(', ')} SELECT * FROM finished`, args);
  if (!row) return null;

  const internal: Record<string, number> = {};
  const dists: Record<string, Distribution> = {};
  for (const [name, value, dist] of row.params ? (JSON.parse(row.params) as [string, number, string][]) : []) {
    internal[name] = value;
    dists[name] = fromJsonText<Distribution>(dist, null as never);
  }
  for (const [name, p] of params) {
    internal[name] = p.internal;
    dists[name] = p.distribution;
  }
  const names = Object.keys(internal).sort(); // the order trials load in
  const inter = new Map<number, number>();
  for (const [step, value] of row.inter ? (JSON.parse(row.inter) as [number, number | string | null][]) : []) inter.set(step, jsonDouble(value));
  for (const [step, value] of steps) if (!inter.has(step)) inter.set(step, value);
  return new FrozenTrial({
    number: Number(row.number),
    state: row.state,
    values: fromJsonText<number[] | null>(row.objective_values, null),
    internalParams: Object.fromEntries(names.map((n) => [n, internal[n]!])),
    distributions: Object.fromEntries(names.map((n) => [n, dists[n]!])),
    intermediateValues: new Map([...inter].sort((a, b) => a[0] - b[0])),
    userAttrs: fromJsonText<Record<string, JsonValue>>(row.user_attrs, {}),
    systemAttrs: fromJsonText<Record<string, JsonValue>>(row.system_attrs, {}),
    datetimeStart: row.datetime_start,
    datetimeComplete: row.datetime_complete,
  });
}
