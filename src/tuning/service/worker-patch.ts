/**
 * @module What a remote worker sends about its trial (params it used, reports, attrs), checked
 * whole before any of it is applied to the server's engine `Trial`, so a rejected request writes
 * nothing. The SDK's synchronous trial sends one of these per flush and the rest with `tell`.
 *
 * JSON: `{ "params": { "lr": { "distribution": {...}, "value": 0.01 } }, "intermediate_values":
 * [{ "step": 0, "value": 0.52 }], "user_attrs": {...}, "system_attrs": {...} }`. Workers may write
 * only the system attrs a built-in rule running on their side writes: `constraints` and the rung
 * records of successive halving and Hyperband.
 */
import { InvalidParameter } from '../../core/errors.js';
import { objectAt, parseDouble, type Fields } from '../../core/request-fields.js';
import { containsInternal, toInternal, type Distribution, type ParamValue } from '../distributions.js';
import { SystemAttr, type JsonValue } from '../frozen-trial.js';
import { parseDistribution } from '../study-json.js';
import type { Trial } from '../trial.js';

export interface WorkerPatch {
  params: { name: string; distribution: Distribution; value: ParamValue }[];
  intermediateValues: [number, number][];
  userAttrs: Record<string, JsonValue>;
  systemAttrs: Record<string, JsonValue>;
}

const WORKER_SYSTEM_ATTR = /^(completed_rung_\d+|hyperband:bracket)$/;

const isEmpty = (p: WorkerPatch) => !p.params.length && !p.intermediateValues.length && !Object.keys(p.userAttrs).length && !Object.keys(p.systemAttrs).length;

/** The patch fields of a request (all optional); null when there are none. */
export function parseWorkerPatch(f: Fields): WorkerPatch | null {
  const params = f.params === undefined || f.params === null ? {} : objectAt(f.params, 'params');
  const patch: WorkerPatch = {
    params: Object.entries(params).map(([name, raw]) => {
      const o = objectAt(raw, `params.${name}`);
      if (!('value' in o)) throw new InvalidParameter(`Parameter '${name}': 'params.${name}.value' is missing.`);
      const value = o.value as ParamValue;
      if (value !== null && !['number', 'string', 'boolean'].includes(typeof value)) throw new InvalidParameter(`Parameter '${name}': 'params.${name}.value' must be a number, string, boolean or null.`);
      return { name, distribution: parseDistribution(name, o.distribution ?? null, `params.${name}.distribution`), value };
    }),
    intermediateValues: (f.intermediate_values === undefined || f.intermediate_values === null ? [] : asArray(f.intermediate_values, 'intermediate_values')).map((raw, i) => {
      const o = objectAt(raw, `intermediate_values[${i}]`);
      const step = o.step;
      if (!Number.isSafeInteger(step) || (step as number) < 0) throw new InvalidParameter(`Parameter 'intermediate_values[${i}].step' must be an integer >= 0, got ${JSON.stringify(step)}.`);
      return [step as number, parseDouble(o.value ?? null, `intermediate_values[${i}].value`)];
    }),
    userAttrs: (f.user_attrs === undefined || f.user_attrs === null ? {} : objectAt(f.user_attrs, 'user_attrs')) as Record<string, JsonValue>,
    systemAttrs: (f.system_attrs === undefined || f.system_attrs === null ? {} : objectAt(f.system_attrs, 'system_attrs')) as Record<string, JsonValue>,
  };
  for (const [key, v] of Object.entries(patch.systemAttrs)) {
    if (key === SystemAttr.constraints) {
      if (!Array.isArray(v) || v.some((x) => typeof x !== 'number')) throw new InvalidParameter(`Parameter 'system_attrs.constraints' must be an array of numbers.`);
    } else if (!WORKER_SYSTEM_ATTR.test(key)) {
      throw new InvalidParameter(`Parameter 'system_attrs.${key}': workers may write only constraints and pruner rung records.`);
    } else if (typeof v !== 'number') {
      throw new InvalidParameter(`Parameter 'system_attrs.${key}' must be a number.`);
    }
  }
  return isEmpty(patch) ? null : patch;
}

/**
 * Applies a patch to the live trial under the engine's define-by-run rules (one distribution per
 * name in a trial, one kind per study, values inside their distribution unless enqueued). Every
 * check runs before the first change.
 */
export function applyWorkerPatch(trial: Trial, nObjectives: number, patch: WorkerPatch): void {
  const seen = new Map<string, Distribution>();
  for (const { name, distribution, value } of patch.params) {
    const dup = seen.get(name);
    if (dup) throw new InvalidParameter(`Parameter '${name}' appears twice in one request.`);
    seen.set(name, distribution);
    trial.checkSuggestion(name, distribution);
    let internal: number;
    try {
      internal = toInternal(distribution, value);
    } catch (e) {
      throw new InvalidParameter(`Parameter '${name}': ${(e as Error).message}`);
    }
    const fixed = name in trial.fixedParams ? trial.fixedParams[name] : trial.samplerValues[name];
    if (fixed !== value && !containsInternal(distribution, internal)) throw new InvalidParameter(`Parameter '${name}': ${JSON.stringify(value)} is outside ${JSON.stringify(distribution)}.`);
  }
  if (patch.intermediateValues.length && nObjectives > 1) throw new InvalidParameter(`Parameter 'intermediate_values': reports are not supported for multi-objective studies (pruners need one objective).`);
  for (const { name, distribution, value } of patch.params) trial.suggestGiven(name, distribution, value);
  for (const [step, value] of patch.intermediateValues) trial.report(value, step);
  for (const [k, v] of Object.entries(patch.userAttrs)) trial.setUserAttr(k, v);
  for (const [k, v] of Object.entries(patch.systemAttrs)) trial.setSystemAttr(k, v);
}

function asArray(v: unknown, field: string): unknown[] {
  if (!Array.isArray(v)) throw new InvalidParameter(`Parameter '${field}' must be a list.`);
  return v;
}
