/**
 * @module InMemoryStudyStorage: the default storage, one process, nothing persisted.
 *
 * Every method mutates synchronously before its promise resolves, and JavaScript runs one
 * callback at a time, so each call is atomic without locks: two concurrent `ask` calls can
 * never claim the same WAITING trial.
 */
import { AlreadyExists, InvalidState, NotFound } from '../core/errors.js';
import { newId } from '../core/ids.js';
import type { Distribution } from './distributions.js';
import { FrozenTrial, isFinished, type JsonValue, type TrialState } from './frozen-trial.js';
import type { FinishTrial, NewStudy, NewTrial, StudyRecord, StudyStorage, TrialPatch } from './storage.js';

interface TrialRow {
  number: number;
  state: TrialState;
  values: readonly number[] | null;
  internalParams: Record<string, number>;
  distributions: Record<string, Distribution>;
  intermediate: Map<number, number>;
  userAttrs: Record<string, JsonValue>;
  systemAttrs: Record<string, JsonValue>;
  datetimeStart: number | null;
  datetimeComplete: number | null;
  heartbeat: number | null;
  /** Shared snapshot once the trial is finished (finished trials never change). */
  frozen: FrozenTrial | null;
}

interface StudyRow {
  record: StudyRecord;
  trials: TrialRow[];
  /** Numbers of WAITING trials, oldest first. */
  waiting: number[];
}

export interface InMemoryStudyStorageOptions {
  /** Clock in ms since epoch; tests inject a fake one. */
  now?: () => number;
}

export class InMemoryStudyStorage implements StudyStorage {
  private readonly studies = new Map<string, StudyRow>();
  private readonly now: () => number;

  constructor(opts: InMemoryStudyStorageOptions = {}) {
    this.now = opts.now ?? Date.now;
  }

  async createStudy(input: NewStudy): Promise<StudyRecord> {
    for (const s of this.studies.values()) {
      if (s.record.name === input.name) throw new AlreadyExists(`Study '${input.name}' already exists; pass loadIfExists: true to reuse it.`);
    }
    const record: StudyRecord = {
      id: newId('study_'),
      name: input.name,
      directions: [...input.directions],
      userAttrs: structuredClone(input.userAttrs ?? {}),
      systemAttrs: structuredClone(input.systemAttrs ?? {}),
      createdAt: this.now(),
    };
    this.studies.set(record.id, { record, trials: [], waiting: [] });
    return record;
  }

  async getStudyByName(name: string): Promise<StudyRecord | null> {
    for (const s of this.studies.values()) if (s.record.name === name) return s.record;
    return null;
  }

  async getStudy(studyId: string): Promise<StudyRecord> {
    return this.study(studyId).record;
  }

  async listStudies(): Promise<StudyRecord[]> {
    return [...this.studies.values()].map((s) => s.record);
  }

  async deleteStudy(studyId: string): Promise<void> {
    this.study(studyId);
    this.studies.delete(studyId);
  }

  async setStudyUserAttr(studyId: string, key: string, value: JsonValue): Promise<void> {
    const s = this.study(studyId);
    s.record = { ...s.record, userAttrs: { ...s.record.userAttrs, [key]: structuredClone(value) } };
  }

  async setStudySystemAttr(studyId: string, key: string, value: JsonValue): Promise<void> {
    const s = this.study(studyId);
    s.record = { ...s.record, systemAttrs: { ...s.record.systemAttrs, [key]: structuredClone(value) } };
  }

  async addTrial(studyId: string, trial: NewTrial): Promise<number> {
    const s = this.study(studyId);
    const row = this.newRow(s.trials.length, trial.state);
    row.values = trial.values ? [...trial.values] : null;
    row.datetimeStart = trial.datetimeStart ?? (trial.state === 'WAITING' ? null : this.now());
    row.datetimeComplete = trial.datetimeComplete ?? (isFinished(trial.state) ? this.now() : null);
    applyPatch(row, trial);
    s.trials.push(row);
    if (trial.state === 'WAITING') s.waiting.push(row.number);
    return row.number;
  }

  async ask(studyId: string): Promise<FrozenTrial> {
    const s = this.study(studyId);
    const waiting = s.waiting.shift();
    let row: TrialRow;
    if (waiting !== undefined) {
      row = s.trials[waiting]!;
      row.state = 'RUNNING';
    } else {
      row = this.newRow(s.trials.length, 'RUNNING');
      s.trials.push(row);
    }
    row.datetimeStart = this.now();
    return snapshot(row);
  }

