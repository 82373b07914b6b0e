/**
 * @module The SDK's tuning: `ty.studies.create(...)` / `ty.studies.load(name)` give a study with
 * the engine's API (optimize, ask/tell, enqueueTrial, bestTrial, bestTrials, trials), working
 * against a server or embedded (the same routes called in-process on the local store). The
 * sampler always runs where the store is; a worker only runs its objective, so any number of
 * processes and machines can work on one study.
 */
import { InvalidState, TrialPruned, type Distribution, type FrozenTrial, type JsonValue, type ParamValue, type StudyDirection, type TrialInput, type TrialState } from '../tuning/index.js';
import type { Connection } from './connect.js';
import { frozenFromJson, jsonNumber, Trial, type AskedJson } from './study-trial.js';
import { withRetry } from './retry.js';
import { runOptimize, type Objective, type OptimizeOptions } from './study-optimize.js';

const BASE = '/api/v1/studies';
const studyPath = (name: string) => `${BASE}/${encodeURIComponent(name)}`;

/** A sampler or pruner by name, with JSON options (snake_case or camelCase keys). */
export type ComponentRef = string | { name: string; options?: Record<string, JsonValue> };

export interface CreateStudyOptions {
  name: string;
  direction?: StudyDirection;
  directions?: readonly StudyDirection[];
  /** Default 'auto'. E.g. 'tpe', { name: 'cmaes', options: { popsize: 8 } }. */
  sampler?: ComponentRef;
  /** Default 'nop'. E.g. { name: 'median', options: { n_warmup_steps: 5 } }. */
  pruner?: ComponentRef;
  seed?: number;
  /** Experiment for a parent run and one nested run per trial (created when missing). */
  experiment?: string;
  /** Default true when `experiment` is given. */
  trackTrials?: boolean;
  /** Default 10000; null: no heartbeats, so a dead worker's trial stays RUNNING. */
  heartbeatIntervalMs?: number | null;
  /** Retries of a trial failed by heartbeat expiry (default 1). */
  maxRetry?: number;
  userAttrs?: Record<string, JsonValue>;
  /** Return the existing study of that name instead of failing. */
  loadIfExists?: boolean;
}

export interface TellOptions {
  values?: number | readonly number[];
  state?: 'COMPLETE' | 'PRUNED' | 'FAIL';
  failReason?: string;
  skipIfFinished?: boolean;
}

/** The study as the API describes it (settings and trial counts). */
export interface StudyInfo {
  id: string;
  name: string;
  directions: StudyDirection[];
  sampler: { name: string; options: Record<string, JsonValue> };
  pruner: { name: string; options: Record<string, JsonValue> };
  seed: number;
  heartbeat_interval_ms: number | null;
  max_retry: number;
  experiment_id: string | null;
  parent_run_id: string | null;
  user_attrs: Record<string, JsonValue>;
  created_at: number;
  n_trials: number;
  trial_counts: Partial<Record<TrialState, number>>;
}

/** `ty.studies`: create, load, list and delete studies. */
export class Studies {
  constructor(private readonly connection: () => Promise<Connection>) {}

  /**
   * @example
   * const study = await ty.studies.create({ name: 'lr-search', direction: 'minimize', sampler: 'tpe', experiment: 'mnist' });
   * await study.optimize(async (trial) => train(trial.suggestFloat('lr', 1e-5, 1e-1, { log: true })), { nTrials: 50, concurrency: 4 });
   */
  async create(opts: CreateStudyOptions): Promise<Study> {
    const c = await this.connection();
    const { study } = await c.call<{ study: StudyInfo }>('POST', BASE, {
      name: opts.name,
      direction: opts.direction,
      directions: opts.directions,
      sampler: opts.sampler,
      pruner: opts.pruner,
      seed: opts.seed,
      experiment: opts.experiment,
      track_trials: opts.trackTrials,
      heartbeat_interval_ms: opts.heartbeatIntervalMs,
      max_retry: opts.maxRetry,
      user_attrs: opts.userAttrs,
      load_if_exists: opts.loadIfExists,
    });
    return new Study(c, study);
  }

  /** Opens an existing study (NotFound if there is none). */
  async load(name: string): Promise<Study> {
    const c = await this.connection();
    return new Study(c, (await c.call<{ study: StudyInfo }>('GET', studyPath(name))).study);
  }

