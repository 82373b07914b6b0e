import { InvalidParameter } from './errors.js';

/**
 * @module JSON from clients, parsed with a nesting limit. V8's JSON.parse is iterative and takes
 * any depth, but every recursive step after it (validation, error formatting, JSON.stringify of a
 * clip) overflows the stack on a 5,000-deep value; so the parsed value's depth is checked, in one
 * pass without recursion. It is checked after parsing, not on the text: a scan of the text cost
 * ~150 µs of an 80 kB log-batch (as much as half of JSON.parse), the walk of the parsed value
 * ~25 µs, and a deep text costs JSON.parse no more time or memory than a flat one of its size
 * (24 MB: ~1.7 s and ~600 MB either way), which the body limit bounds.
 */
export const MAX_JSON_DEPTH = 64;

/** The deepest nesting of arrays and objects in a parsed JSON value (a scalar is 0), stopping once past `limit`. */
export function valueDepth(root: unknown, limit = MAX_JSON_DEPTH): number {
  // Level by level: the containers at one depth, then the containers inside them.
  let level: object[] = isContainer(root) ? [root] : [];
  let depth = 0;
  while (level.length) {
    if (++depth > limit) return depth;
    const next: object[] = [];
    for (const v of level) {
      if (Array.isArray(v)) {
        for (const c of v) if (isContainer(c)) next.push(c);
      } else {
        for (const k in v) {
          const c = (v as Record<string, unknown>)[k];
          if (isContainer(c)) next.push(c);
        }
      }
    }
    level = next;
  }
  return depth;
}

const isContainer = (v: unknown): v is object => v !== null && typeof v === 'object';

/** JSON.parse with the nesting limit; `what` names the field or body in the 400. */
export function parseClientJson(text: string, what: string): unknown {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new InvalidParameter(`Malformed JSON in ${what}: ${(e as Error).message.slice(0, 200)}`);
  }
  if (valueDepth(value) > MAX_JSON_DEPTH) throw new InvalidParameter(`${what} is nested more than ${MAX_JSON_DEPTH} levels deep.`);
  return value;
}
