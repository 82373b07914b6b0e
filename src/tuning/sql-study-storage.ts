/**
 * @module SqlStudyStorage: studies and trials in the Trainyard store (SQLite or PostgreSQL), so
 * several processes and servers can work on one study and nothing is lost on a restart.
 *
 * How the contract's atomicity requirements (see storage.ts) are met:
 * - `ask` (sql-claim-trial.ts): PostgreSQL claims the oldest WAITING trial with
 *   `FOR UPDATE SKIP LOCKED` (a trial another asker holds is skipped, never shared); with none
 *   left it takes the next number from the study row's counter and inserts, in one statement.
 *   SQLite runs it as one write transaction on its one writer connection (BEGIN IMMEDIATE).
 * - `updateTrial` / `finishTrial`: lock the trial row, check RUNNING, write everything, commit;
 *   a failed check throws inside the transaction, so nothing is written.
 * - Finished trials never change, so each instance keeps their FrozenTrials and `getAllTrials`
 *   reads only the trials it has not seen finished.
 */
import { AlreadyExists, InvalidParameter, InvalidState, NotFound } from '../core/errors.js';
import { newId } from '../core/ids.js';
import { isUniqueViolation, type Database, type Executor } from '../store/index.js';
import { FrozenTrial, isFinished, type JsonValue, type StudyDirection, type TrialState } from './frozen-trial.js';
import { finishTrialPostgres } from './sql-finish-trial-pg.js';
import { fromJsonText, toJsonText } from './sql-json.js';
import { claimTrial } from './sql-claim-trial.js';
import { SeenTrials } from './sql-seen-trials.js';
import { failStale, type RetryPolicy } from './sql-stale-trials.js';
import { loadTrials } from './sql-trial-rows.js';
import { allocateNumber, applyPatch, insertTrial, lockRunning } from './sql-trial-writes.js';
import type { FinishTrial, NewStudy, NewTrial, StudyRecord, StudyStorage, TrialPatch } from './storage.js';

export interface SqlStudyStorageOptions {
  /** Clock in ms since epoch; tests inject a fake one. */
  now?: () => number;
}

interface StudyRow {
  id: string;
  name: string;
  directions: string;
  user_attrs: string;
  system_attrs: string;
  created_at: number;
}

const STUDY_COLUMNS = 'id, name, directions, user_attrs, system_attrs, created_at';

function toRecord(r: StudyRow): StudyRecord {
  return {
    id: r.id,
    name: r.name,
    directions: fromJsonText<StudyDirection[]>(r.directions, []),
    userAttrs: fromJsonText<Record<string, JsonValue>>(r.user_attrs, {}),
    systemAttrs: fromJsonText<Record<string, JsonValue>>(r.system_attrs, {}),
    createdAt: Number(r.created_at),
  };
}

/**
 * A StudyStorage on a Trainyard `Database`. Share one instance per process: its cache of
 * finished trials is what keeps `ask` cheap as a study grows.
 *
 * @example
 * const db = await openDatabase(undefined, './trainyard-data');
 * const study = await createStudy({ name: 'lr-search', storage: new SqlStudyStorage(db) });
 */
export class SqlStudyStorage implements StudyStorage {
  private readonly now: () => number;
  /** Per study id: what this instance has seen of its trials (see `getAllTrials`). */
  private readonly views = new Map<string, SeenTrials>();
  /** Studies whose trials start with a heartbeat (see `beatOnAsk`). */
  private readonly beating = new Set<string>();

  constructor(
    readonly db: Database,
    opts: SqlStudyStorageOptions = {},
  ) {
    this.now = opts.now ?? Date.now;
  }

  async createStudy(input: NewStudy): Promise<StudyRecord> {
    if (typeof input.name !== 'string' || input.name.length === 0) throw new InvalidParameter(`Parameter 'name': a study needs a non-empty name.`);
    const row: StudyRow = {
      id: newId('study_'),
      name: input.name,
      directions: toJsonText(input.directions),
      user_attrs: toJsonText(input.userAttrs ?? {}),
      system_attrs: toJsonText(input.systemAttrs ?? {}),
      created_at: this.now(),
    };
    try {
      await this.db.transaction((tx) =>
        tx.run(`INSERT INTO tuning_studies (${STUDY_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?)`, [row.id, row.name, row.directions, row.user_attrs, row.system_attrs, row.created_at]),
      );
    } catch (e) {
      if (isUniqueViolation(e)) throw new AlreadyExists(`Study '${input.name}' already exists; pass loadIfExists: true to reuse it.`);
      throw e;
    }
    return toRecord(row);
  }

  async getStudyByName(name: string): Promise<StudyRecord | null> {
    const row = await this.db.one<StudyRow>(`SELECT ${STUDY_COLUMNS} FROM tuning_studies WHERE name = ?`, [name]);
    return row ? toRecord(row) : null;
  }

