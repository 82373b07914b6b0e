/**
 * @module Study: a tuning task (one objective or several) and its trials, all kept in a
 * StudyStorage. Create one with `createStudy` / `loadStudy`.
 */
import { InvalidParameter, InvalidState } from '../core/errors.js';
import type { Distribution, ParamValue } from './distributions.js';
import { isFinished, SystemAttr, type FrozenTrial, type JsonValue, type StudyDirection, type TrialState } from './frozen-trial.js';
import { runOptimize, type Objective, type OptimizeOptions } from './optimize.js';
import { paretoFrontIndices } from './pareto.js';
// The leaf module, not store/index.js: the index loads the SQLite and PostgreSQL drivers,
// which an in-memory study does not need.
import { Mutex } from '../core/mutex.js';
import type { Pruner } from './pruners/pruner.js';
import type { Sampler, StudyInfo } from './samplers/sampler.js';
import type { StudyRecord, StudyStorage, TrialPatch } from './storage.js';
import { Trial, type TrialHost } from './trial.js';
import { bestOf, lossVector } from './trial-order.js';
import { checkObjectiveValues, validateNewTrial, type TrialInput } from './trial-input.js';

export interface TellOptions {
  /** The objective value(s); required for COMPLETE, not allowed for PRUNED/FAIL. */
  values?: number | readonly number[];
  /** Default COMPLETE. PRUNED stores the last intermediate value (single objective). */
  state?: 'COMPLETE' | 'PRUNED' | 'FAIL';
  /** Return the stored trial instead of failing when it is already finished. */
  skipIfFinished?: boolean;
  /** Stored as the trial's `fail_reason` system attribute (FAIL only). */
  failReason?: string;
}

export interface StudyOptions {
  sampler: Sampler;
  pruner: Pruner;
  seed: number;
  /** Workers beat every this many ms while a trial runs; stale trials fail after 2x. */
  heartbeatIntervalMs?: number;
  /** Minimum ms between snapshot refreshes triggered by `report` (fresher data for pruners). */
  refreshIntervalMs?: number;
}

export class Study implements TrialHost {
  readonly storage: StudyStorage;
  readonly studyId: string;
  readonly name: string;
  readonly directions: readonly StudyDirection[];
  readonly sampler: Sampler;
  readonly pruner: Pruner;
  /** The seed trials' random streams derive from (the sampler's own seed wins if it has one). */
  readonly seed: number;
  readonly info: StudyInfo;
  private readonly heartbeatIntervalMs: number | undefined;
  private readonly refreshIntervalMs: number;
  /** `ask` runs one at a time per Study object, so in-process workers never race a claim. */
  private readonly askLock = new Mutex();
  private snapshot: readonly FrozenTrial[] = [];
  private lastRefresh = 0;
  private refreshing = false;
  private readonly kinds = new Map<string, Distribution>();
  private stopped = false;

  /** @internal Use `createStudy` or `loadStudy`. */
  constructor(storage: StudyStorage, record: StudyRecord, opts: StudyOptions) {
    this.storage = storage;
    this.studyId = record.id;
    this.name = record.name;
    this.directions = record.directions;
    this.sampler = opts.sampler;
    this.pruner = opts.pruner;
    this.seed = opts.seed;
    this.info = { name: record.name, directions: record.directions };
    this.heartbeatIntervalMs = opts.heartbeatIntervalMs;
    this.refreshIntervalMs = opts.refreshIntervalMs ?? 100;
  }

  /** The direction of a single-objective study. */
  get direction(): StudyDirection {
    if (this.directions.length !== 1) throw new InvalidState(`Study '${this.name}' has ${this.directions.length} objectives; use directions.`);
    return this.directions[0]!;
  }

  /**
   * Runs `objective` on new trials: ask, call, tell, until `nTrials` have started, `timeoutMs`
   * has passed or `stop()` is called. With `concurrency > 1` trials run in parallel in this
   * process (results then depend on timing; only sequential seeded studies repeat bit for bit).
   *
   * @example
   * await study.optimize(async (trial) => {
   *   const x = trial.suggestFloat('x', -10, 10);
   *   return (x - 2) ** 2;
   * }, { nTrials: 100 });
   */
  optimize(objective: Objective, opts: OptimizeOptions = {}): Promise<void> {
    this.stopped = false;
    return runOptimize(this, objective, opts, () => this.stopped);
  }

  /** Starts no more trials in the running `optimize` (the ones in flight finish). */
  stop(): void {
    this.stopped = true;
  }

  /**
   * @internal What the sampler should take a RUNNING trial of another worker to be (a server adds
   * the values it proposed to that worker and the worker has not sent back yet, so constant liar
   * sees where the trial most likely is). Only the sampler's view; nothing is stored.
   */
  runningOverlay: ((t: FrozenTrial) => FrozenTrial) | null = null;

  /** @internal Whether something (a sampler: grid exhausted) asked to stop since the last call; clears it. */
  takeStopRequest(): boolean {
    const s = this.stopped;
    this.stopped = false;
    return s;
  }

