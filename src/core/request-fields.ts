import { InvalidParameter } from './errors.js';

/**
 * @module Readers for request fields that follow MLflow's parsing rules (reference §2): numbers
 * may arrive as strings (int64 in proto JSON), query strings repeat keys for lists, unknown fields
 * are ignored. Unlike MLflow, a wrong type or an unknown enum name is a 400 that names the field
 * instead of being silently dropped (reference §7 #4).
 */
export type Fields = Record<string, unknown>;

const INT_RE = /^-?\d+$/;

/** A string as given, or a 400 naming the field: NUL cannot be stored in PostgreSQL text. */
function checkedString(v: string, name: string): string {
  if (v.includes('\u0000')) throw new InvalidParameter(`Invalid value for parameter '${name}' supplied: it contains a NUL character (\\u0000).`);
  return v;
}

export function optString(f: Fields, name: string): string | undefined {
  const v = f[name];
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'string') return checkedString(v, name);
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  throw new InvalidParameter(`Invalid value ${clip(v)} for parameter '${name}' supplied: expected a string`);
}

/** A value for an error message: JSON, cut short. */
function clip(v: unknown): string {
  const s = JSON.stringify(v) ?? String(v);
  return s.length > 60 ? `${s.slice(0, 60)}...` : s;
}

export function reqString(f: Fields, name: string): string {
  const v = optString(f, name);
  if (v === undefined || v === '') throw new InvalidParameter(`Missing value for required parameter '${name}'.`);
  return v;
}

/**
 * A name that is stored in an index (a study, a parameter): at most `max` characters, the same
 * on both dialects (PostgreSQL cannot index a 1 MB value; SQLite would store it).
 */
export function reqName(f: Fields, name: string, max = MAX_NAME_LENGTH): string {
  const v = reqString(f, name);
  if (v.length > max) throw new InvalidParameter(`Invalid value for parameter '${name}': it is ${v.length} characters long; at most ${max} are allowed.`);
  return v;
}

/** Optuna's limit on indexed names (study, parameter, attribute names). */
export const MAX_NAME_LENGTH = 512;

/** The run id, accepting MLflow's legacy `run_uuid` alias. */
export function reqRunId(f: Fields): string {
  const v = optString(f, 'run_id') ?? optString(f, 'run_uuid');
  if (!v) throw new InvalidParameter(`Missing value for required parameter 'run_id'.`);
  return v;
}

export function optInt(f: Fields, name: string, opts: { min?: number; max?: number } = {}): number | undefined {
  const v = f[name];
  if (v === undefined || v === null || v === '') return undefined;
  let n: number;
  if (typeof v === 'number' && Number.isInteger(v)) n = v;
  else if (typeof v === 'string' && INT_RE.test(v.trim())) n = Number(v.trim());
  else throw new InvalidParameter(`Invalid value ${clip(v)} for parameter '${name}' supplied: expected an integer`);
  if (!Number.isSafeInteger(n)) throw new InvalidParameter(`Parameter '${name}' is out of range: ${v}`);
  if (opts.min !== undefined && n < opts.min) throw new InvalidParameter(`Parameter '${name}' must be at least ${opts.min}, got ${n}`);
  if (opts.max !== undefined && n > opts.max) throw new InvalidParameter(`Parameter '${name}' must be at most ${opts.max}, got ${n}`);
  return n;
}

export function reqInt(f: Fields, name: string, opts: { min?: number; max?: number } = {}): number {
  const v = optInt(f, name, opts);
  if (v === undefined) throw new InvalidParameter(`Missing value for required parameter '${name}'.`);
  return v;
}

/** A double as proto JSON writes it: a number, or "NaN" / "Infinity" / "-Infinity" / a numeric string. */
export function parseDouble(v: unknown, name: string): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'string') {
    const s = v.trim();
    if (s === 'NaN' || s === 'nan') return NaN;
    if (s === 'Infinity' || s === 'inf' || s === '+Infinity') return Infinity;
    if (s === '-Infinity' || s === '-inf') return -Infinity;
    if (s !== '' && Number.isFinite(Number(s))) return Number(s);
  }
  throw new InvalidParameter(`Invalid value ${clip(v)} for parameter '${name}' supplied: expected a number`);
}

export function optBool(f: Fields, name: string): boolean | undefined {
  const v = f[name];
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'boolean') return v;
  if (v === 'true' || v === 'True') return true;
  if (v === 'false' || v === 'False') return false;
  throw new InvalidParameter(`Invalid value ${clip(v)} for parameter '${name}' supplied: expected true or false`);
}

/**
 * A repeated field: a JSON array, a repeated query key, or one scalar (a query key given once).
 * A JSON object where a list belongs is a 400, not a list of one.
 */
export function optArray(f: Fields, name: string): unknown[] | undefined {
  const v = f[name];
  if (v === undefined || v === null) return undefined;
  if (Array.isArray(v)) return v;
  if (typeof v === 'object') throw new InvalidParameter(`Invalid value ${clip(v)} for parameter '${name}' supplied: expected a list`);
  return [v];
}

export function optStringArray(f: Fields, name: string): string[] | undefined {
  const arr = optArray(f, name);
  if (!arr) return undefined;
  return arr.map((x, i) => {
    if (typeof x === 'string') return checkedString(x, `${name}[${i}]`);
    if (typeof x === 'number' && Number.isFinite(x)) return String(x);
    throw new InvalidParameter(`Invalid value ${clip(x)} for parameter '${name}[${i}]' supplied: expected a string`);
  });
}

/** An object inside a list (tags, metrics, params): anything else is a 400 naming its place. */
export function objectAt(v: unknown, where: string): Fields {
  if (v && typeof v === 'object' && !Array.isArray(v)) return v as Fields;
  throw new InvalidParameter(`Invalid value ${clip(v)} for parameter '${where}' supplied: expected an object`);
}

export function optEnum<T extends string>(f: Fields, name: string, allowed: readonly T[], opts: { caseInsensitive?: boolean } = {}): T | undefined {
  const v = optString(f, name);
  if (v === undefined) return undefined;
  const hit = allowed.find((a) => (opts.caseInsensitive ? a.toLowerCase() === v.toLowerCase() : a === v));
  if (!hit) throw new InvalidParameter(`Invalid value '${v}' for parameter '${name}': expected one of ${allowed.join(', ')}`);
  return hit;
}

/** Key/value pairs as MLflow sends tags: `[{key, value}]`. */
export function optKeyValues(f: Fields, name: string): { key: string; value: string }[] {
  const arr = optArray(f, name) ?? [];
  return arr.map((item, i) => {
    const o = objectAt(item, `${name}[${i}]`);
    const key = optString(o, 'key');
    if (!key) throw new InvalidParameter(`Missing value for required parameter '${name}[${i}].key'.`);
    return { key, value: optString(o, 'value') ?? '' };
  });
}