  async getStudy(studyId: string): Promise<StudyRecord> {
    return toRecord(await this.studyRow(this.db, studyId));
  }

  async listStudies(): Promise<StudyRecord[]> {
    return (await this.db.all<StudyRow>(`SELECT ${STUDY_COLUMNS} FROM tuning_studies ORDER BY created_at, id`)).map(toRecord);
  }

  async deleteStudy(studyId: string): Promise<void> {
    const res = await this.db.transaction((tx) => tx.run('DELETE FROM tuning_studies WHERE id = ?', [studyId]));
    this.views.delete(studyId);
    if (!res.changes) throw new NotFound(`Study ${studyId} does not exist.`);
  }

  setStudyUserAttr(studyId: string, key: string, value: JsonValue): Promise<void> {
    return this.setStudyAttr(studyId, 'user_attrs', key, value);
  }

  setStudySystemAttr(studyId: string, key: string, value: JsonValue): Promise<void> {
    return this.setStudyAttr(studyId, 'system_attrs', key, value);
  }

  async addTrial(studyId: string, trial: NewTrial): Promise<number> {
    const now = this.now();
    return this.db.transaction(async (tx) => {
      const number = await allocateNumber(tx, studyId);
      await insertTrial(tx, studyId, {
        number,
        state: trial.state,
        values: trial.values ?? null,
        userAttrs: trial.userAttrs ?? {},
        systemAttrs: trial.systemAttrs ?? {},
        datetimeStart: trial.datetimeStart ?? (trial.state === 'WAITING' ? null : now),
        datetimeComplete: trial.datetimeComplete ?? (isFinished(trial.state) ? now : null),
      });
      await applyPatch(tx, studyId, number, { state: trial.state, userAttrs: trial.userAttrs ?? {}, systemAttrs: trial.systemAttrs ?? {} }, {
        params: trial.params,
        intermediateValues: trial.intermediateValues,
      });
      return number;
    });
  }

  /**
   * Trials of this study start with a heartbeat, written by `ask` in its own transaction, so a
   * worker that dies before its first beat is caught too, at no extra write. Servers turn it on
   * for studies whose workers beat.
   */
  beatOnAsk(studyId: string): void {
    this.beating.add(studyId);
  }

  async ask(studyId: string): Promise<FrozenTrial> {
    const now = this.now();
    const heartbeat = this.beating.has(studyId) ? now : null;
    const { number, fresh } = await claimTrial(this.db, studyId, now, heartbeat);
    // A trial just created holds nothing yet: no need to read it back.
    const asked = fresh
      ? new FrozenTrial({ number, state: 'RUNNING', values: null, internalParams: {}, distributions: {}, intermediateValues: new Map(), userAttrs: {}, systemAttrs: {}, datetimeStart: now, datetimeComplete: null })
      : (await loadTrials(this.db, studyId, [number])).get(number)!;
    this.remember(studyId, asked);
    return asked;
  }

  async updateTrial(studyId: string, number: number, patch: TrialPatch): Promise<void> {
    await this.db.transaction(async (tx) => applyPatch(tx, studyId, number, await lockRunning(tx, studyId, number), patch));
  }

  async finishTrial(studyId: string, number: number, finish: FinishTrial): Promise<FrozenTrial> {
    const now = this.now();
    // One statement binds at most 65,535 values on PostgreSQL, and its jsonb attr merge refuses
    // "\u0000" (which JSON text keeps): such patches take the transaction.
    const binds = 5 * Object.keys(finish.patch?.params ?? {}).length + 4 * (finish.patch?.intermediateValues?.length ?? 0);
    const nul = (a: unknown) => a !== undefined && toJsonText(a).includes('\\u0000');
    const oneStatement = this.db.dialect === 'postgres' && binds < 60_000 && !nul(finish.patch?.userAttrs) && !nul(finish.patch?.systemAttrs);
    const frozen = oneStatement ? await this.finishOnPostgres(studyId, number, finish, now) : await this.db.transaction(async (tx) => {
      // The state change first: its row lock and RUNNING check are one statement (a round trip
      // less on PostgreSQL); the patch then lands in the same transaction.
      const row = await tx.one<{ user_attrs: string; system_attrs: string }>(
        "UPDATE tuning_trials SET state = ?, objective_values = ?, datetime_complete = ? WHERE study_id = ? AND number = ? AND state = 'RUNNING' RETURNING user_attrs, system_attrs",
        [finish.state, finish.values ? toJsonText(finish.values) : null, now, studyId, number],
      );
      if (!row) await lockRunning(tx, studyId, number); // throws NotFound or InvalidState, naming which
      const locked = { state: finish.state, userAttrs: fromJsonText<Record<string, JsonValue>>(row!.user_attrs, {}), systemAttrs: fromJsonText<Record<string, JsonValue>>(row!.system_attrs, {}) };
      if (finish.patch) await applyPatch(tx, studyId, number, locked, finish.patch);
      return (await loadTrials(tx, studyId, [number])).get(number)!;
    });
    this.remember(studyId, frozen);
    return frozen;
  }