  /**
   * Starts a trial: claims the oldest enqueued trial or creates one, then lets the sampler
   * draw its joint parameters. Pair with `tell`.
   *
   * @example
   * const trial = await study.ask();
   * const x = trial.suggestFloat('x', 0, 1);
   * await study.tell(trial, x * x);
   */
  ask(fixedDistributions?: Readonly<Record<string, Distribution>>): Promise<Trial> {
    return this.locked(async () => {
      if (this.heartbeatIntervalMs) await this.storage.failStaleTrials(this.studyId, 2 * this.heartbeatIntervalMs);
      // The claim and the snapshot read go out together (two connections on PostgreSQL: a round
      // trip less per ask). Under the ask lock every earlier claim of this process has committed,
      // so the snapshot sees it; this trial itself holds nothing yet.
      const [asked, all] = await Promise.all([this.storage.ask(this.studyId), this.storage.getAllTrials(this.studyId)]);
      this.setSnapshot(all);
      const overlay = this.runningOverlay;
      const others = all.filter((t) => t.number !== asked.number).map((t) => (overlay && t.state === 'RUNNING' ? overlay(t) : t));
      const trial = new Trial(this, asked, others, this.sampler.seed ?? this.seed);
      try {
        trial.sampleRelative();
        for (const [name, d] of Object.entries(fixedDistributions ?? {})) {
          if (d.type === 'categorical') trial.suggestCategorical(name, d.choices);
          else if (d.type === 'int') trial.suggestInt(name, d.low, d.high, d.log ? { log: true } : { step: d.step });
          else trial.suggestFloat(name, d.low, d.high, d.log ? { log: true } : d.step != null ? { step: d.step } : {});
        }
        // Sampler bookkeeping (generation, grid id) must be visible to the next ask.
        await trial.flush();
      } catch (e) {
        await this.tell(trial, { state: 'FAIL', failReason: `ask() failed: ${(e as Error).message}` }).catch(() => undefined);
        throw e;
      }
      return trial;
    });
  }

  /**
   * Finishes a trial. `values` may be a number, an array (one per objective) or options.
   * Everything is validated before anything is written; a second tell fails with InvalidState
   * unless `skipIfFinished`.
   */
  async tell(trial: Trial | number, result?: number | readonly number[] | TellOptions): Promise<FrozenTrial> {
    const opts: TellOptions = typeof result === 'number' || Array.isArray(result) ? { values: result as number | readonly number[] } : ((result as TellOptions | undefined) ?? {});
    const state = opts.state ?? 'COMPLETE';
    if (!['COMPLETE', 'PRUNED', 'FAIL'].includes(state)) throw new InvalidParameter(`tell(): state must be COMPLETE, PRUNED or FAIL, got ${String(state)}.`);
    const number = typeof trial === 'number' ? trial : trial.number;
    let values: number[] | null = null;
    if (state === 'COMPLETE') values = checkObjectiveValues(opts.values, this.directions.length, `tell(trial ${number})`);
    else if (opts.values !== undefined) throw new InvalidParameter(`tell(trial ${number}): values are not allowed with state ${state}.`);

    if (typeof trial !== 'number' && trial.isFinished) return this.alreadyFinished(number, opts);
    let patch: TrialPatch | undefined;
    let intermediateLast: number | null = null;
    if (typeof trial === 'number') {
      const stored = await this.storage.getTrial(this.studyId, number);
      if (isFinished(stored.state)) return this.alreadyFinished(number, opts, stored);
      intermediateLast = stored.lastIntermediateValue;
    } else {
      patch = await trial.drain();
      intermediateLast = trial.toFrozen().lastIntermediateValue;
    }
    if (state === 'PRUNED' && this.directions.length === 1 && intermediateLast !== null) values = [intermediateLast];
    if (state === 'FAIL' && opts.failReason) patch = { ...patch, systemAttrs: { ...patch?.systemAttrs, [SystemAttr.failReason]: opts.failReason } };
    let frozen: FrozenTrial;
    try {
      frozen = await this.storage.finishTrial(this.studyId, number, { state, values, patch });
    } catch (e) {
      if (opts.skipIfFinished && e instanceof InvalidState) return this.storage.getTrial(this.studyId, number);
      throw e;
    }
    if (typeof trial !== 'number') trial.markFinished(state);
    return frozen;
  }

  /** All trials (optionally some states), in number order. */
  async getTrials(opts: { states?: readonly TrialState[] } = {}): Promise<readonly FrozenTrial[]> {
    const all = await this.storage.getAllTrials(this.studyId);
    this.setSnapshot(all);
    return opts.states ? all.filter((t) => opts.states!.includes(t.state)) : all;
  }

  /** The best COMPLETE trial of a single-objective study: feasible ones first. */
  async bestTrial(): Promise<FrozenTrial> {
    const best = bestOf(await this.getTrials({ states: ['COMPLETE'] }), this.direction);
    if (!best) throw new InvalidState(`Study '${this.name}' has no COMPLETE trial yet.`);
    return best;
  }

  async bestValue(): Promise<number> {
    return (await this.bestTrial()).values![0]!;
  }