  async updateTrial(studyId: string, number: number, patch: TrialPatch): Promise<void> {
    const row = this.running(studyId, number);
    applyPatch(row, patch);
  }

  async finishTrial(studyId: string, number: number, finish: FinishTrial): Promise<FrozenTrial> {
    const row = this.running(studyId, number);
    if (finish.patch) applyPatch(row, finish.patch);
    row.state = finish.state;
    row.values = finish.values ? [...finish.values] : null;
    row.datetimeComplete = this.now();
    return snapshot(row);
  }

  async getTrial(studyId: string, number: number): Promise<FrozenTrial> {
    const row = this.study(studyId).trials[number];
    if (!row) throw new NotFound(`Trial ${number} does not exist in study ${studyId}.`);
    return snapshot(row);
  }

  async getAllTrials(studyId: string, opts: { states?: readonly TrialState[] } = {}): Promise<readonly FrozenTrial[]> {
    const rows = this.study(studyId).trials;
    const out: FrozenTrial[] = [];
    const states = opts.states;
    for (const row of rows) if (!states || states.includes(row.state)) out.push(snapshot(row));
    return out;
  }

  async recordHeartbeat(studyId: string, number: number): Promise<void> {
    this.running(studyId, number).heartbeat = this.now();
  }

  async failStaleTrials(studyId: string, graceMs: number): Promise<number[]> {
    const now = this.now();
    const failed: number[] = [];
    for (const row of this.study(studyId).trials) {
      if (row.state === 'RUNNING' && row.heartbeat !== null && now - row.heartbeat > graceMs) {
        row.state = 'FAIL';
        row.systemAttrs = { ...row.systemAttrs, fail_reason: `No heartbeat for ${now - row.heartbeat} ms (grace ${graceMs} ms).` };
        row.datetimeComplete = now;
        failed.push(row.number);
      }
    }
    return failed;
  }

  private study(studyId: string): StudyRow {
    const s = this.studies.get(studyId);
    if (!s) throw new NotFound(`Study ${studyId} does not exist.`);
    return s;
  }

  private running(studyId: string, number: number): TrialRow {
    const row = this.study(studyId).trials[number];
    if (!row) throw new NotFound(`Trial ${number} does not exist in study ${studyId}.`);
    if (row.state !== 'RUNNING') throw new InvalidState(`Trial ${number} is ${row.state}; only a RUNNING trial can be updated or told.`);
    return row;
  }

  private newRow(number: number, state: TrialState): TrialRow {
    return {
      number,
      state,
      values: null,
      internalParams: {},
      distributions: {},
      intermediate: new Map(),
      userAttrs: {},
      systemAttrs: {},
      datetimeStart: null,
      datetimeComplete: null,
      heartbeat: null,
      frozen: null,
    };
  }
}

function applyPatch(row: TrialRow, patch: TrialPatch): void {
  if (patch.params) {
    for (const [name, p] of Object.entries(patch.params)) {
      row.internalParams[name] = p.internal;
      row.distributions[name] = p.distribution;
    }
  }
  if (patch.intermediateValues) {
    for (const [step, value] of patch.intermediateValues) if (!row.intermediate.has(step)) row.intermediate.set(step, value);
  }
  if (patch.userAttrs) for (const [k, v] of Object.entries(patch.userAttrs)) row.userAttrs[k] = structuredClone(v);
  if (patch.systemAttrs) for (const [k, v] of Object.entries(patch.systemAttrs)) row.systemAttrs[k] = structuredClone(v);
}

/** Finished rows share one cached snapshot; live rows are copied so later writes don't leak in. */
function snapshot(row: TrialRow): FrozenTrial {
  if (row.frozen) return row.frozen;
  const finished = isFinished(row.state);
  const frozen = new FrozenTrial({
    number: row.number,
    state: row.state,
    values: row.values,
    internalParams: { ...row.internalParams },
    distributions: { ...row.distributions },
    intermediateValues: new Map(row.intermediate),
    userAttrs: { ...row.userAttrs },
    systemAttrs: { ...row.systemAttrs },
    datetimeStart: row.datetimeStart,
    datetimeComplete: row.datetimeComplete,
  });
  if (finished) row.frozen = frozen;
  return frozen;
}
