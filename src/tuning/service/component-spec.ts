/**
 * @module Samplers and pruners named in JSON: `{ "name": "tpe", "options": { "n_startup_trials": 5 } }`.
 *
 * A study created over HTTP (or from Python) cannot pass a Sampler object, so it names one; the
 * spec is stored with the study and every server rebuilds the same sampler from it. Options are
 * checked against a table before anything is built: an unknown key or a wrong type is a 400
 * naming `sampler.options.<key>`. Keys may be snake_case (HTTP, Python) or camelCase (TS).
 */
import { InvalidParameter } from '../../core/errors.js';
import type { JsonValue } from '../frozen-trial.js';

/** What a study stores: a canonical name and options with snake_case keys. */
export interface ComponentSpec {
  name: string;
  options: Record<string, JsonValue>;
}

/** How an option is checked: a JSON type, a list of allowed strings, or a custom reader. */
export type OptionKind = 'int' | 'number' | 'bool' | readonly string[] | ((v: unknown, where: string) => JsonValue);

export interface ComponentEntry<T> {
  /** Accepted spellings besides the canonical name (compared without case, '-' or '_'). */
  aliases: readonly string[];
  options: Record<string, OptionKind>;
  required?: readonly string[];
  /** Builds from checked options (camelCase keys). */
  build(options: Record<string, any>): T;
}

const squash = (s: string) => s.toLowerCase().replace(/[-_\s]/g, '');
export const toSnake = (k: string) => k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
const toCamel = (k: string) => k.replace(/_([a-z0-9])/g, (_m, c: string) => c.toUpperCase());

function describe(v: unknown): string {
  const s = JSON.stringify(v) ?? String(v);
  return s.length > 60 ? `${s.slice(0, 60)}...` : s;
}

function checkOption(kind: OptionKind, v: unknown, where: string): JsonValue {
  if (typeof kind === 'function') return kind(v, where);
  if (Array.isArray(kind)) {
    if (typeof v === 'string' && kind.includes(v)) return v;
    throw new InvalidParameter(`Parameter '${where}' must be one of ${kind.map((k) => `'${k}'`).join(', ')}, got ${describe(v)}.`);
  }
  if (kind === 'bool' && typeof v === 'boolean') return v;
  if (kind === 'int' && Number.isSafeInteger(v)) return v as number;
  if (kind === 'number' && typeof v === 'number' && Number.isFinite(v)) return v;
  const want = kind === 'bool' ? 'true or false' : kind === 'int' ? 'an integer' : 'a finite number';
  throw new InvalidParameter(`Parameter '${where}' must be ${want}, got ${describe(v)}.`);
}

/**
 * Reads a spec from a request: a name string, or `{ name, options }`. `field` names the request
 * field in messages (`sampler`, `pruner`, `pruner.options.wrapped`).
 */
export function parseSpec<T>(table: Record<string, ComponentEntry<T>>, raw: unknown, field: string): ComponentSpec {
  const obj = typeof raw === 'string' ? { name: raw } : raw;
  if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) {
    throw new InvalidParameter(`Parameter '${field}' must be a name or an object { name, options }, got ${describe(raw)}.`);
  }
  const { name: rawName, options: rawOptions, ...rest } = obj as Record<string, unknown>;
  const stray = Object.keys(rest);
  if (stray.length) throw new InvalidParameter(`Parameter '${field}.${stray[0]}' is not allowed; options go under '${field}.options'.`);
  if (typeof rawName !== 'string' || !rawName) throw new InvalidParameter(`Missing value for required parameter '${field}.name'.`);
  const name = Object.keys(table).find((k) => squash(k) === squash(rawName) || table[k]!.aliases.some((a) => squash(a) === squash(rawName)));
  if (!name) throw new InvalidParameter(`Parameter '${field}.name': unknown ${field.split('.')[0]} '${rawName}'; expected one of ${Object.keys(table).join(', ')}.`);
  const entry = table[name]!;
  if (rawOptions !== undefined && rawOptions !== null && (typeof rawOptions !== 'object' || Array.isArray(rawOptions))) {
    throw new InvalidParameter(`Parameter '${field}.options' must be an object, got ${describe(rawOptions)}.`);
  }
  const options: Record<string, JsonValue> = {};
  for (const [k, v] of Object.entries((rawOptions ?? {}) as Record<string, unknown>)) {
    const key = toSnake(k);
    const kind = entry.options[key];
    if (!kind) {
      const known = Object.keys(entry.options);
      throw new InvalidParameter(`Parameter '${field}.options.${k}' is not an option of ${name}; known: ${known.length ? known.join(', ') : 'none'}.`);
    }
    if (v === undefined || v === null) continue;
    options[key] = checkOption(kind, v, `${field}.options.${key}`);
  }
  for (const r of entry.required ?? []) {
    if (!(r in options)) throw new InvalidParameter(`Missing value for required parameter '${field}.options.${r}' (${name}).`);
  }
  return { name, options };
}

/** Builds the component a stored spec names; constructor complaints become 400s naming `field`. */
export function buildSpec<T>(table: Record<string, ComponentEntry<T>>, spec: ComponentSpec, field: string): T {
  const entry = table[spec.name];
  if (!entry) throw new InvalidParameter(`Parameter '${field}.name': unknown ${field} '${spec.name}'.`);
  const camel: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(spec.options)) camel[toCamel(k)] = v;
  try {
    return entry.build(camel);
  } catch (e) {
    throw new InvalidParameter(`Parameter '${field}' (${spec.name}): ${(e as Error).message}`);
  }
}