  async bestParams(): Promise<Readonly<Record<string, ParamValue>>> {
    return (await this.bestTrial()).params;
  }

  /**
   * The Pareto-optimal COMPLETE trials (any number of objectives). Feasible trials first: if any
   * trial is feasible only feasible ones qualify, otherwise those with the least violation.
   */
  async bestTrials(): Promise<FrozenTrial[]> {
    const complete = await this.getTrials({ states: ['COMPLETE'] });
    if (complete.length === 0) return [];
    const minViolation = Math.min(...complete.map((t) => t.violation));
    const pool = complete.filter((t) => t.violation === minViolation);
    const losses = pool.map((t) => lossVector(t, this.directions));
    return paretoFrontIndices(losses).map((i) => pool[i]!);
  }

  /**
   * Queues a trial whose params are fixed (the next `ask` takes it). Params not listed are
   * sampled as usual. With `skipIfExists`, nothing is queued when a trial with exactly these
   * params (same names, same values) already exists or is queued.
   */
  async enqueueTrial(params: Readonly<Record<string, ParamValue>>, opts: { userAttrs?: Record<string, JsonValue>; skipIfExists?: boolean } = {}): Promise<void> {
    if (params === null || typeof params !== 'object' || Array.isArray(params)) throw new InvalidParameter('enqueueTrial(): params must be an object of name -> value.');
    for (const [name, v] of Object.entries(params)) {
      const t = typeof v;
      if (!(v === null || t === 'string' || t === 'boolean' || (t === 'number' && !Number.isNaN(v)))) {
        throw new InvalidParameter(`enqueueTrial(): parameter '${name}' must be null, a boolean, a number or a string.`);
      }
    }
    if (opts.skipIfExists) {
      const keys = Object.keys(params).sort().join('\u0000');
      for (const t of await this.getTrials()) {
        const fp = t.systemAttrs[SystemAttr.fixedParams];
        const tp = (fp && typeof fp === 'object' && !Array.isArray(fp) ? fp : t.params) as Record<string, ParamValue>;
        if (Object.keys(tp).sort().join('\u0000') !== keys) continue;
        if (Object.entries(params).every(([k, v]) => tp[k] === v)) return;
      }
    }
    await this.storage.addTrial(this.studyId, {
      state: 'WAITING',
      userAttrs: opts.userAttrs ?? {},
      systemAttrs: { [SystemAttr.fixedParams]: { ...params } },
    });
  }

  /** Adds one finished (or WAITING) trial, e.g. from another study, as a warm start. */
  async addTrial(trial: TrialInput): Promise<number> {
    return (await this.addTrials([trial]))[0]!;
  }

  /** Adds several trials; all are validated before any is written. */
  async addTrials(trials: readonly TrialInput[]): Promise<number[]> {
    const rows = trials.map((t, i) => validateNewTrial(t, this.directions, `addTrials()[${i}]`));
    const numbers: number[] = [];
    for (const row of rows) numbers.push(await this.storage.addTrial(this.studyId, row));
    return numbers;
  }

  async setUserAttr(key: string, value: JsonValue): Promise<void> {
    await this.storage.setStudyUserAttr(this.studyId, key, value);
  }

  async userAttrs(): Promise<Readonly<Record<string, JsonValue>>> {
    return (await this.storage.getStudy(this.studyId)).userAttrs;
  }

  private async locked<T>(fn: () => Promise<T>): Promise<T> {
    const release = await this.askLock.acquire();
    try {
      return await fn();
    } finally {
      release();
    }
  }

  /** @internal */
  knownDistribution(name: string, trials: readonly FrozenTrial[]): Distribution | undefined {
    const cached = this.kinds.get(name);
    if (cached) return cached;
    for (const t of trials) {
      const d = t.distributions[name];
      if (d) {
        this.kinds.set(name, d);
        return d;
      }
    }
    return undefined;
  }

  /** @internal */
  latestTrials(): readonly FrozenTrial[] {
    return this.snapshot;
  }

  /** @internal */
  refreshSoon(): void {
    if (this.refreshing || Date.now() - this.lastRefresh < this.refreshIntervalMs) return;
    this.refreshing = true;
    this.storage
      .getAllTrials(this.studyId)
      .then((all) => this.setSnapshot(all))
      .catch(() => undefined) // a failed refresh only leaves pruners with older data
      .finally(() => {
        this.refreshing = false;
      });
  }

  /** @internal Heartbeat interval for `optimize`. */
  get heartbeatMs(): number | undefined {
    return this.heartbeatIntervalMs;
  }

  private setSnapshot(all: readonly FrozenTrial[]): void {
    this.snapshot = all;
    this.lastRefresh = Date.now();
  }

  private async alreadyFinished(number: number, opts: TellOptions, stored?: FrozenTrial): Promise<FrozenTrial> {
    if (opts.skipIfFinished) return stored ?? this.storage.getTrial(this.studyId, number);
    const t = stored ?? (await this.storage.getTrial(this.studyId, number));
    throw new InvalidState(`Trial ${number} is already ${t.state}; it cannot be told again (pass skipIfFinished to ignore).`);
  }
}

