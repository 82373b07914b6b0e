/**
 * @module StudyService: the tuning domain as a server runs it: studies on SqlStudyStorage, one
 * engine `Study` per study in memory (see study-registry.ts for what that means with several
 * replicas), remote ask/tell (remote-trials.ts) and, for studies that name an experiment, trials
 * mirrored as tracking runs (trial-runs.ts). Store-agnostic rules only; no HTTP here.
 */
import { AlreadyExists, InvalidParameter } from '../../core/errors.js';
import type { Database } from '../../store/index.js';
import type { Tracking } from '../../tracking/index.js';
import type { ParamValue } from '../distributions.js';
import type { FrozenTrial, JsonValue, StudyDirection, TrialState } from '../frozen-trial.js';
import { getParamImportances, type ParamImportanceOptions } from '../importance/param-importances.js';
import { SqlStudyStorage } from '../sql-study-storage.js';
import type { TellOptions } from '../study.js';
import type { Trial } from '../trial.js';
import { toLoss } from '../trial-order.js';
import { validateNewTrial, type TrialInput } from '../trial-input.js';
import { RemoteTrials, type Suggestion } from './remote-trials.js';
import { proposals, pruneView, type Proposal, type PruneViewReply } from './worker-start.js';
import type { WorkerPatch } from './worker-patch.js';
import type { StudyRecord } from '../storage.js';
import { CONFIG_ATTR, configOf, parseConfig, type StudyConfig, type StudyConfigInput } from './study-config.js';
import { StudyRegistry, type LoadedStudy } from './study-registry.js';
import { TrialRuns } from './trial-runs.js';

export interface StudyServiceOptions {
  /** Tracking services, for studies whose trials become runs. Without it nothing is mirrored. */
  tracking?: Tracking | null;
  /**
   * Mirror the trials of studies created with an `experiment` as nested tracking runs (default
   * true; a study can still opt out with `trackTrials: false`).
   */
  trackTrials?: boolean;
  /** Clock in ms since epoch; tests inject a fake one. */
  now?: () => number;
}

export interface CreateStudyInput extends StudyConfigInput {
  name: string;
  directions: readonly StudyDirection[];
  /** Experiment for the parent run and the trials' runs (created when missing). */
  experiment?: string;
  /** Default true when `experiment` is given. */
  trackTrials?: boolean;
  userAttrs?: Record<string, JsonValue>;
  /** Return the existing study of that name (same directions) instead of failing. */
  loadIfExists?: boolean;
}

export interface AskReply {
  study: LoadedStudy;
  trial: Trial;
  /** The sampler asked to start no more trials (this one is the last). */
  stop: boolean;
  proposals?: Record<string, Proposal>;
  prune?: PruneViewReply | null;
}

export interface StudySummary {
  record: StudyRecord;
  config: StudyConfig;
  counts: Partial<Record<TrialState, number>>;
}

/**
 * @example
 * const tuning = new StudyService(db, { tracking: createTracking(db) });
 * await tuning.create({ name: 'lr', directions: ['minimize'], sampler: 'tpe', experiment: 'mnist' });
 * const trial = await tuning.ask('lr', []);
 * const { lr } = await tuning.suggest('lr', trial.number, [{ name: 'lr', distribution: floatDistribution('lr', 1e-4, 1, { log: true }) }]);
 * await tuning.tell('lr', trial.number, { values: 0.12 });
 */
export class StudyService {
  readonly storage: SqlStudyStorage;
  private readonly registry: StudyRegistry;
  private readonly remote: RemoteTrials;
  private readonly runs: TrialRuns | null;
  private readonly trackTrials: boolean;

  constructor(db: Database, opts: StudyServiceOptions = {}) {
    const now = opts.now ?? Date.now;
    this.storage = new SqlStudyStorage(db, { now });
    this.registry = new StudyRegistry(this.storage);
    this.runs = opts.tracking ? new TrialRuns(opts.tracking) : null;
    this.trackTrials = opts.trackTrials ?? true;
    this.remote = new RemoteTrials(this.storage, this.runs, now);
  }

