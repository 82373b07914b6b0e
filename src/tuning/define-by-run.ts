/**
 * @module The define-by-run surface both trial classes share: the engine's Trial (the sampler in
 * this process) and the SDK's (the sampler on the server). One place for the rules a user meets,
 * so the two cannot drift apart: one distribution per name in a trial and one kind per name in a
 * study, report's checks and "the first report of a step wins", constraints, the live state as a
 * FrozenTrial. A subclass says how a new value is drawn, what the pruner answers, and where
 * changes go (`onParam`, `onReport`, `onAttr`, each called after the local state changed).
 */
import { InvalidParameter, InvalidState } from '../core/errors.js';
import {
  categoricalDistribution,
  distributionsCompatible,
  distributionsEqual,
  floatDistribution,
  fromInternal,
  intDistribution,
  type CategoricalChoice,
  type Distribution,
  type NumericOptions,
  type ParamValue,
} from './distributions.js';
import { FrozenTrial, SystemAttr, type JsonValue, type StudyDirection } from './frozen-trial.js';

/** What a trial starts from: a trial as the store holds it (a fresh one holds nothing yet). */
export type TrialStart = Pick<FrozenTrial, 'number' | 'datetimeStart' | 'internalParams' | 'distributions' | 'intermediateValues' | 'userAttrs' | 'systemAttrs'>;

export abstract class DefineByRunTrial {
  readonly number: number;
  readonly datetimeStart: number | null;
  protected readonly internal: Record<string, number> = {};
  protected readonly dists: Record<string, Distribution> = {};
  protected readonly intermediate = new Map<number, number>();
  protected readonly userAttrsLocal: Record<string, JsonValue>;
  protected readonly systemAttrsLocal: Record<string, JsonValue>;
  private finishedState: string | null = null;

  protected constructor(start: TrialStart) {
    this.number = start.number;
    this.datetimeStart = start.datetimeStart;
    this.userAttrsLocal = { ...start.userAttrs };
    this.systemAttrsLocal = { ...start.systemAttrs };
    Object.assign(this.internal, start.internalParams);
    Object.assign(this.dists, start.distributions);
    for (const [s, v] of start.intermediateValues) this.intermediate.set(s, v);
  }

  /** The study's objectives (report and shouldPrune need exactly one). */
  protected abstract get directions(): readonly StudyDirection[];
  /** The distribution the study's other trials used for `name`, if any. */
  protected abstract knownDistribution(name: string): Distribution | undefined;
  /** An internal value for a parameter this trial has not suggested yet. */
  protected abstract drawInternal(name: string, dist: Distribution): number;
  /** The pruner's answer for the live state (`toFrozen()`). */
  protected abstract pruneDecision(): boolean;
  protected abstract onParam(name: string, dist: Distribution, internal: number): void;
  protected abstract onReport(step: number, value: number): void;
  protected abstract onAttr(kind: 'user' | 'system', key: string, value: JsonValue): void;

  /** Parameters suggested so far, as the objective saw them. */
  get params(): Readonly<Record<string, ParamValue>> {
    const out: Record<string, ParamValue> = {};
    for (const name in this.internal) out[name] = fromInternal(this.dists[name]!, this.internal[name]!);
    return out;
  }

  get distributions(): Readonly<Record<string, Distribution>> {
    return { ...this.dists };
  }

  get userAttrs(): Readonly<Record<string, JsonValue>> {
    return { ...this.userAttrsLocal };
  }

  get systemAttrs(): Readonly<Record<string, JsonValue>> {
    return { ...this.systemAttrsLocal };
  }

  /**
   * A float in [low, high]; `log` samples log-uniformly, `step` on a grid (not both).
   * Re-suggesting a name returns the same value.
   *
   * @example
   * const lr = trial.suggestFloat('lr', 1e-5, 1e-1, { log: true });
   */
  suggestFloat(name: string, low: number, high: number, opts: NumericOptions = {}): number {
    return this.suggest(name, floatDistribution(name, low, high, opts)) as number;
  }

  /** An integer in [low, high] (both inclusive); `log` or `step`, not both. */
  suggestInt(name: string, low: number, high: number, opts: NumericOptions = {}): number {
    return this.suggest(name, intDistribution(name, low, high, opts)) as number;
  }

  /** One of `choices` (null, booleans, numbers, strings). */
  suggestCategorical<T extends CategoricalChoice>(name: string, choices: readonly T[]): T {
    return this.suggest(name, categoricalDistribution(name, choices)) as T;
  }

