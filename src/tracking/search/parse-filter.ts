/**
 * @module Parses a search filter (`metrics.rmse < 1 and params.model = 'tree'`) into typed
 * comparisons for one domain's grammar. Recursive descent without recursion: the grammar is a flat
 * AND chain, so input size, not nesting, is the only thing to bound.
 */
import { InvalidParameter } from '../../core/errors.js';
import type {
  Comparison, ListOp, NullOp, NumericOp, Op, StringOp,
} from './filter-ast.js';
import { ruleFor, type KeyRule, type SearchGrammar } from './grammar.js';
import { identifierSegments, resolveIdentifier, type KeyRef } from './identifier.js';
import { tokenize, type Token } from './lexer.js';
import { clip, show, type Source } from './syntax-error.js';
import { describe, TokenCursor } from './token-cursor.js';

/**
 * Longest filter accepted. MLflow has no limit; 10,000 chars holds ~400 conditions, far past any
 * UI or SDK filter, and the worst such filter parses in ~1.3 ms (measured on a shared 2-core box).
 */
export const MAX_FILTER_LENGTH = 10_000;
/**
 * Comparisons a filter may AND together. PostgreSQL plans each as another join: 100 of them ran
 * 94 s on 87 runs (issue 12), 50 about 12 s, while no real filter needs more than a handful.
 */
export const MAX_FILTER_CLAUSES = 50;

const NUMERIC_OPS: ReadonlySet<Op> = new Set<NumericOp>(['=', '!=', '<', '<=', '>', '>=']);
const STRING_OPS: ReadonlySet<Op> = new Set<StringOp>(['=', '!=', 'LIKE', 'ILIKE']);
const isNumericOp = (op: Op): op is NumericOp => NUMERIC_OPS.has(op);
const isStringOp = (op: Op): op is StringOp => STRING_OPS.has(op);
const isListOp = (op: Op): op is ListOp => op === 'IN' || op === 'NOT IN';
const isNullOp = (op: Op): op is NullOp => op === 'IS NULL' || op === 'IS NOT NULL';

const isKeyword = (token: Token, word: string): boolean =>
  token.kind === 'keyword' && token.value === word;

/** `metric 'acc'`, `attribute 'start_time'`: the subject of a message. */
const subject = (ref: KeyRef): string => `${ref.entity} ${show(ref.key)}`;

/** Rejects a token where a key should start, saying what the text probably meant. */
function failNotAKey(c: TokenCursor, token: Token): never {
  if (token.kind === 'lparen') {
    c.fail("unexpected '('", token, 'parentheses are only allowed around IN lists; only AND is supported, so conditions need no grouping');
  }
  if (isKeyword(token, 'OR')) c.fail(`unexpected ${show(token.text)}`, token, 'only AND is supported');
  if (isKeyword(token, 'NOT')) {
    c.fail(`unexpected ${show(token.text)}`, token, 'NOT is only supported in NOT IN and IS NOT NULL');
  }
  if (token.kind === 'string') {
    c.fail(`expected a key, found ${describe(token, 'filter')}`, token, 'quote keys with backticks, e.g. tags.`my tag`');
  }
  c.fail(`expected a key such as metrics.<name>, found ${describe(token, 'filter')}`, token);
}

/** Reads the comparator; returns it with the offset where it ends. */
function parseOp(c: TokenCursor, ref: KeyRef, rule: KeyRule): { op: Op; at: Token; end: number } {
  const at = c.next();
  if (at.kind === 'comparator') return { op: at.value, at, end: at.end };
  if (at.kind === 'keyword') {
    switch (at.value) {
      case 'LIKE':
      case 'ILIKE':
      case 'IN':
        return { op: at.value, at, end: at.end };
      case 'NOT': {
        const after = c.next();
        if (isKeyword(after, 'IN')) return { op: 'NOT IN', at, end: after.end };
        c.fail(`expected IN after 'NOT', found ${describe(after, 'filter')}`, after, 'NOT is only supported in NOT IN and IS NOT NULL');
      }
      case 'IS': {
        let after = c.next();
        const negated = isKeyword(after, 'NOT');
        if (negated) after = c.next();
        if (isKeyword(after, 'NULL')) return { op: negated ? 'IS NOT NULL' : 'IS NULL', at, end: after.end };
        c.fail(`expected NULL after 'IS${negated ? ' NOT' : ''}', found ${describe(after, 'filter')}`, after);
      }
    }
  }
  c.fail(`expected a comparator after ${subject(ref)}, found ${describe(at, 'filter')}`, at, `use one of ${rule.ops.join(', ')}`);
}

/** Reads `( 'a', 'b' )`. */
function parseList(c: TokenCursor, op: ListOp): { value: string[]; end: number } {
  const open = c.next();
  if (open.kind !== 'lparen') c.fail(`expected '(' after ${op}, found ${describe(open, 'filter')}`, open);
  const value: string[] = [];
  for (;;) {
    const item = c.next();
    if (item.kind === 'string') {
      value.push(item.value);
    } else if (item.kind === 'rparen' && value.length === 0) {
      c.fail(`empty ${op} list`, item, 'list at least one quoted string');
    } else {
      c.fail(`expected a quoted string in the ${op} list, found ${describe(item, 'filter')}`, item);
    }
    const separator = c.next();
    if (separator.kind === 'rparen') return { value, end: separator.end };
    if (separator.kind !== 'comma') {
      c.fail(`expected ',' or ')' in the ${op} list, found ${describe(separator, 'filter')}`, separator);
    }
  }
}

