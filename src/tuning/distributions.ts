/**
 * @module Parameter distributions: what `suggestFloat/Int/Categorical` declare.
 *
 * Plain JSON-serialisable records (the SQL store and HTTP routes persist them as they are).
 * Internally every parameter is one number: the value itself for float/int, the choice index
 * for categoricals (Optuna's "internal representation", reference section 2).
 */
import { InvalidParameter } from '../core/errors.js';

export type CategoricalChoice = string | number | boolean | null;
export type ParamValue = CategoricalChoice;

export interface FloatDistribution {
  readonly type: 'float';
  readonly low: number;
  readonly high: number;
  readonly log: boolean;
  /** Grid spacing, or null for a continuous range. */
  readonly step: number | null;
}

export interface IntDistribution {
  readonly type: 'int';
  readonly low: number;
  readonly high: number;
  readonly log: boolean;
  readonly step: number;
}

export interface CategoricalDistribution {
  readonly type: 'categorical';
  readonly choices: readonly CategoricalChoice[];
}

export type NumericDistribution = FloatDistribution | IntDistribution;
export type Distribution = NumericDistribution | CategoricalDistribution;

export interface NumericOptions {
  log?: boolean;
  step?: number;
}

function fail(name: string, what: string): never {
  throw new InvalidParameter(`Parameter '${name}': ${what}`);
}

function checkRange(name: string, low: number, high: number, log: boolean, step: number | null | undefined): void {
  if (typeof low !== 'number' || !Number.isFinite(low)) fail(name, `low must be a finite number, got ${String(low)}.`);
  if (typeof high !== 'number' || !Number.isFinite(high)) fail(name, `high must be a finite number, got ${String(high)}.`);
  if (low > high) fail(name, `low (${low}) must be <= high (${high}).`);
  if (log && step != null) fail(name, 'step and log cannot be used together; drop one of them.');
  if (step != null && !(typeof step === 'number' && Number.isFinite(step) && step > 0)) fail(name, `step must be a positive number, got ${String(step)}.`);
}

/** Largest grid point low + k*step that is <= high (Optuna adjusts `high` the same way). */
function adjustHigh(low: number, high: number, step: number): number {
  const k = Math.floor((high - low) / step + 1e-9);
  const adjusted = low + k * step;
  return Math.abs(adjusted - high) < 1e-12 * Math.max(1, Math.abs(high)) ? high : adjusted;
}

export function floatDistribution(name: string, low: number, high: number, opts: NumericOptions = {}): FloatDistribution {
  const log = opts.log ?? false;
  const step = opts.step ?? null;
  checkRange(name, low, high, log, step);
  if (log && low <= 0) fail(name, `log scale needs low > 0, got low = ${low}.`);
  return { type: 'float', low, high: step == null ? high : adjustHigh(low, high, step), log, step };
}

export function intDistribution(name: string, low: number, high: number, opts: NumericOptions = {}): IntDistribution {
  const log = opts.log ?? false;
  if (log && opts.step != null && opts.step !== 1) fail(name, 'step and log cannot be used together; drop one of them.');
  const step = opts.step ?? 1;
  checkRange(name, low, high, log, log ? null : step);
  if (!Number.isInteger(low) || !Number.isInteger(high)) fail(name, `low and high must be integers, got ${low} and ${high}.`);
  if (!Number.isInteger(step)) fail(name, `step must be a positive integer, got ${step}.`);
  if (log && low < 1) fail(name, `log scale needs low >= 1, got low = ${low}.`);
  return { type: 'int', low, high: adjustHigh(low, high, step), log, step };
}

export function categoricalDistribution(name: string, choices: readonly CategoricalChoice[]): CategoricalDistribution {
  if (!Array.isArray(choices) || choices.length === 0) fail(name, 'choices must be a non-empty array.');
  const seen = new Set<CategoricalChoice>();
  for (const c of choices) {
    const t = typeof c;
    if (!(c === null || t === 'string' || t === 'boolean' || (t === 'number' && !Number.isNaN(c)))) {
      fail(name, `choices may hold only null, booleans, numbers and strings; got ${JSON.stringify(c) ?? String(c)}.`);
    }
    if (seen.has(c)) fail(name, `choices contain ${JSON.stringify(c)} twice.`);
    seen.add(c);
  }
  return { type: 'categorical', choices: [...choices] };
}

export function distributionsEqual(a: Distribution, b: Distribution): boolean {
  if (a.type !== b.type) return false;
  if (a.type === 'categorical') {
    const bc = (b as CategoricalDistribution).choices;
    return a.choices.length === bc.length && a.choices.every((c, i) => c === bc[i]);
  }
  const bn = b as NumericDistribution;
  return a.low === bn.low && a.high === bn.high && a.log === bn.log && a.step === bn.step;
}

/**
 * Whether two trials may use the same name with these distributions: same kind, same
 * choices for categoricals. Numeric ranges may change between trials (Optuna allows it),
 * a switch from float to categorical may not: it would make every sampler's history
 * meaningless.
 */
export function distributionsCompatible(a: Distribution, b: Distribution): boolean {
  if (a.type !== b.type) return false;
  return a.type !== 'categorical' || distributionsEqual(a, b);
}

/** A distribution with one possible value needs no sampler (samplers exclude it). */
export function isSingle(d: Distribution): boolean {
  return d.type === 'categorical' ? d.choices.length === 1 : d.low === d.high;
}

export function toInternal(d: Distribution, value: ParamValue): number {
  if (d.type === 'categorical') {
    const i = d.choices.indexOf(value);
    if (i < 0) throw new InvalidParameter(`Value ${JSON.stringify(value)} is not one of the choices ${JSON.stringify(d.choices)}.`);
    return i;
  }
  if (typeof value !== 'number' || Number.isNaN(value)) throw new InvalidParameter(`Value ${JSON.stringify(value)} is not a number.`);
  if (d.type === 'int' && !Number.isInteger(value)) throw new InvalidParameter(`Value ${value} is not an integer.`);
  return value;
}

export function fromInternal(d: Distribution, internal: number): ParamValue {
  return d.type === 'categorical' ? d.choices[internal]! : internal;
}

/** Whether an internal value lies in the distribution (on its grid for stepped ones). */
export function containsInternal(d: Distribution, internal: number): boolean {
  if (d.type === 'categorical') return Number.isInteger(internal) && internal >= 0 && internal < d.choices.length;
  if (!(internal >= d.low && internal <= d.high)) return false;
  if (d.type === 'int') return Number.isInteger(internal) && (internal - d.low) % d.step === 0;
  if (d.step == null) return true;
  const k = (internal - d.low) / d.step;
  return Math.abs(k - Math.round(k)) < 1e-8;
}