  private async finishOnPostgres(studyId: string, number: number, finish: FinishTrial, now: number): Promise<FrozenTrial> {
    const done = await finishTrialPostgres(this.db, studyId, number, finish, now);
    if (done) return done;
    await this.db.transaction((tx) => lockRunning(tx, studyId, number)); // throws NotFound or InvalidState, naming which
    throw new InvalidState(`Trial ${number} could not be finished; try again.`); // it was RUNNING again: a race with a retry
  }

  async getTrial(studyId: string, number: number): Promise<FrozenTrial> {
    const cached = this.views.get(studyId)?.finished.get(number);
    if (cached) return cached;
    const t = (await loadTrials(this.db, studyId, [number])).get(number);
    if (!t) throw new NotFound(`Trial ${number} does not exist in study ${studyId}.`);
    if (isFinished(t.state)) this.view(studyId).finished.set(number, t);
    return t;
  }

  /** Reads only what may have changed since this instance last looked (see sql-seen-trials.ts). */
  async getAllTrials(studyId: string, opts: { states?: readonly TrialState[] } = {}): Promise<readonly FrozenTrial[]> {
    const seen = this.view(studyId);
    const loaded = await loadTrials(this.db, studyId, seen.query());
    if (seen.maxSeen < 0 && loaded.size === 0) await this.studyRow(this.db, studyId);
    const all = seen.merge(loaded);
    return opts.states ? all.filter((t) => opts.states!.includes(t.state)) : all;
  }

  async recordHeartbeat(studyId: string, number: number): Promise<void> {
    const now = this.now();
    await this.db.transaction(async (tx) => {
      await lockRunning(tx, studyId, number);
      await tx.run('UPDATE tuning_trials SET heartbeat = ? WHERE study_id = ? AND number = ?', [now, studyId, number]);
    });
  }

  /**
   * Fails RUNNING trials whose last heartbeat is older than `graceMs`. With `retry`, each failed
   * trial's params are enqueued again as a WAITING trial in the same transaction (Optuna's
   * RetryFailedTrialCallback: `failed_trial` and `retry_history` system attrs), so a crash cannot
   * fail a trial without queueing its retry.
   */
  async failStaleTrials(studyId: string, graceMs: number, opts: { retry?: RetryPolicy } = {}): Promise<number[]> {
    return failStale(this.db, studyId, this.now() - graceMs, this.now(), opts.retry);
  }

  /** Trials per state, per study (one study, or all): one grouped query for a whole listing. */
  async trialCounts(studyId?: string): Promise<Map<string, Partial<Record<TrialState, number>>>> {
    const where = studyId === undefined ? '' : ' WHERE study_id = ?';
    const rows = await this.db.all<{ study_id: string; state: TrialState; n: number }>(
      `SELECT study_id, state, COUNT(*) AS n FROM tuning_trials${where} GROUP BY study_id, state`,
      studyId === undefined ? [] : [studyId],
    );
    const out = new Map<string, Partial<Record<TrialState, number>>>();
    for (const r of rows) {
      let c = out.get(r.study_id);
      if (!c) out.set(r.study_id, (c = {}));
      c[r.state] = Number(r.n);
    }
    return out;
  }

  private async setStudyAttr(studyId: string, column: 'user_attrs' | 'system_attrs', key: string, value: JsonValue): Promise<void> {
    await this.db.transaction(async (tx) => {
      const row = await this.studyRow(tx, studyId, true);
      const attrs = fromJsonText<Record<string, JsonValue>>(row[column], {});
      attrs[key] = structuredClone(value);
      await tx.run(`UPDATE tuning_studies SET ${column} = ? WHERE id = ?`, [toJsonText(attrs), studyId]);
    });
  }

  private async studyRow(ex: Executor, studyId: string, lock = false): Promise<StudyRow> {
    const forUpdate = lock && ex.dialect === 'postgres' ? ' FOR NO KEY UPDATE' : '';
    const row = await ex.one<StudyRow>(`SELECT ${STUDY_COLUMNS} FROM tuning_studies WHERE id = ?${forUpdate}`, [studyId]);
    if (!row) throw new NotFound(`Study ${studyId} does not exist.`);
    return row;
  }

  private remember(studyId: string, t: FrozenTrial): void {
    this.view(studyId).remember(t);
  }

  private view(studyId: string): SeenTrials {
    let v = this.views.get(studyId);
    if (!v) this.views.set(studyId, (v = new SeenTrials()));
    return v;
  }
}
