import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InvalidParameter } from '../../core/errors.js';
import type { Comparison } from './filter-ast.js';
import { GRAMMARS } from './grammars.js';
import { MAX_FILTER_LENGTH, parseFilter } from './parse-filter.js';
import { parseOrderBy } from './parse-order-by.js';
import { printFilter } from './print-filter.js';

const grammars = Object.values(GRAMMARS);
const withoutOffsets = (cs: Comparison[]) => cs.map(({ start: _s, end: _e, ...rest }) => rest);

// Signs that a message was built from a non-string (a prototype member, a missing entry).
const LEAKED = /undefined|\[object |function /;

/**
 * Runs `parse`; it may return or throw, but the only error allowed is InvalidParameter, and its
 * message must not show JavaScript internals (unless the input itself contains such words).
 */
function onlyInvalidParameter(parse: () => unknown, input: unknown): unknown {
  try {
    return parse();
  } catch (e) {
    expect(e).toBeInstanceOf(InvalidParameter);
    if (!LEAKED.test(String(input))) expect((e as Error).message).not.toMatch(LEAKED);
    return undefined;
  }
}

/** Whatever parses must print and re-parse to the same comparisons, within the text's bounds. */
function checkFilter(text: string): void {
  for (const grammar of grammars) {
    const parsed = onlyInvalidParameter(() => parseFilter(text, grammar), text) as Comparison[] | undefined;
    if (parsed === undefined) continue;
    for (const c of parsed) {
      expect(0 <= c.start && c.start < c.end && c.end <= text.length).toBe(true);
    }
    const printed = printFilter(parsed);
    if (printed.length <= MAX_FILTER_LENGTH) {
      expect(withoutOffsets(parseFilter(printed, grammar))).toEqual(withoutOffsets(parsed));
    }
  }
}

function checkOrderBy(item: string): void {
  for (const grammar of grammars) onlyInvalidParameter(() => parseOrderBy([item], grammar), item);
}

const PIECES = [
  'metrics.a', 'metric.b', 'params.p', 'tags.`x y`', 'tags."q"', 'tags.mlflow.runName', 'attributes.run_id',
  'run_id', 'run_name', 'start_time', 'created', '"run name"', '`Run Name`', 'datasets.name', 'datasets.',
  'name', 'version_number', 'creation_time', 'timestamp', 'metrics', 'constructor', '__proto__.x',
  'toString', 'hasOwnProperty', '`', '"', "'", "'abc'", '"abc"', "'it''s'", "'a\\'", '\\', '``', '.',
  '1', '-1', '+2', '.5', '1.5e3', '1e999', '1e', 'NaN', 'Infinity', '0x10', '9007199254740993',
  '=', '!=', '<>', '<', '<=', '>', '>=', '==', '!', '-', 'AND', 'and', 'OR', 'NOT', 'IN', 'LIKE',
  'ILIKE', 'IS', 'NULL', 'ASC', 'DESC', '(', ')', ',', ';', 'ın', '😀', '\u0000', '\ud800',
];

const soup = fc
  .array(fc.tuple(fc.constantFrom(...PIECES), fc.constantFrom(' ', ' ', ' ', '', '\n')), { maxLength: 25 })
  .map((parts) => parts.map(([piece, sep]) => piece + sep).join(''));

const KEYS = [
  'metrics.a', 'params.p', 'tags.t', 'tags.`x y`', 'tags."q"', 'attributes.run_id', 'run_id', 'run_name',
  'status', 'start_time', 'created', '"run name"', 'datasets.name', 'datasets.context', 'name',
  'version_number', 'creation_time', 'model_id', 'source_path', 'constructor', 'metrics', '(metrics.a',
];
const OPS = ['=', '!=', '<>', '<', '>=', 'LIKE', 'ilike', 'IN', 'NOT IN', 'IS NULL', 'IS NOT NULL', 'NOT', '=='];
const VALUES = [
  '1', '-2.5', '1e3', '1.5', "'v'", '"v"', "'it''s'", "('a')", "('a', 'b')", '()', "('a',)", 'v', 'NaN', '',
];
const JOINS = [' AND ', ' and ', ' OR ', ' ', ' AND (', ') AND '];

/** Mostly well-formed conditions with random parts, so the success path is fuzzed too. */
const shapedSoup = fc
  .array(fc.tuple(
    fc.constantFrom(...KEYS), fc.constantFrom(...OPS), fc.constantFrom(...VALUES), fc.constantFrom(...JOINS),
  ), { minLength: 1, maxLength: 6 })
  .map((parts) => parts.map(([k, o, v, j]) => `${k} ${o} ${v}${j}`).join('').replace(/ (AND|and|OR) $| \) AND $| AND \($/, ''));

describe('parsers never fail with anything but InvalidParameter', () => {
  it('on random strings', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 60 }), (text) => {
        checkFilter(text);
        checkOrderBy(text);
      }),
      { numRuns: 300 },
    );
  });

  it('on random UTF-16 code units, lone surrogates included', () => {
    const unit = fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c));
    fc.assert(
      fc.property(fc.string({ unit, maxLength: 40 }), (text) => {
        checkFilter(text);
        checkOrderBy(text);
      }),
      { numRuns: 200 },
    );
  });

  it('on random token soups', () => {
    fc.assert(
      fc.property(soup, (text) => {
        checkFilter(text);
        checkOrderBy(text);
      }),
      { numRuns: 500 },
    );
  });

  it('on shaped soups of conditions', () => {
    fc.assert(
      fc.property(shapedSoup, (text) => checkFilter(text)),
      { numRuns: 500 },
    );
  });

  it.each<[string, string]>([
    ['10,000 open parentheses', '('.repeat(MAX_FILTER_LENGTH)],
    ['10,000 quotes', "'".repeat(MAX_FILTER_LENGTH)],
    ['one 9,990-char string value', `tags.a = '${'x'.repeat(MAX_FILTER_LENGTH - 11)}'`],
    ['a 3,000-item IN list', `run_id IN (${Array.from({ length: 2000 }, () => "'a'").join(',')})`],
    ['an unterminated 10,000-char backtick key', `metrics.\`${'x'.repeat(MAX_FILTER_LENGTH - 9)}`],
  ])('on %s', (_name, text) => {
    expect(text.length).toBeLessThanOrEqual(MAX_FILTER_LENGTH);
    checkFilter(text);
  });

  it('on non-string input from untyped JSON', () => {
    for (const value of [null, 0, true, {}, [], ['x']]) {
      for (const grammar of grammars) {
        onlyInvalidParameter(() => parseFilter(value as unknown as string, grammar), '');
        onlyInvalidParameter(() => parseOrderBy(value as unknown as string[], grammar), '');
        onlyInvalidParameter(() => parseOrderBy([value] as unknown as string[], grammar), '');
      }
    }
  });
});
