/**
 * @module The JSON shapes of the tuning API, both ways: trials and studies out, distributions and
 * warm-start trials in. Doubles that JSON cannot hold (NaN, ±Infinity) travel as the strings
 * "NaN", "Infinity", "-Infinity", as in MLflow's API.
 */
import { InvalidParameter } from '../core/errors.js';
import { objectAt, parseDouble, type Fields } from '../core/request-fields.js';
import { categoricalDistribution, floatDistribution, intDistribution, type CategoricalChoice, type Distribution } from './distributions.js';
import type { FrozenTrial, JsonValue, TrialState } from './frozen-trial.js';
import type { StudySummary } from './service/study-service.js';
import type { Trial } from './trial.js';
import type { TrialInput } from './trial-input.js';

export function jsonDouble(v: number): number | string {
  if (Number.isFinite(v)) return v;
  return Number.isNaN(v) ? 'NaN' : v > 0 ? 'Infinity' : '-Infinity';
}

export function trialJson(t: FrozenTrial): Record<string, unknown> {
  return {
    number: t.number,
    state: t.state,
    values: t.values ? t.values.map(jsonDouble) : null,
    params: t.params,
    distributions: t.distributions,
    intermediate_values: [...t.intermediateValues].sort((a, b) => a[0] - b[0]).map(([step, value]) => ({ step, value: jsonDouble(value) })),
    user_attrs: t.userAttrs,
    system_attrs: t.systemAttrs,
    datetime_start: t.datetimeStart,
    datetime_complete: t.datetimeComplete,
  };
}

/** A trial just asked: what a worker needs to run it. */
export function askedJson(t: Trial, fixedParams: Record<string, unknown>): Record<string, unknown> {
  return { number: t.number, state: 'RUNNING', params: t.params, distributions: t.distributions, fixed_params: fixedParams, user_attrs: t.userAttrs, datetime_start: t.datetimeStart };
}

export function studyJson(s: StudySummary): Record<string, unknown> {
  const c = s.config;
  const total = Object.values(s.counts).reduce((a, b) => a + (b ?? 0), 0);
  return {
    id: s.record.id,
    name: s.record.name,
    directions: s.record.directions,
    sampler: c.sampler,
    pruner: c.pruner,
    seed: c.seed,
    heartbeat_interval_ms: c.heartbeat_interval_ms,
    max_retry: c.max_retry,
    experiment_id: c.tracking?.experiment_id ?? null,
    parent_run_id: c.tracking?.parent_run_id ?? null,
    user_attrs: s.record.userAttrs,
    created_at: s.record.createdAt,
    n_trials: total,
    trial_counts: s.counts,
  };
}

const num = (o: Fields, key: string, where: string): number | undefined => (o[key] === undefined || o[key] === null ? undefined : parseDouble(o[key], `${where}.${key}`));

/**
 * A distribution as JSON: `{ "type": "float", "low": 0, "high": 1, "log": false, "step": null }`,
 * `{ "type": "int", ... }` or `{ "type": "categorical", "choices": [...] }`. Built by the engine's
 * constructors, whose messages name the parameter (`Parameter 'lr': log scale needs low > 0`).
 */
export function parseDistribution(name: string, raw: unknown, where: string): Distribution {
  const o = objectAt(raw, where);
  const type = o.type;
  if (type === 'categorical') return categoricalDistribution(name, o.choices as CategoricalChoice[]);
  if (type !== 'float' && type !== 'int') throw new InvalidParameter(`Parameter '${name}': '${where}.type' must be 'float', 'int' or 'categorical', got ${JSON.stringify(type) ?? 'nothing'}.`);
  const low = num(o, 'low', where);
  const high = num(o, 'high', where);
  if (low === undefined || high === undefined) throw new InvalidParameter(`Parameter '${name}': '${where}' needs low and high.`);
  if (o.log !== undefined && o.log !== null && typeof o.log !== 'boolean') throw new InvalidParameter(`Parameter '${name}': '${where}.log' must be true or false.`);
  const step = num(o, 'step', where);
  const opts = { log: o.log === true, ...(step !== undefined ? { step } : {}) };
  return type === 'float' ? floatDistribution(name, low, high, opts) : intDistribution(name, low, high, opts);
}

/** `{ name: distribution }` as a list, each checked. */
export function parseSearchSpace(raw: unknown, field: string): { name: string; distribution: Distribution }[] {
  if (raw === undefined || raw === null) return [];
  const o = objectAt(raw, field);
  return Object.entries(o).map(([name, d]) => ({ name, distribution: parseDistribution(name, d, `${field}.${name}`) }));
}

const STATES: readonly TrialState[] = ['COMPLETE', 'PRUNED', 'FAIL', 'WAITING'];

/** A warm-start trial: the FrozenTrial JSON shape (values may be "Infinity"); the engine checks the rest. */
export function parseTrialInput(raw: unknown, where: string): TrialInput {
  const o = objectAt(raw, where);
  const state = o.state ?? 'COMPLETE';
  if (!STATES.includes(state as TrialState)) throw new InvalidParameter(`Parameter '${where}.state' must be one of ${STATES.join(', ')}, got ${JSON.stringify(state)}.`);
  const values = o.values === undefined || o.values === null ? undefined : Array.isArray(o.values) ? o.values.map((v, i) => parseDouble(v, `${where}.values[${i}]`)) : [parseDouble(o.values, `${where}.values`)];
  const value = o.value === undefined || o.value === null ? undefined : parseDouble(o.value, `${where}.value`);
  const dists: Record<string, Distribution> = {};
  for (const [name, d] of Object.entries(o.distributions ? objectAt(o.distributions, `${where}.distributions`) : {})) dists[name] = parseDistribution(name, d, `${where}.distributions.${name}`);
  const inter: Record<number, number> = {};
  for (const [i, item] of (Array.isArray(o.intermediate_values) ? o.intermediate_values : []).entries()) {
    const iv = objectAt(item, `${where}.intermediate_values[${i}]`);
    inter[Number(iv.step)] = parseDouble(iv.value, `${where}.intermediate_values[${i}].value`);
  }
  return {
    state: state as TrialState,
    ...(values ? { values } : {}),
    ...(value !== undefined ? { value } : {}),
    params: (o.params ? objectAt(o.params, `${where}.params`) : {}) as Record<string, CategoricalChoice>,
    distributions: dists,
    intermediateValues: inter,
    userAttrs: (o.user_attrs ? objectAt(o.user_attrs, `${where}.user_attrs`) : {}) as Record<string, JsonValue>,
  };
}
