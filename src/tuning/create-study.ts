/**
 * @module createStudy / loadStudy / deleteStudy: the entry points to the tuning engine.
 */
import { InvalidParameter, NotFound } from '../core/errors.js';
import { newId } from '../core/ids.js';
import type { JsonValue, StudyDirection } from './frozen-trial.js';
import { InMemoryStudyStorage } from './in-memory-storage.js';
import { Rng } from './prng.js';
import { NopPruner } from './pruners/nop-pruner.js';
import type { Pruner } from './pruners/pruner.js';
import { AutoSampler } from './samplers/auto-sampler.js';
import type { Sampler } from './samplers/sampler.js';
import type { StudyStorage } from './storage.js';
import { Study } from './study.js';

export interface LoadStudyOptions {
  name: string;
  storage: StudyStorage;
  /** Default: AutoSampler (picks per search space). */
  sampler?: Sampler;
  /** Default: NopPruner. */
  pruner?: Pruner;
  /** Makes a sequential study repeatable bit for bit; without one each study draws its own. */
  seed?: number;
  /** Workers beat every this many ms; RUNNING trials silent for 2x are failed at the next ask. */
  heartbeatIntervalMs?: number;
}

export interface CreateStudyOptions extends Omit<LoadStudyOptions, 'name' | 'storage'> {
  /** Default: a generated unique name. */
  name?: string;
  /** Default: a new InMemoryStudyStorage (like Optuna: nothing shared, nothing persisted). */
  storage?: StudyStorage;
  direction?: StudyDirection;
  directions?: readonly StudyDirection[];
  /** Return the existing study of that name instead of failing. */
  loadIfExists?: boolean;
  userAttrs?: Record<string, JsonValue>;
}

function checkDirections(opts: CreateStudyOptions): StudyDirection[] {
  if (opts.direction !== undefined && opts.directions !== undefined) throw new InvalidParameter('Give direction or directions, not both.');
  const dirs = opts.directions ? [...opts.directions] : [opts.direction ?? 'minimize'];
  if (dirs.length === 0) throw new InvalidParameter('directions must name at least one objective.');
  for (const d of dirs) if (d !== 'minimize' && d !== 'maximize') throw new InvalidParameter(`direction must be 'minimize' or 'maximize', got ${JSON.stringify(d)}.`);
  return dirs;
}

function checkSeed(seed: number | undefined): number {
  if (seed === undefined) return Rng.randomSeed();
  if (!Number.isSafeInteger(seed)) throw new InvalidParameter(`seed must be an integer, got ${seed}.`);
  return seed;
}

/**
 * Creates a study (or loads it with `loadIfExists`).
 *
 * @example
 * const study = await createStudy({ name: 'adult-gbdt', direction: 'maximize', seed: 42 });
 * await study.optimize((trial) => score(trial.suggestFloat('lr', 1e-4, 1, { log: true })), { nTrials: 100 });
 * console.log((await study.bestTrial()).params);
 */
export async function createStudy(opts: CreateStudyOptions = {}): Promise<Study> {
  const directions = checkDirections(opts);
  const seed = checkSeed(opts.seed);
  const storage = opts.storage ?? new InMemoryStudyStorage();
  const name = opts.name ?? `no-name-${newId()}`;
  if (typeof name !== 'string' || name.length === 0) throw new InvalidParameter('name must be a non-empty string.');
  if (opts.loadIfExists) {
    const existing = await storage.getStudyByName(name);
    if (existing) {
      if (existing.directions.join() !== directions.join()) {
        throw new InvalidParameter(`Study '${name}' exists with directions [${existing.directions.join(', ')}], not [${directions.join(', ')}].`);
      }
      return studyFor(storage, existing, opts, seed);
    }
  }
  const record = await storage.createStudy({ name, directions, userAttrs: opts.userAttrs ?? {} });
  return studyFor(storage, record, opts, seed);
}

/** Opens an existing study in `storage`. */
export async function loadStudy(opts: LoadStudyOptions): Promise<Study> {
  const record = await opts.storage.getStudyByName(opts.name);
  if (!record) throw new NotFound(`Study '${opts.name}' does not exist.`);
  return studyFor(opts.storage, record, opts, checkSeed(opts.seed));
}

/** Deletes a study and its trials. */
export async function deleteStudy(opts: { name: string; storage: StudyStorage }): Promise<void> {
  const record = await opts.storage.getStudyByName(opts.name);
  if (!record) throw new NotFound(`Study '${opts.name}' does not exist.`);
  await opts.storage.deleteStudy(record.id);
}

function studyFor(storage: StudyStorage, record: Awaited<ReturnType<StudyStorage['getStudy']>>, opts: Omit<LoadStudyOptions, 'name' | 'storage'>, seed: number): Study {
  if (opts.heartbeatIntervalMs !== undefined && !(opts.heartbeatIntervalMs > 0)) throw new InvalidParameter('heartbeatIntervalMs must be > 0.');
  return new Study(storage, record, {
    sampler: opts.sampler ?? new AutoSampler(),
    pruner: opts.pruner ?? new NopPruner(),
    seed,
    ...(opts.heartbeatIntervalMs !== undefined ? { heartbeatIntervalMs: opts.heartbeatIntervalMs } : {}),
  });
}