function parseString(c: TokenCursor, ref: KeyRef): Token & { kind: 'string' } {
  const token = c.next();
  if (token.kind === 'string') return token;
  const found = describe(token, 'filter');
  if (token.kind === 'lparen') c.fail(`expected a quoted string for ${subject(ref)}, found '('`, token, 'a list needs IN or NOT IN');
  let hint: string | undefined;
  if (token.kind === 'ident' && token.segments.every((s) => s.quoted)) {
    hint = 'backticks quote keys; quote values with single or double quotes';
  } else if (token.kind === 'number' || token.kind === 'ident' || token.kind === 'keyword') {
    hint = `quote it: '${clip(token.text)}'`;
  }
  c.fail(`expected a quoted string for ${subject(ref)}, found ${found}`, token, hint);
}

function parseNumber(c: TokenCursor, ref: KeyRef, integer: boolean): Token & { kind: 'number' } {
  const token = c.next();
  const wanted = integer ? 'an integer' : 'a number';
  if (token.kind !== 'number') {
    const special = token.kind === 'ident' && /^(nan|inf|infinity)$/i.test(token.text);
    c.fail(`expected ${wanted} for ${subject(ref)}, found ${describe(token, 'filter')}`, token,
      special ? 'NaN and Infinity are not supported in filters' : undefined);
  }
  if (integer && !Number.isSafeInteger(token.value)) {
    c.fail(`expected ${wanted} for ${subject(ref)}, found number ${show(token.text)}`, token);
  }
  return token;
}

/** Reads `<key> <op> [<value>]`. */
function parseComparison(c: TokenCursor, grammar: SearchGrammar): Comparison {
  const first = c.next();
  const segments = identifierSegments(first);
  if (segments === undefined) failNotAKey(c, first);
  const ref = resolveIdentifier(c.source, grammar, first, segments);
  const rule = ruleFor(grammar, ref.entity, ref.key)!;
  const { op, at, end: opEnd } = parseOp(c, ref, rule);
  if (!(rule.ops as readonly Op[]).includes(op)) {
    c.fail(`comparator '${op}' is not allowed for ${subject(ref)}`, at, `use one of ${rule.ops.join(', ')}`);
  }
  // Literals rather than `{ ...base }`: the spread cost 4 µs of a 5 µs one-condition parse,
  // and one property order for every kind keeps object shapes alike for the SQL builder.
  const { entity, key } = ref;
  const start = first.start;
  if (isNullOp(op)) return { kind: 'null', entity, key, op, value: null, start, end: opEnd };
  if (isListOp(op)) {
    const { value, end } = parseList(c, op);
    return { kind: 'list', entity, key, op, value, start, end };
  }
  if (rule.type === 'string' && isStringOp(op)) {
    const { value, end } = parseString(c, ref);
    return { kind: 'string', entity, key, op, value, start, end };
  }
  if (rule.type !== 'string' && isNumericOp(op)) {
    const { value, end } = parseNumber(c, ref, rule.type === 'integer');
    return { kind: 'number', entity, key, op, value, start, end };
  }
  // Unreachable: KeyRule's type pairs numeric keys with numeric comparators only, and string
  // keys with string, list and null comparators only. Kept so the function provably returns.
  c.fail(`comparator '${op}' is not allowed for ${subject(ref)}`, at);
}

/**
 * Parses a search filter for one domain. An absent, empty or all-blank filter is `[]`.
 * @throws InvalidParameter naming the offending token and its 0-based position, e.g.
 *   `Invalid filter 'metrics.acc > 0.9 OR x': unexpected 'OR' at position 18; only AND is supported`.
 * @example parseFilter("metrics.rmse < 1 and params.model = 'tree'", RUNS_GRAMMAR)
 * // [{ kind: 'number', entity: 'metric', key: 'rmse', op: '<', value: 1, start: 0, end: 16 },
 * //  { kind: 'string', entity: 'param', key: 'model', op: '=', value: 'tree', start: 21, end: 42 }]
 */
export function parseFilter(text: string | undefined, grammar: SearchGrammar): Comparison[] {
  // HTTP input is only typed at the edge; a number or object here must still be a 400.
  if (text === undefined || text === null) return [];
  if (typeof text !== 'string') {
    throw new InvalidParameter(`Invalid filter: expected a string, got ${typeof text}`);
  }
  if (text.length > MAX_FILTER_LENGTH) {
    throw new InvalidParameter(
      `Invalid filter: ${text.length} characters is longer than the ${MAX_FILTER_LENGTH} allowed`,
    );
  }
  if (text.trim() === '') return [];
  const source: Source = { label: 'filter', text };
  const c = new TokenCursor(source, tokenize(source));
  const comparisons: Comparison[] = [];
  for (;;) {
    comparisons.push(parseComparison(c, grammar));
    if (comparisons.length > MAX_FILTER_CLAUSES) {
      throw new InvalidParameter(`Invalid filter: it has more than ${MAX_FILTER_CLAUSES} comparisons joined by AND, the most a filter may have; narrow it to the conditions that matter.`);
    }
    const token = c.next();
    if (token.kind === 'eof') return comparisons;
    if (isKeyword(token, 'AND')) continue;
    if (isKeyword(token, 'OR')) c.fail(`unexpected ${show(token.text)}`, token, 'only AND is supported');
    c.fail(`expected AND or the end of the filter, found ${describe(token, 'filter')}`, token);
  }
}
