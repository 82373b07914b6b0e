import { InvalidParameter } from './errors.js';

/**
 * @module JSON from clients, parsed with a nesting limit. V8 parses 5,000-deep JSON happily, but
 * every recursive step after it (validation, error formatting, JSON.stringify of a clip)
 * overflows the stack; so depth is checked on the text first, in one pass without recursion.
 */
export const MAX_JSON_DEPTH = 64;

/** The deepest nesting of `[`/`{` in JSON text, stopping early once past `limit`. */
export function jsonDepth(text: string, limit = MAX_JSON_DEPTH): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92 /* \ */) i++;
      else if (c === 34 /* " */) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 91 || c === 123) {
      if (++depth > max) max = depth;
      if (max > limit) return max;
    } else if (c === 93 || c === 125) depth--;
  }
  return max;
}

/** JSON.parse with the nesting limit; `what` names the field or body in the 400. */
export function parseClientJson(text: string, what: string): unknown {
  if (jsonDepth(text) > MAX_JSON_DEPTH) throw new InvalidParameter(`${what} is nested more than ${MAX_JSON_DEPTH} levels deep.`);
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new InvalidParameter(`Malformed JSON in ${what}: ${(e as Error).message.slice(0, 200)}`);
  }
}