  /**
   * Records an intermediate objective value at `step` (an integer >= 0) for pruners.
   * A step reported twice keeps its first value, as in Optuna.
   *
   * @example
   * trial.report(loss, epoch);
   * if (trial.shouldPrune()) throw new TrialPruned();
   */
  report(value: number, step: number): void {
    this.assertRunning('report');
    if (this.directions.length > 1) throw new InvalidState('report() is not supported for multi-objective studies (pruners need one objective).');
    if (typeof value !== 'number') throw new InvalidParameter(`report(): value must be a number, got ${typeof value}.`);
    if (!Number.isInteger(step) || step < 0) throw new InvalidParameter(`report(): step must be an integer >= 0, got ${step}.`);
    if (this.intermediate.has(step)) return;
    this.intermediate.set(step, value);
    this.onReport(step, value);
  }

  /** Whether the study's pruner says to stop this trial now (call after `report`). */
  shouldPrune(): boolean {
    this.assertRunning('shouldPrune');
    if (this.directions.length > 1) throw new InvalidState('shouldPrune() is not supported for multi-objective studies.');
    return this.pruneDecision();
  }

  setUserAttr(key: string, value: JsonValue): void {
    this.assertRunning('setUserAttr');
    this.userAttrsLocal[key] = value;
    this.onAttr('user', key, value);
  }

  /** Constraint values for this trial; it is feasible when every value is <= 0. */
  setConstraints(values: readonly number[]): void {
    if (!Array.isArray(values) || values.some((v) => typeof v !== 'number' || Number.isNaN(v))) {
      throw new InvalidParameter(`setConstraints(): expected an array of numbers (NaN not allowed), got ${JSON.stringify(values)}.`);
    }
    this.writeSystemAttr(SystemAttr.constraints, [...values]);
  }

  /** @internal The define-by-run checks of `suggest*` for one parameter, without drawing. */
  checkSuggestion(name: string, dist: Distribution): void {
    const own = this.dists[name];
    if (own !== undefined && !distributionsEqual(own, dist)) {
      throw new InvalidParameter(`Parameter '${name}' was already suggested in this trial with ${JSON.stringify(own)}; it cannot be redefined as ${JSON.stringify(dist)}.`);
    }
    const known = own ?? this.knownDistribution(name);
    if (known !== undefined && !distributionsCompatible(known, dist)) {
      throw new InvalidParameter(`Parameter '${name}' is ${JSON.stringify(dist)} here but ${JSON.stringify(known)} in earlier trials of this study; use a new name for a different kind of parameter.`);
    }
  }

  /** @internal The live state as a FrozenTrial (pruners, tell). */
  toFrozen(): FrozenTrial {
    return new FrozenTrial({
      number: this.number,
      state: 'RUNNING',
      values: null,
      internalParams: { ...this.internal },
      distributions: { ...this.dists },
      intermediateValues: new Map(this.intermediate),
      userAttrs: { ...this.userAttrsLocal },
      systemAttrs: { ...this.systemAttrsLocal },
      datetimeStart: this.datetimeStart,
      datetimeComplete: null,
    });
  }

  /** @internal */
  markFinished(state = 'finished'): void {
    this.finishedState = state;
  }

  /** @internal */
  get isFinished(): boolean {
    return this.finishedState !== null;
  }

  /** A suggest: the checks, the trial's own value if it has one, else `draw()` recorded. */
  protected suggest(name: string, dist: Distribution, draw: () => number = () => this.drawInternal(name, dist)): ParamValue {
    this.assertRunning(`suggest '${name}'`);
    this.checkSuggestion(name, dist);
    const own = this.dists[name];
    if (own !== undefined) return fromInternal(own, this.internal[name]!);
    const internal = draw();
    this.internal[name] = internal;
    this.dists[name] = dist;
    this.onParam(name, dist, internal);
    return fromInternal(dist, internal);
  }

  protected writeSystemAttr(key: string, value: JsonValue): void {
    this.assertRunning('setSystemAttr');
    this.systemAttrsLocal[key] = value;
    this.onAttr('system', key, value);
  }

  protected assertRunning(what: string): void {
    if (this.finishedState) throw new InvalidState(`Trial ${this.number} is already ${this.finishedState}; cannot ${what}.`);
  }
}
