/**
 * @module JSON text for the tuning tables. Objective values may be ±Infinity (Optuna allows
 * them) and categorical choices may be any non-NaN number, but JSON has no such literals:
 * `JSON.stringify(Infinity)` is `null`, which would turn a stored value into a different one.
 * Non-finite numbers are written as `{"$num":"Infinity"}` and read back as numbers.
 */

const TAG = '$num';

function replacer(_key: string, v: unknown): unknown {
  if (typeof v === 'number' && !Number.isFinite(v)) return { [TAG]: String(v) };
  return v;
}

function reviver(_key: string, v: unknown): unknown {
  if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
    const o = v as Record<string, unknown>;
    const keys = Object.keys(o);
    if (keys.length === 1 && keys[0] === TAG && typeof o[TAG] === 'string') return Number(o[TAG]);
  }
  return v;
}

/** JSON text that keeps NaN and ±Infinity. */
export function toJsonText(value: unknown): string {
  return JSON.stringify(value, replacer);
}

/** Reads what `toJsonText` wrote. */
export function fromJsonText<T>(text: string | null | undefined, fallback: T): T {
  if (text === null || text === undefined) return fallback;
  // A reviver makes JSON.parse call back for every key (~3x slower); most texts have no tag.
  return (text.includes(TAG) ? JSON.parse(text, reviver) : JSON.parse(text)) as T;
}

/** A double as PostgreSQL's JSON functions write it: NaN is stored as NULL, infinities come as strings. */
export function jsonDouble(v: number | string | null): number {
  if (v === null) return Number.NaN;
  if (typeof v === 'number') return v;
  return v === 'Infinity' ? Infinity : v === '-Infinity' ? -Infinity : Number(v);
}