  async list(): Promise<StudyInfo[]> {
    const c = await this.connection();
    const out: StudyInfo[] = [];
    let token: string | undefined;
    do {
      const res = await c.call<{ studies: StudyInfo[]; next_page_token?: string }>('GET', BASE, { page_token: token });
      out.push(...res.studies);
      token = res.next_page_token;
    } while (token);
    return out;
  }

  async delete(name: string): Promise<void> {
    await (await this.connection()).call('DELETE', studyPath(name));
  }
}

export class Study {
  readonly name: string;
  readonly directions: readonly StudyDirection[];
  private stopped = false;

  /** @internal Use `ty.studies.create` or `ty.studies.load`. */
  constructor(
    private readonly conn: Connection,
    readonly info: StudyInfo,
  ) {
    this.name = info.name;
    this.directions = info.directions;
  }

  get direction(): StudyDirection {
    if (this.directions.length !== 1) throw new InvalidState(`Study '${this.name}' has ${this.directions.length} objectives; use directions.`);
    return this.directions[0]!;
  }

  /**
   * Runs `objective` on new trials until `nTrials` have started, `timeoutMs` has passed or
   * `stop()` is called; `concurrency` trials at once in this process.
   *
   * @example
   * await study.optimize((trial) => (trial.suggestFloat('x', -10, 10) - 2) ** 2, { nTrials: 100 });
   */
  optimize(objective: Objective, opts: OptimizeOptions = {}): Promise<void> {
    this.stopped = false;
    return runOptimize(this, objective, opts, () => this.stopped);
  }

  stop(): void {
    this.stopped = true;
  }

  /**
   * Starts a trial with a value drawn by the server for every parameter the study has seen, plus
   * those of `searchSpace`, and the pruner's view (see study-trial.ts): `suggest*`, `report` and
   * `shouldPrune` then answer without a round trip.
   */
  async ask(searchSpace: Readonly<Record<string, Distribution>> = {}): Promise<Trial> {
    // Retried while the server is away (a restart, a deploy), as the SDK's logging is: a worker
    // fleet outlives its server. An ask whose answer was lost leaves a RUNNING trial that the
    // heartbeat sweep fails later.
    const res = await withRetry(() => this.conn.call<AskedJson & { heartbeat_interval_ms: number | null }>('POST', `${studyPath(this.name)}/ask`, { propose: Object.keys(searchSpace).length ? searchSpace : true }));
    const number = res.trial.number;
    const base = `${studyPath(this.name)}/trials/${number}`;
    const trial = new Trial((method, path, fields) => this.conn.call(method, base + path, fields), res, { name: this.name, directions: this.directions, seed: this.info.seed });
    if (res.study_stopped) this.stop(); // the sampler has nothing left (grid exhausted): this trial is the last
    if (res.heartbeat_interval_ms) beat(trial, res.heartbeat_interval_ms, () => this.conn.call('POST', `${base}/heartbeat`));
    return trial;
  }

  /**
   * Finishes a trial: values (one per objective), or `{ state: 'PRUNED' | 'FAIL' }`. What the
   * trial did and has not sent yet goes in the same request (one write on the server).
   */
  async tell(trial: Trial | number, result?: number | readonly number[] | TellOptions): Promise<FrozenTrial> {
    const opts: TellOptions = typeof result === 'number' || Array.isArray(result) ? { values: result as number | number[] } : ((result as TellOptions | undefined) ?? {});
    const number = typeof trial === 'number' ? trial : trial.number;
    const values = opts.values === undefined ? undefined : typeof opts.values === 'number' ? [opts.values] : opts.values;
    const rest = typeof trial === 'number' || trial.isFinished ? {} : await trial.drain();
    // Retried like ask. A tell that was stored but whose answer was lost comes back "already
    // finished" on the retry: `optimize` passes skipIfFinished, so it gets the stored trial.
    const fields = { ...rest, values: values?.map(jsonNumber), state: opts.state, fail_reason: opts.failReason, skip_if_finished: opts.skipIfFinished };
    const res = await withRetry(() => this.conn.call<{ trial: unknown }>('POST', `${studyPath(this.name)}/trials/${number}/tell`, fields));
    if (typeof trial !== 'number') trial.markFinished();
    return frozenFromJson(res.trial);
  }

