/**
 * @module The contract every study storage implements (in-memory now, SQL next).
 *
 * Every Study method goes through this interface, so a SQL-backed storage slots in without
 * touching the engine. All methods are async even in memory so the engine never assumes
 * a synchronous store.
 *
 * Atomicity requirements (what an implementation MUST guarantee):
 * - `ask` claims the oldest WAITING trial (lowest number) and sets it RUNNING, or creates a
 *   new RUNNING trial, as ONE atomic step. Two concurrent callers (threads, processes,
 *   servers) must never receive the same trial. On PostgreSQL that is
 *   `SELECT ... WHERE state = 'WAITING' ORDER BY number LIMIT 1 FOR UPDATE SKIP LOCKED`
 *   followed by the update in the same transaction; on SQLite, one writer transaction.
 * - Trial numbers are dense per study (0, 1, 2, ...) and never reused: allocate them inside
 *   the same transaction that inserts the row.
 * - `updateTrial` applies the whole patch or nothing, and only to a RUNNING trial.
 * - `finishTrial` is a compare-and-set from RUNNING: writes the final patch, the state and
 *   the values in one transaction, and fails with `InvalidState` (writing nothing) if the
 *   trial is already finished. This is what makes a double `tell` harmless.
 * - A finished trial (COMPLETE, PRUNED, FAIL) never changes again; implementations may cache
 *   and share its FrozenTrial (Optuna's `_CachedStorage` does the same: re-read only
 *   unfinished trials).
 *
 * Trials are addressed by (study id, trial number); a SQL storage maps that to its row id.
 */
import type { Distribution } from './distributions.js';
import type { FrozenTrial, JsonValue, StudyDirection, TrialState } from './frozen-trial.js';

export interface StudyRecord {
  readonly id: string;
  readonly name: string;
  readonly directions: readonly StudyDirection[];
  readonly userAttrs: Readonly<Record<string, JsonValue>>;
  readonly systemAttrs: Readonly<Record<string, JsonValue>>;
  readonly createdAt: number;
}

export interface NewStudy {
  name: string;
  directions: readonly StudyDirection[];
  userAttrs?: Record<string, JsonValue>;
  systemAttrs?: Record<string, JsonValue>;
}

/** A parameter as stored: internal number plus the distribution it was drawn from. */
export interface StoredParam {
  readonly internal: number;
  readonly distribution: Distribution;
}

/** Writes to a RUNNING trial, applied together. Later keys overwrite earlier ones. */
export interface TrialPatch {
  params?: Record<string, StoredParam>;
  /** [step, value] pairs; a step already stored keeps its first value (Optuna ignores re-reports). */
  intermediateValues?: ReadonlyArray<readonly [number, number]>;
  userAttrs?: Record<string, JsonValue>;
  systemAttrs?: Record<string, JsonValue>;
}

/** A trial added from outside: WAITING (enqueue) or already finished (warm start). */
export interface NewTrial {
  state: Exclude<TrialState, 'RUNNING'>;
  params?: Record<string, StoredParam>;
  values?: readonly number[] | null;
  intermediateValues?: ReadonlyArray<readonly [number, number]>;
  userAttrs?: Record<string, JsonValue>;
  systemAttrs?: Record<string, JsonValue>;
  datetimeStart?: number | null;
  datetimeComplete?: number | null;
}

export interface FinishTrial {
  state: 'COMPLETE' | 'PRUNED' | 'FAIL';
  values: readonly number[] | null;
  /** Last queued writes, applied in the same atomic step as the state change. */
  patch?: TrialPatch;
}

export interface StudyStorage {
  /** Creates a study. Rejects with `AlreadyExists` when the name is taken. */
  createStudy(input: NewStudy): Promise<StudyRecord>;
  /** Resolves null when no study has that name. */
  getStudyByName(name: string): Promise<StudyRecord | null>;
  /** Rejects with `NotFound` for an unknown id. */
  getStudy(studyId: string): Promise<StudyRecord>;
  listStudies(): Promise<StudyRecord[]>;
  /** Deletes a study and all its trials. */
  deleteStudy(studyId: string): Promise<void>;
  setStudyUserAttr(studyId: string, key: string, value: JsonValue): Promise<void>;
  setStudySystemAttr(studyId: string, key: string, value: JsonValue): Promise<void>;

  /** Appends a WAITING or finished trial; resolves its number. */
  addTrial(studyId: string, trial: NewTrial): Promise<number>;
  /**
   * Atomically claims the oldest WAITING trial (-> RUNNING, start time now) or creates a new
   * RUNNING trial. No two callers may ever get the same trial. See the module comment.
   */
  ask(studyId: string): Promise<FrozenTrial>;
  /** Applies a patch to a RUNNING trial, all or nothing; `InvalidState` if it is not RUNNING. */
  updateTrial(studyId: string, number: number, patch: TrialPatch): Promise<void>;
  /** Compare-and-set RUNNING -> final state; `InvalidState` (nothing written) if already finished. */
  finishTrial(studyId: string, number: number, finish: FinishTrial): Promise<FrozenTrial>;
  /** Rejects with `NotFound` for an unknown trial. */
  getTrial(studyId: string, number: number): Promise<FrozenTrial>;
  /** All trials in number order, optionally only some states. */
  getAllTrials(studyId: string, opts?: { states?: readonly TrialState[] }): Promise<readonly FrozenTrial[]>;

  /** Records that the worker running this trial is alive. */
  recordHeartbeat(studyId: string, number: number): Promise<void>;
  /**
   * Marks FAIL every RUNNING trial whose last heartbeat is older than `graceMs`, atomically per
   * trial (a trial that beats concurrently is not failed). Trials that never beat are left
   * alone: heartbeats are opt-in. Resolves the numbers it failed.
   */
  failStaleTrials(studyId: string, graceMs: number): Promise<number[]>;
}
