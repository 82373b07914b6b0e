/**
 * @module Trial states and the immutable record of a trial (what storages return).
 */
import type { Distribution, ParamValue } from './distributions.js';

/** Optuna's five states (reference section 1). Only RUNNING trials may be written to. */
export type TrialState = 'RUNNING' | 'COMPLETE' | 'PRUNED' | 'FAIL' | 'WAITING';
export const TrialState = {
  RUNNING: 'RUNNING',
  COMPLETE: 'COMPLETE',
  PRUNED: 'PRUNED',
  FAIL: 'FAIL',
  WAITING: 'WAITING',
} as const satisfies Record<TrialState, TrialState>;

export function isFinished(state: TrialState): boolean {
  return state === 'COMPLETE' || state === 'PRUNED' || state === 'FAIL';
}

export type StudyDirection = 'minimize' | 'maximize';

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/** System attribute keys the engine itself uses. */
export const SystemAttr = {
  /** Params an enqueued trial must take: `{ name: value }`. */
  fixedParams: 'fixed_params',
  /** Constraint values; a trial is feasible when every value is <= 0. */
  constraints: 'constraints',
  /** Why a trial failed (an exception message, a NaN, a wrong arity). */
  failReason: 'fail_reason',
  /** Milliseconds since epoch of the last heartbeat. */
  heartbeat: 'heartbeat',
} as const;

/** The fields a storage keeps for a trial. */
export interface FrozenTrialData {
  readonly number: number;
  readonly state: TrialState;
  readonly values: readonly number[] | null;
  /** Internal representation (choice index for categoricals). */
  readonly internalParams: Readonly<Record<string, number>>;
  readonly distributions: Readonly<Record<string, Distribution>>;
  readonly intermediateValues: ReadonlyMap<number, number>;
  readonly userAttrs: Readonly<Record<string, JsonValue>>;
  readonly systemAttrs: Readonly<Record<string, JsonValue>>;
  readonly datetimeStart: number | null;
  readonly datetimeComplete: number | null;
}

/**
 * An immutable snapshot of one trial. Storages share one instance per finished trial (finished
 * trials never change), so samplers may key caches on it.
 */
export class FrozenTrial implements FrozenTrialData {
  readonly number: number;
  readonly state: TrialState;
  readonly values: readonly number[] | null;
  readonly internalParams: Readonly<Record<string, number>>;
  readonly distributions: Readonly<Record<string, Distribution>>;
  readonly intermediateValues: ReadonlyMap<number, number>;
  readonly userAttrs: Readonly<Record<string, JsonValue>>;
  readonly systemAttrs: Readonly<Record<string, JsonValue>>;
  readonly datetimeStart: number | null;
  readonly datetimeComplete: number | null;
  /** External parameter values, as the objective saw them. */
  readonly params: Readonly<Record<string, ParamValue>>;
  /** The largest reported step, or null when nothing was reported. */
  readonly lastStep: number | null;

  constructor(data: FrozenTrialData) {
    this.number = data.number;
    this.state = data.state;
    this.values = data.values;
    this.internalParams = data.internalParams;
    this.distributions = data.distributions;
    this.intermediateValues = data.intermediateValues;
    this.userAttrs = data.userAttrs;
    this.systemAttrs = data.systemAttrs;
    this.datetimeStart = data.datetimeStart;
    this.datetimeComplete = data.datetimeComplete;
    const params: Record<string, ParamValue> = {};
    for (const name in data.internalParams) {
      const d = data.distributions[name]!;
      const v = data.internalParams[name]!;
      params[name] = d.type === 'categorical' ? d.choices[v]! : v;
    }
    this.params = params;
    let last: number | null = null;
    for (const step of data.intermediateValues.keys()) if (last === null || step > last) last = step;
    this.lastStep = last;
  }

  /** The objective value of a single-objective trial (null when it has none). */
  get value(): number | null {
    if (this.values === null) return null;
    if (this.values.length !== 1) throw new Error(`Trial ${this.number} has ${this.values.length} values; use .values.`);
    return this.values[0]!;
  }

  /** Constraint values set with `trial.setConstraints`, or null. */
  get constraints(): readonly number[] | null {
    const c = this.systemAttrs[SystemAttr.constraints];
    return Array.isArray(c) ? (c as number[]) : null;
  }

  /** Sum of positive constraint values: 0 for a feasible (or unconstrained) trial. */
  get violation(): number {
    const c = this.constraints;
    if (c === null) return 0;
    let v = 0;
    for (const x of c) if (x > 0) v += x;
    return v;
  }

  /** The intermediate value at the last reported step. */
  get lastIntermediateValue(): number | null {
    return this.lastStep === null ? null : this.intermediateValues.get(this.lastStep)!;
  }
}
