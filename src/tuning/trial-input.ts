/**
 * @module Validation of trials added from outside (`addTrials`, warm starts): a bad row is
 * rejected with a message naming the field, before anything is written.
 */
import { InvalidParameter } from '../core/errors.js';
import {
  categoricalDistribution,
  containsInternal,
  floatDistribution,
  intDistribution,
  toInternal,
  type Distribution,
  type ParamValue,
} from './distributions.js';
import type { JsonValue, StudyDirection, TrialState } from './frozen-trial.js';
import type { NewTrial, StoredParam } from './storage.js';

/** A finished (or WAITING) trial to add; a FrozenTrial from another study fits this shape. */
export interface TrialInput {
  /** Default COMPLETE. RUNNING is not allowed. */
  readonly state?: TrialState;
  /** null as a FrozenTrial carries it (a trial read back from getTrials can be added as is). */
  readonly value?: number | null;
  readonly values?: readonly number[] | null;
  readonly params?: Readonly<Record<string, ParamValue>>;
  readonly distributions?: Readonly<Record<string, Distribution>>;
  readonly intermediateValues?: ReadonlyMap<number, number> | Readonly<Record<number, number>>;
  readonly userAttrs?: Readonly<Record<string, JsonValue>>;
  readonly systemAttrs?: Readonly<Record<string, JsonValue>>;
}

/**
 * Objective values as a study stores them: one number per objective, NaN refused (infinities
 * are allowed, as in Optuna). `where` prefixes the message.
 */
export function checkObjectiveValues(values: unknown, nObjectives: number, where: string): number[] {
  if (values === undefined || values === null) throw new InvalidParameter(`${where}: a COMPLETE trial needs its value(s).`);
  const arr = typeof values === 'number' ? [values] : Array.isArray(values) ? [...(values as unknown[])] : null;
  if (arr === null) throw new InvalidParameter(`${where}: values must be a number or an array of numbers, got ${typeof values}.`);
  if (arr.length !== nObjectives) throw new InvalidParameter(`${where}: the study has ${nObjectives} objective(s) but ${arr.length} value(s) were given.`);
  arr.forEach((v, i) => {
    if (typeof v !== 'number' || Number.isNaN(v)) throw new InvalidParameter(`${where}: value ${i} is ${String(v)}; objectives must return numbers, not NaN.`);
  });
  return arr as number[];
}

/** Rebuilds a distribution through its constructor so malformed ones are caught. */
function checkedDistribution(name: string, d: Distribution): Distribution {
  if (!d || typeof d !== 'object') throw new InvalidParameter(`Parameter '${name}': missing distribution.`);
  if (d.type === 'categorical') return categoricalDistribution(name, d.choices);
  if (d.type === 'int') return intDistribution(name, d.low, d.high, d.log ? { log: true } : { step: d.step });
  if (d.type === 'float') return floatDistribution(name, d.low, d.high, d.log ? { log: true } : d.step != null ? { step: d.step } : {});
  throw new InvalidParameter(`Parameter '${name}': unknown distribution type ${JSON.stringify((d as { type?: unknown }).type)}.`);
}

export function validateNewTrial(input: TrialInput, directions: readonly StudyDirection[], where: string): NewTrial {
  const state = input.state ?? 'COMPLETE';
  if (state === 'RUNNING' || !['COMPLETE', 'PRUNED', 'FAIL', 'WAITING'].includes(state)) {
    throw new InvalidParameter(`${where}: state must be COMPLETE, PRUNED, FAIL or WAITING, got ${String(state)}.`);
  }
  const given = input.values ?? input.value;
  const values = state === 'WAITING' || (state !== 'COMPLETE' && given == null) ? null : checkObjectiveValues(given, directions.length, where);
  const params: Record<string, StoredParam> = {};
  const dists = input.distributions ?? {};
  for (const [name, value] of Object.entries(input.params ?? {})) {
    const raw = dists[name];
    if (!raw) throw new InvalidParameter(`${where}: parameter '${name}' has no distribution.`);
    const d = checkedDistribution(name, raw);
    let internal: number;
    try {
      internal = toInternal(d, value);
    } catch (e) {
      throw new InvalidParameter(`${where}: parameter '${name}': ${(e as Error).message}`);
    }
    if (!containsInternal(d, internal)) throw new InvalidParameter(`${where}: parameter '${name}' = ${JSON.stringify(value)} lies outside ${JSON.stringify(d)}.`);
    params[name] = { internal, distribution: d };
  }
  const iv = input.intermediateValues;
  const pairs: [number, number][] = iv instanceof Map ? [...iv.entries()] : Object.entries(iv ?? {}).map(([k, v]) => [Number(k), v as number]);
  for (const [step, v] of pairs) {
    if (!Number.isInteger(step) || step < 0) throw new InvalidParameter(`${where}: intermediate step ${step} must be an integer >= 0.`);
    if (typeof v !== 'number') throw new InvalidParameter(`${where}: intermediate value at step ${step} must be a number.`);
  }
  return {
    state,
    params,
    values,
    intermediateValues: pairs,
    userAttrs: { ...input.userAttrs },
    systemAttrs: { ...input.systemAttrs },
  };
}