  /** Queues a trial with these params fixed; the next ask takes it. */
  async enqueueTrial(params: Readonly<Record<string, ParamValue>>, opts: { userAttrs?: Record<string, JsonValue>; skipIfExists?: boolean } = {}): Promise<void> {
    await this.conn.call('POST', `${studyPath(this.name)}/enqueue`, { params, user_attrs: opts.userAttrs, skip_if_exists: opts.skipIfExists });
  }

  /**
   * Adds finished (or WAITING) trials from elsewhere, e.g. a warm start from another study's
   * trials or earlier results; all are checked before any is written. Resolves their numbers.
   *
   * @example
   * await study.addTrials(await (await ty.studies.load('lr-search-v1')).getTrials({ states: ['COMPLETE'] }));
   */
  async addTrials(trials: readonly TrialInput[]): Promise<number[]> {
    const json = trials.map((t) => {
      const values = t.values ?? (t.value !== undefined && t.value !== null ? [t.value] : undefined);
      const iv = t.intermediateValues instanceof Map ? [...t.intermediateValues] : Object.entries(t.intermediateValues ?? {}).map(([k, v]) => [Number(k), v] as [number, number]);
      return {
        state: t.state ?? 'COMPLETE',
        ...(values ? { values: values.map(jsonNumber) } : {}),
        params: t.params ?? {},
        distributions: t.distributions ?? {},
        intermediate_values: iv.map(([step, value]) => ({ step, value: jsonNumber(value) })),
        user_attrs: t.userAttrs ?? {},
      };
    });
    return (await this.conn.call<{ numbers: number[] }>('POST', `${studyPath(this.name)}/trials`, { trials: json })).numbers;
  }

  /** All trials in number order (optionally some states), fetched page by page. */
  async getTrials(opts: { states?: readonly TrialState[] } = {}): Promise<FrozenTrial[]> {
    const out: FrozenTrial[] = [];
    let token: string | undefined;
    do {
      const res = await this.conn.call<{ trials: unknown[]; next_page_token?: string }>('GET', `${studyPath(this.name)}/trials`, { states: opts.states, page_token: token });
      out.push(...res.trials.map(frozenFromJson));
      token = res.next_page_token;
    } while (token);
    return out;
  }

  /** Same as `getTrials`. */
  trials(opts: { states?: readonly TrialState[] } = {}): Promise<FrozenTrial[]> {
    return this.getTrials(opts);
  }

  async bestTrial(): Promise<FrozenTrial> {
    return frozenFromJson((await this.conn.call<{ trial: unknown }>('GET', `${studyPath(this.name)}/best-trial`)).trial);
  }

  async bestValue(): Promise<number> {
    return (await this.bestTrial()).values![0]!;
  }

  async bestParams(): Promise<Readonly<Record<string, ParamValue>>> {
    return (await this.bestTrial()).params;
  }

  /** The Pareto-optimal COMPLETE trials. */
  async bestTrials(): Promise<FrozenTrial[]> {
    return (await this.conn.call<{ trials: unknown[] }>('GET', `${studyPath(this.name)}/best-trials`)).trials.map(frozenFromJson);
  }

  /**
   * Parameter importances, highest first, summing to 1: PED-ANOVA (default, fast) or fANOVA
   * (Optuna's default: a random forest's variance decomposition); `objective` for
   * multi-objective studies.
   */
  async importances(opts: { objective?: number; evaluator?: 'ped-anova' | 'fanova'; params?: readonly string[] } = {}): Promise<Record<string, number>> {
    return (await this.conn.call<{ importances: Record<string, number> }>('GET', `${studyPath(this.name)}/importances`, { objective: opts.objective, evaluator: opts.evaluator, params: opts.params })).importances;
  }

  /** The study's settings and trial counts, fresh from the store. */
  async refresh(): Promise<StudyInfo> {
    return (await this.conn.call<{ study: StudyInfo }>('GET', studyPath(this.name))).study;
  }
}

/** Beats until the trial is told; unref'd so a forgotten trial never keeps a process alive. */
function beat(trial: Trial, ms: number, send: () => Promise<unknown>): void {
  const timer = setInterval(() => {
    if (trial.isFinished) return clearInterval(timer);
    send().then(
      (r) => {
        if ((r as { state?: string }).state === 'RUNNING') return;
        clearInterval(timer);
        trial.markGone();
      },
      () => undefined, // a missed beat is retried at the next interval; two in a row fail the trial
    );
  }, ms);
  timer.unref?.();
}

export { Trial, TrialPruned };
