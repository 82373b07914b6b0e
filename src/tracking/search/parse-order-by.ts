/**
 * @module Parses order_by items (`"metrics.acc DESC"`, ``"tags.`my tag`"``) into typed terms for
 * one domain's grammar.
 */
import { InvalidParameter } from '../../core/errors.js';
import type { OrderTerm } from './filter-ast.js';
import type { SearchGrammar } from './grammar.js';
import { identifierSegments, resolveIdentifier } from './identifier.js';
import { tokenize } from './lexer.js';
import type { Source } from './syntax-error.js';
import { describe, TokenCursor } from './token-cursor.js';

/** Most order_by items per request: each is a join or sort key; MLflow sets no limit. */
export const MAX_ORDER_BY_ITEMS = 100;
/** Longest order_by item: a 250-char key (MLflow's key limit), quoted, plus prefix and direction. */
export const MAX_ORDER_BY_LENGTH = 1_000;

/**
 * Parses one `"<identifier> [ASC|DESC]"` item (direction case-insensitive, ascending by default).
 * Logged-model search sends `{field_name, ascending}`; pass `field_name` here and take
 * `ascending` from the request.
 * @throws InvalidParameter naming the offending token and its position.
 * @example parseOrderByItem('metrics.`val/loss` DESC', RUNS_GRAMMAR)
 * // { entity: 'metric', key: 'val/loss', ascending: false }
 */
export function parseOrderByItem(item: string, grammar: SearchGrammar): OrderTerm {
  if (typeof item !== 'string') {
    throw new InvalidParameter(`Invalid order_by: expected a string, got ${typeof item}`);
  }
  if (item.length > MAX_ORDER_BY_LENGTH) {
    throw new InvalidParameter(
      `Invalid order_by: ${item.length} characters is longer than the ${MAX_ORDER_BY_LENGTH} allowed`,
    );
  }
  const source: Source = { label: 'order_by', text: item };
  // Annotated so that `c.fail(): never` narrows `segments` below.
  const c: TokenCursor = new TokenCursor(source, tokenize(source));
  const first = c.next();
  const segments = identifierSegments(first);
  if (segments === undefined) {
    c.fail(`expected a key, found ${describe(first, 'order_by')}`, first, "write '<key> [ASC|DESC]'");
  }
  const { entity, key } = resolveIdentifier(source, grammar, first, segments);
  let ascending = true;
  const direction = c.next();
  if (direction.kind === 'keyword' && (direction.value === 'ASC' || direction.value === 'DESC')) {
    ascending = direction.value === 'ASC';
    const end = c.next();
    if (end.kind !== 'eof') c.fail(`unexpected ${describe(end, 'order_by')} after the direction`, end);
  } else if (direction.kind !== 'eof') {
    c.fail(`expected ASC, DESC or the end, found ${describe(direction, 'order_by')}`, direction);
  }
  return { entity, key, ascending };
}

/**
 * Parses a request's order_by list; absent or empty is `[]` (the caller applies its default).
 * @throws InvalidParameter for the first bad item, or when there are too many.
 * @example parseOrderBy(['start_time DESC', 'metrics.acc'], RUNS_GRAMMAR)
 */
export function parseOrderBy(
  items: readonly string[] | undefined,
  grammar: SearchGrammar,
): OrderTerm[] {
  if (items === undefined || items === null) return [];
  if (!Array.isArray(items)) {
    throw new InvalidParameter(`Invalid order_by: expected a list of strings, got ${typeof items}`);
  }
  if (items.length > MAX_ORDER_BY_ITEMS) {
    throw new InvalidParameter(
      `Invalid order_by: ${items.length} items is more than the ${MAX_ORDER_BY_ITEMS} allowed`,
    );
  }
  return items.map((item) => parseOrderByItem(item, grammar));
}
