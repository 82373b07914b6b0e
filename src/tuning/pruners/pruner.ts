/**
 * @module The pruner contract: `prune` is evaluated inside `trial.shouldPrune()`, after
 * `report` (reference section 4). Synchronous, like `suggest*`: it reads the study's latest
 * snapshot of other trials plus the live state of the current one.
 *
 * Every built-in pruner is split in two halves so that a worker in another process can answer
 * `shouldPrune()` without a round trip and by the same rules: `view` condenses what the rule needs
 * of the *other* trials into a small JSON value (per-step percentiles, per-rung promotion
 * thresholds), computed where the store is; `decidePrune` (prune-view.ts) applies the rule to that
 * view and the trial's own reports. `prune` is exactly `decide(view(...))`, so the embedded and
 * the remote answer cannot drift apart.
 */
import type { FrozenTrial, JsonValue } from '../frozen-trial.js';
import type { StudyInfo } from '../samplers/sampler.js';
import type { PruneView } from './prune-view.js';

export interface PrunerContext {
  readonly study: StudyInfo;
  /** Other trials of the study as last seen by this process, in number order. */
  readonly trials: readonly FrozenTrial[];
  /** The current trial including everything reported so far. */
  readonly trial: FrozenTrial;
  /** Queues a system attribute write on the current trial (SHA records its rungs so). */
  setSystemAttr(key: string, value: JsonValue): void;
}

/** What a view is computed from: the other trials, for one trial number. */
export interface PruneViewContext {
  readonly study: StudyInfo;
  /** Other trials of the study, in number order. */
  readonly trials: readonly FrozenTrial[];
  readonly trialNumber: number;
  /** Only these steps are needed (the embedded `prune` passes the last one); default all. */
  readonly steps?: readonly number[];
}

/** What a decision reads of the current trial, and where it records rung values. */
export type PruneDecisionContext = Omit<PrunerContext, 'trials'>;

export interface Pruner {
  prune(ctx: PrunerContext): boolean;
  /** The other trials condensed for `decidePrune` (built-in pruners; a custom one may omit it). */
  view?(ctx: PruneViewContext): PruneView;
}
