/**
 * @module Builds the InvalidParameter every search-parsing failure becomes, so messages share one
 * shape: `Invalid filter '<text>': <problem> at position <n>`.
 */
import { InvalidParameter } from '../../core/errors.js';

/** What is being parsed, for the message: the `filter` string or one `order_by` item. */
export type SourceLabel = 'filter' | 'order_by';

/** The text being parsed and what it is; passed from the parser down to the lexer. */
export interface Source {
  label: SourceLabel;
  text: string;
}

// Long filters are echoed as a window around the error so a 10,000-char filter does not become a
// 10,000-char error message; 200 chars keep a typical filter whole.
const ECHO_WHOLE_MAX = 200;
const ECHO_WINDOW = 80;

function echo(text: string, position: number): string {
  if (text.length <= ECHO_WHOLE_MAX) return text;
  const from = Math.max(0, position - ECHO_WINDOW);
  const to = Math.min(text.length, position + ECHO_WINDOW);
  return `${from > 0 ? '...' : ''}${text.slice(from, to)}${to < text.length ? '...' : ''}`;
}

/**
 * An InvalidParameter that names the problem, where it is, and optionally how to fix it:
 * `Invalid filter 'a OR b': unexpected 'OR' at position 2; only AND is supported`.
 * @param position 0-based character offset into `source.text` (as JSON.parse reports it).
 */
export function syntaxError(
  source: Source,
  problem: string,
  position: number,
  hint?: string,
): InvalidParameter {
  const fix = hint === undefined ? '' : `; ${hint}`;
  return new InvalidParameter(
    `Invalid ${source.label} '${echo(source.text, position)}': ${problem} at position ${position}${fix}`,
  );
}

/** Shortens source text for a message so one huge token cannot flood it. */
export function clip(text: string): string {
  return text.length <= 60 ? text : `${text.slice(0, 57)}...`;
}

/** Shows source text in a message in single quotes: `'OR'`. */
export function show(text: string): string {
  return `'${clip(text)}'`;
}
