/**
 * @module The sampler contract (Optuna's protocol, reference section 1).
 *
 * Sampling is synchronous: `suggest*` in user code returns a value immediately (like Optuna),
 * while storage is async. So the study takes a snapshot of all trials at `ask()` and every
 * sampler decision for the trial is computed from that snapshot plus the trial's own params.
 * Samplers write what they need to remember (generation numbers, grid ids) with
 * `setSystemAttr`; the write is queued and flushed by the trial.
 */
import type { Distribution, ParamValue } from '../distributions.js';
import type { FrozenTrial, JsonValue, StudyDirection } from '../frozen-trial.js';
import type { Rng } from '../prng.js';

export type SearchSpace = Readonly<Record<string, Distribution>>;

export interface StudyInfo {
  readonly name: string;
  readonly directions: readonly StudyDirection[];
}

/** What a sampler may see of the trial it samples for. */
export interface TrialView {
  readonly number: number;
  readonly internalParams: Readonly<Record<string, number>>;
  readonly distributions: Readonly<Record<string, Distribution>>;
  readonly systemAttrs: Readonly<Record<string, JsonValue>>;
}

export interface SamplerContext {
  readonly study: StudyInfo;
  /** Every other trial of the study as of `ask()`, in number order (the current one excluded). */
  readonly trials: readonly FrozenTrial[];
  readonly trial: TrialView;
  /** This trial's own random stream, derived from (seed, trial number). */
  readonly rng: Rng;
  /** The effective seed, for samplers that derive further streams (e.g. CMA-ES restarts). */
  readonly seed: number;
  /** Scratch space that lives as long as this trial's sampling (e.g. TPE's good/bad split). */
  readonly cache: Map<string, unknown>;
  /** Queues a system attribute write on the current trial. */
  setSystemAttr(key: string, value: JsonValue): void;
  /** Asks `optimize` to start no more trials (grid exhausted). */
  stopStudy(): void;
}

export interface Sampler {
  /** Seed that overrides the study's; omit to follow the study's seed. */
  readonly seed?: number;
  /** Parameters to sample jointly at ask() time. */
  inferRelativeSearchSpace(ctx: SamplerContext): SearchSpace;
  /** Joint draw over `space`: internal values by name (may omit names: they go independent). */
  sampleRelative(ctx: SamplerContext, space: SearchSpace): Record<string, number>;
  /** Draw of one parameter not covered by the relative draw: an internal value. */
  sampleIndependent(ctx: SamplerContext, name: string, distribution: Distribution): number;
  /**
   * Values this trial takes whatever distribution they are suggested with (GridSampler's point),
   * known once `sampleRelative` ran: a remote worker gets them at ask, before any suggest.
   */
  valuesForTrial?(ctx: SamplerContext): Readonly<Record<string, ParamValue>>;
}
