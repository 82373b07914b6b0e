/**
 * @module Prints comparisons and order terms back to canonical text that `parseFilter` /
 * `parseOrderBy` read back to the same AST (offsets aside). Canonical means: full entity prefix
 * (`attributes.start_time`), aliases already resolved, single-quoted strings, `!=` for `<>`.
 * Useful wherever a filter must be stored or compared as text, e.g. page tokens.
 */
import type { Comparison, Entity, OrderTerm } from './filter-ast.js';
import { ENTITY_PREFIX } from './grammar.js';

// A key prints bare when every dot-separated part is a plain word, which the lexer reads back
// as the same key (the prefix splits on the first dot, the rest is rejoined).
const BARE_KEY = /^[\p{L}\p{M}\p{N}_]+(?:\.[\p{L}\p{M}\p{N}_]+)*$/u;

/** `'it''s'`: single quotes doubled, backslashes escaped so `\'` cannot form. */
export function quoteString(value: string): string {
  return `'${value.replaceAll('\\', '\\\\').replaceAll("'", "''")}'`;
}

/** `metrics.acc`, ``tags.`my tag` ``. */
export function printKey(entity: Entity, key: string): string {
  const printed = BARE_KEY.test(key) ? key : `\`${key.replaceAll('`', '``')}\``;
  return `${ENTITY_PREFIX[entity]}.${printed}`;
}

/** One comparison, e.g. `attributes.run_id IN ('a', 'b')`. */
export function printComparison(c: Comparison): string {
  const key = printKey(c.entity, c.key);
  switch (c.kind) {
    case 'number':
      // String() is the shortest text that reads back to the same double (`1e+21`, `5e-324`).
      return `${key} ${c.op} ${String(c.value)}`;
    case 'string':
      return `${key} ${c.op} ${quoteString(c.value)}`;
    case 'list':
      return `${key} ${c.op} (${c.value.map(quoteString).join(', ')})`;
    case 'null':
      return `${key} ${c.op}`;
  }
}

/**
 * A whole filter: comparisons joined by ` AND `; `[]` prints as `''`.
 * @example printFilter(parseFilter("created > 5 and tags.x = \"a\"", RUNS_GRAMMAR))
 * // "attributes.start_time > 5 AND tags.x = 'a'"
 */
export function printFilter(comparisons: readonly Comparison[]): string {
  return comparisons.map(printComparison).join(' AND ');
}

/** One order_by item with an explicit direction, e.g. `metrics.acc DESC`. */
export function printOrderTerm(term: OrderTerm): string {
  return `${printKey(term.entity, term.key)} ${term.ascending ? 'ASC' : 'DESC'}`;
}