  async create(input: CreateStudyInput): Promise<StudySummary> {
    const directions = checkDirections(input.directions);
    if (typeof input.name !== 'string' || !input.name.trim()) throw new InvalidParameter(`Missing value for required parameter 'name'.`);
    const config = parseConfig(input, directions);
    const existing = await this.storage.getStudyByName(input.name);
    if (existing) {
      if (!input.loadIfExists) throw new AlreadyExists(`Study '${input.name}' already exists; pass load_if_exists to reuse it.`);
      if (existing.directions.join() !== directions.join()) {
        throw new InvalidParameter(`Parameter 'directions': study '${input.name}' exists with [${existing.directions.join(', ')}], not [${directions.join(', ')}].`);
      }
      return this.summary(this.registry.hold(existing));
    }
    const track = input.experiment !== undefined && this.runs !== null && this.trackTrials && (input.trackTrials ?? true);
    if (input.experiment !== undefined && (typeof input.experiment !== 'string' || !input.experiment)) throw new InvalidParameter(`Parameter 'experiment' must be a non-empty experiment name.`);
    const tracking = track ? await this.runs!.createParent(input.experiment!, input.name) : null;
    try {
      const record = await this.storage.createStudy({
        name: input.name,
        directions,
        userAttrs: input.userAttrs ?? {},
        systemAttrs: { [CONFIG_ATTR]: { ...config, tracking } as unknown as JsonValue },
      });
      return this.summary(this.registry.hold(record));
    } catch (e) {
      // Lost a race for the name: the parent run made for it goes too.
      if (tracking) await this.runs!.discardParent(tracking.parent_run_id);
      if (e instanceof AlreadyExists && input.loadIfExists) return this.create(input);
      throw e;
    }
  }

  async get(name: string): Promise<StudySummary> {
    return this.registry.with(name, async (s) => this.summary(s));
  }

  /** Every study, oldest first, with trial counts per state (two queries however many studies). */
  async list(): Promise<StudySummary[]> {
    const records = await this.storage.listStudies();
    const counts = await this.storage.trialCounts();
    return records.map((record) => ({ record, config: configOf(record), counts: counts.get(record.id) ?? {} }));
  }

  async delete(name: string): Promise<void> {
    const s = await this.registry.get(name);
    this.registry.forget(name);
    this.remote.forget(s.record.id);
    await this.storage.deleteStudy(s.record.id);
  }

  /**
   * Starts a trial. `space` is drawn and recorded now; with `propose`, every parameter the worker
   * may suggest is drawn too (not recorded) and the pruner's view comes along, so a worker runs
   * the whole trial with two requests (ask, tell). See remote-trials.ts.
   */
  ask(name: string, space: readonly Suggestion[], propose: readonly Suggestion[] | null = null): Promise<AskReply> {
    return this.registry.with(name, async (s) => {
      const trial = await this.remote.ask(s, space);
      // A sampler that has nothing left to give (grid exhausted) stops workers' optimize loops.
      const stop = s.study.takeStopRequest();
      if (!propose) return { study: s, trial, stop };
      return { study: s, trial, stop, proposals: proposals(s, trial, propose), prune: pruneView(s, trial.number) };
    });
  }

  /** A worker's params, reports and attrs since its last call; answers the pruner's view. */
  update(name: string, number: number, patch: WorkerPatch | null, knownEtag?: string): Promise<{ state: TrialState; prune: PruneViewReply | null }> {
    return this.registry.with(name, (s) => this.remote.update(s, number, patch, knownEtag));
  }

  suggest(name: string, number: number, items: readonly Suggestion[]): Promise<Record<string, ParamValue>> {
    return this.registry.with(name, (s) => this.remote.suggest(s, number, items));
  }

