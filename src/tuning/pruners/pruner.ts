/**
 * @module The pruner contract: `prune` is evaluated inside `trial.shouldPrune()`, after
 * `report` (reference section 4). Synchronous, like `suggest*`: it reads the study's latest
 * snapshot of other trials plus the live state of the current one.
 */
import type { FrozenTrial, JsonValue } from '../frozen-trial.js';
import type { StudyInfo } from '../samplers/sampler.js';

export interface PrunerContext {
  readonly study: StudyInfo;
  /** Other trials of the study as last seen by this process, in number order. */
  readonly trials: readonly FrozenTrial[];
  /** The current trial including everything reported so far. */
  readonly trial: FrozenTrial;
  /** Queues a system attribute write on the current trial (SHA records its rungs so). */
  setSystemAttr(key: string, value: JsonValue): void;
}

export interface Pruner {
  prune(ctx: PrunerContext): boolean;
}
