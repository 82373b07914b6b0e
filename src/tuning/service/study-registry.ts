/**
 * @module The studies a server holds in memory: one engine `Study` (with its sampler and pruner)
 * per study, built from the stored config on first use and kept, because samplers keep state
 * between asks (TPE's sorted observations, CMA-ES's decoded generation).
 *
 * Several server replicas on one database each hold their own `Study`. That stays correct
 * because everything a sampler must agree on is in the store: trials (RUNNING ones included, so
 * constant liar sees every replica's workers), trial numbers (allocated in the store), and the
 * bookkeeping samplers write as system attrs (CMA-ES generations, NSGA-II generations, grid
 * ids). What replicas do not share is caches (rebuilt from the store) and the `ask` lock, so two
 * replicas may sample concurrently from the same history: GridSampler may then hand out one
 * point twice, as Optuna does with several processes.
 */
import { NotFound } from '../../core/errors.js';
import { Study } from '../study.js';
import type { SqlStudyStorage } from '../sql-study-storage.js';
import type { StudyRecord } from '../storage.js';
import { buildPruner, buildSampler } from './component-tables.js';
import { KnownSpace } from './known-space.js';
import { configOf, type StudyConfig } from './study-config.js';

export interface LoadedStudy {
  readonly record: StudyRecord;
  readonly config: StudyConfig;
  readonly study: Study;
  /** When stale trials were last swept (ms since epoch). */
  lastSweep: number;
  /** Params the study's trials used, for proposals. */
  readonly knownSpace: KnownSpace;
}

/**
 * Studies held at most (least recently used first out). An evicted study is rebuilt from the
 * store on its next use, as on a replica that never saw it; only its sampler's warm state is
 * lost. Without a bound the server kept every study ever read, with all its trials.
 */
export const DEFAULT_MAX_STUDIES = 256;

export class StudyRegistry {
  /** In use order: a Map iterates in insertion order, and a hit is re-inserted at the end. */
  private readonly byName = new Map<string, LoadedStudy>();
  /** Calls of `with` in flight per study: such a study is not evicted (its ask lock is in use). */
  private readonly busy = new Map<LoadedStudy, number>();

  constructor(
    private readonly storage: SqlStudyStorage,
    readonly maxStudies = DEFAULT_MAX_STUDIES,
  ) {}

  /** Studies held now. */
  get size(): number {
    return this.byName.size;
  }

  /** The study named `name`, loaded from the store the first time. */
  async get(name: string): Promise<LoadedStudy> {
    const hit = this.byName.get(name);
    if (hit) {
      this.byName.delete(name);
      this.byName.set(name, hit);
      return hit;
    }
    const record = await this.storage.getStudyByName(name);
    if (!record) throw new NotFound(`Study '${name}' does not exist.`);
    return this.hold(record);
  }

  hold(record: StudyRecord): LoadedStudy {
    const existing = this.byName.get(record.name);
    if (existing && existing.record.id === record.id) return existing;
    const config = configOf(record);
    const study = new Study(this.storage, record, { sampler: buildSampler(config.sampler), pruner: buildPruner(config.pruner), seed: config.seed });
    if (config.heartbeat_interval_ms !== null) this.storage.beatOnAsk(record.id);
    const loaded: LoadedStudy = { record, config, study, lastSweep: 0, knownSpace: new KnownSpace() };
    this.byName.delete(record.name);
    this.byName.set(record.name, loaded);
    this.evict();
    return loaded;
  }

  private evict(): void {
    if (this.byName.size <= this.maxStudies) return;
    for (const [name, s] of this.byName) {
      if (this.byName.size <= this.maxStudies) break;
      if (!this.busy.has(s)) this.byName.delete(name);
    }
  }

  forget(name: string): void {
    this.byName.delete(name);
  }

  /**
   * Runs `fn` on the study; if it fails with NotFound because the study held here was deleted
   * (or deleted and created again) by another server, reloads once and retries.
   */
  async with<T>(name: string, fn: (s: LoadedStudy) => Promise<T>): Promise<T> {
    const s = await this.get(name);
    try {
      return await this.using(s, fn);
    } catch (e) {
      if (!(e instanceof NotFound)) throw e;
      const now = await this.storage.getStudyByName(name);
      if (now?.id === s.record.id) throw e;
      this.forget(name);
      if (!now) throw new NotFound(`Study '${name}' does not exist.`);
      return this.using(this.hold(now), fn);
    }
  }

  private async using<T>(s: LoadedStudy, fn: (s: LoadedStudy) => Promise<T>): Promise<T> {
    this.busy.set(s, (this.busy.get(s) ?? 0) + 1);
    try {
      return await fn(s);
    } finally {
      const n = this.busy.get(s)! - 1;
      if (n) this.busy.set(s, n);
      else this.busy.delete(s);
    }
  }
}