  report(name: string, number: number, value: number, step: number): Promise<boolean> {
    return this.registry.with(name, (s) => this.remote.report(s, number, value, step));
  }

  tell(name: string, number: number, opts: TellOptions, patch: WorkerPatch | null = null): Promise<FrozenTrial> {
    return this.registry.with(name, (s) => this.remote.tell(s, number, opts, patch));
  }

  heartbeat(name: string, number: number): Promise<TrialState> {
    return this.registry.with(name, (s) => this.remote.heartbeat(s, number));
  }

  /** Fails trials whose workers went silent now (normally done at each ask); resolves their numbers. */
  sweep(name: string): Promise<number[]> {
    return this.registry.with(name, async (s) => {
      s.lastSweep = 0;
      return this.remote.sweep(s);
    });
  }

  enqueue(name: string, params: Readonly<Record<string, ParamValue>>, opts: { userAttrs?: Record<string, JsonValue>; skipIfExists?: boolean }): Promise<void> {
    return this.registry.with(name, (s) => s.study.enqueueTrial(params, opts));
  }

  /** Finished (or WAITING) trials from elsewhere, e.g. a warm start; all checked before any is written. */
  addTrials(name: string, trials: readonly TrialInput[]): Promise<number[]> {
    return this.registry.with(name, (s) => {
      // Checked here too so a message names the request field: "Parameter 'trials[1]': ...".
      trials.forEach((t, i) => validateNewTrial(t, s.record.directions, `Parameter 'trials[${i}]'`));
      return s.study.addTrials(trials);
    });
  }

  trials(name: string, states?: readonly TrialState[]): Promise<readonly FrozenTrial[]> {
    return this.registry.with(name, (s) => s.study.getTrials(states ? { states } : {}));
  }

  trial(name: string, number: number): Promise<FrozenTrial> {
    return this.registry.with(name, (s) => this.storage.getTrial(s.record.id, number));
  }

  bestTrial(name: string): Promise<FrozenTrial> {
    return this.registry.with(name, (s) => s.study.bestTrial());
  }

  bestTrials(name: string): Promise<FrozenTrial[]> {
    return this.registry.with(name, (s) => s.study.bestTrials());
  }

  /** PED-ANOVA (default) or fANOVA importances; `objective` picks the objective of a multi-objective study. */
  importances(name: string, opts: Omit<ParamImportanceOptions, 'target'> & { objective?: number }): Promise<Record<string, number>> {
    return this.registry.with(name, async (s) => {
      const { objective, ...rest } = opts;
      const dirs = s.record.directions;
      if (objective === undefined) {
        if (dirs.length > 1) throw new InvalidParameter(`Parameter 'objective': this study has ${dirs.length} objectives; name the one to rank by (0..${dirs.length - 1}).`);
        return getParamImportances(s.study, rest);
      }
      if (!(Number.isInteger(objective) && objective >= 0 && objective < dirs.length)) {
        throw new InvalidParameter(`Parameter 'objective' must be between 0 and ${dirs.length - 1}, got ${objective}.`);
      }
      return getParamImportances(s.study, { ...rest, target: (t) => toLoss(t.values![objective]!, dirs[objective]!) });
    });
  }

  private async summary(s: LoadedStudy): Promise<StudySummary> {
    const counts = (await this.storage.trialCounts(s.record.id)).get(s.record.id) ?? {};
    return { record: s.record, config: s.config, counts };
  }
}

function checkDirections(dirs: readonly StudyDirection[] | undefined): StudyDirection[] {
  if (!Array.isArray(dirs) || dirs.length === 0) throw new InvalidParameter(`Parameter 'directions' must name at least one objective ('minimize' or 'maximize').`);
  dirs.forEach((d, i) => {
    if (d !== 'minimize' && d !== 'maximize') throw new InvalidParameter(`Parameter 'directions[${i}]' must be 'minimize' or 'maximize', got ${JSON.stringify(d)}.`);
  });
  return [...dirs];
}
