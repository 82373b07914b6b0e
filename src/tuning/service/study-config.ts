/**
 * @module What a served study remembers about itself, kept in its system attrs so that every
 * server (a restart, another replica) rebuilds the same sampler, pruner, seed and heartbeat rules.
 */
import { InvalidParameter } from '../../core/errors.js';
import type { JsonValue, StudyDirection } from '../frozen-trial.js';
import { Rng } from '../prng.js';
import type { StudyRecord } from '../storage.js';
import type { ComponentSpec } from './component-spec.js';
import { buildPruner, buildSampler, parsePruner, parseSampler } from './component-tables.js';

export const CONFIG_ATTR = 'trainyard.config';
/** The tracking run of a trial, in the trial's system attrs. */
export const RUN_ID_ATTR = 'trainyard.run_id';

/**
 * Workers beat every 10 s by default and a trial is failed after 2 intervals of silence (Optuna's
 * grace default is 2x the interval too): long enough that a GC pause or a slow network does not
 * fail a live trial, short enough that a dead machine's trial is retried within half a minute.
 */
export const DEFAULT_HEARTBEAT_MS = 10_000;
/**
 * One retry of a trial whose worker died: enough for a lost machine, while a trial that kills its
 * worker every time (out of memory) is not retried forever.
 */
export const DEFAULT_MAX_RETRY = 1;

export interface StudyConfig {
  sampler: ComponentSpec;
  pruner: ComponentSpec;
  seed: number;
  /** Interval workers beat at; null turns heartbeats (and stale-trial expiry) off. */
  heartbeat_interval_ms: number | null;
  /** How often a trial failed by heartbeat expiry is re-enqueued with its params. */
  max_retry: number;
  /** Trials mirrored as tracking runs nested under this parent run; null when not tracked. */
  tracking: { experiment_id: string; parent_run_id: string } | null;
}

export interface StudyConfigInput {
  sampler?: unknown;
  pruner?: unknown;
  seed?: number;
  heartbeatIntervalMs?: number | null;
  maxRetry?: number;
}

/** Checks a create request's settings and builds the sampler and pruner once to prove they work. */
export function parseConfig(input: StudyConfigInput, directions: readonly StudyDirection[]): Omit<StudyConfig, 'tracking'> {
  const sampler = parseSampler(input.sampler);
  const pruner = parsePruner(input.pruner);
  buildSampler(sampler);
  buildPruner(pruner);
  if (directions.length > 1 && pruner.name !== 'nop') {
    throw new InvalidParameter(`Parameter 'pruner': pruning needs one objective; this study has ${directions.length}. Leave pruner out.`);
  }
  if (input.seed !== undefined && !Number.isSafeInteger(input.seed)) throw new InvalidParameter(`Parameter 'seed' must be an integer, got ${input.seed}.`);
  const hb = input.heartbeatIntervalMs === undefined ? DEFAULT_HEARTBEAT_MS : input.heartbeatIntervalMs;
  if (hb !== null && !(Number.isSafeInteger(hb) && hb >= 10)) throw new InvalidParameter(`Parameter 'heartbeat_interval_ms' must be an integer >= 10 (or null for no heartbeats), got ${hb}.`);
  const maxRetry = input.maxRetry ?? DEFAULT_MAX_RETRY;
  if (!(Number.isSafeInteger(maxRetry) && maxRetry >= 0)) throw new InvalidParameter(`Parameter 'max_retry' must be an integer >= 0, got ${maxRetry}.`);
  return { sampler, pruner, seed: input.seed ?? Rng.randomSeed(), heartbeat_interval_ms: hb, max_retry: maxRetry };
}

/**
 * The stored config of a study. A study written by the engine directly (no config) gets the
 * engine's defaults; its seed then comes from its id, so every server draws alike.
 */
export function configOf(record: StudyRecord): StudyConfig {
  const raw = record.systemAttrs[CONFIG_ATTR] as Partial<StudyConfig> | undefined;
  return {
    sampler: raw?.sampler ?? { name: 'auto', options: {} },
    pruner: raw?.pruner ?? { name: 'nop', options: {} },
    seed: raw?.seed ?? seedFromId(record.id),
    heartbeat_interval_ms: raw?.heartbeat_interval_ms ?? null,
    max_retry: raw?.max_retry ?? 0,
    tracking: raw?.tracking ?? null,
  };
}

function seedFromId(id: string): number {
  let h = 0;
  for (let i = 0; i < id.length; i++) h = (h * 31 + id.charCodeAt(i)) >>> 0;
  return h;
}

export function configJson(c: StudyConfig): Record<string, JsonValue> {
  return { ...c } as unknown as Record<string, JsonValue>;
}
