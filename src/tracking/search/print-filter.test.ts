import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Comparison, Entity, OrderTerm } from './filter-ast.js';
import { ruleFor, type SearchGrammar } from './grammar.js';
import { GRAMMARS } from './grammars.js';
import { parseFilter, MAX_FILTER_LENGTH } from './parse-filter.js';
import { parseOrderByItem } from './parse-order-by.js';
import { printComparison, printFilter, printOrderTerm, quoteString } from './print-filter.js';

const RUNS = GRAMMARS.runs;
const withoutOffsets = (cs: Comparison[]) => cs.map(({ start: _s, end: _e, ...rest }) => rest);

/** Text with the characters that stress quoting: quotes, backslashes, dots, lone surrogates. */
const nastyText = (constraints: { minLength?: number; maxLength: number }) =>
  fc.string({
    ...constraints,
    unit: fc.oneof(
      { arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }), weight: 4 },
      { arbitrary: fc.constantFrom("'", '"', '`', '\\', '.', ' ', '%', '_', '\n', 'a', 'Z', '9'), weight: 4 },
      { arbitrary: fc.integer({ min: 0xd800, max: 0xdfff }).map((c) => String.fromCharCode(c)), weight: 1 },
    ),
  });

/** Any comparison the grammar accepts, with canonical keys (offsets are filled in as 0). */
function comparisonArb(grammar: SearchGrammar): fc.Arbitrary<Comparison> {
  const keyed = (entity: Entity, keys: readonly string[]) =>
    fc.constantFrom(...keys).map((key) => ({ entity, key }));
  const refs: fc.Arbitrary<{ entity: Entity; key: string }>[] = [
    keyed('attribute', Object.keys(grammar.filter.attribute)),
  ];
  if (grammar.filter.dataset) refs.push(keyed('dataset', Object.keys(grammar.filter.dataset)));
  for (const entity of ['metric', 'param', 'tag'] as const) {
    if (grammar.filter[entity]) {
      refs.push(nastyText({ minLength: 1, maxLength: 12 }).map((key) => ({ entity, key })));
    }
  }
  return fc.oneof(...refs).chain(({ entity, key }) => {
    const rule = ruleFor(grammar, entity, key)!;
    const base = { entity, key, start: 0, end: 0 };
    if (rule.type !== 'string') {
      const value = rule.type === 'integer'
        ? fc.maxSafeInteger()
        : fc.double({ noNaN: true, noDefaultInfinity: true });
      return fc.record({ op: fc.constantFrom(...rule.ops), value }).map(
        ({ op, value: v }): Comparison => ({ ...base, kind: 'number', op, value: v === 0 ? 0 : v }),
      );
    }
    const text = nastyText({ maxLength: 12 });
    return fc.constantFrom(...rule.ops).chain((op): fc.Arbitrary<Comparison> => {
      switch (op) {
        case 'IS NULL':
        case 'IS NOT NULL':
          return fc.constant({ ...base, kind: 'null', op, value: null });
        case 'IN':
        case 'NOT IN':
          return fc.array(text, { minLength: 1, maxLength: 4 }).map((value) => ({ ...base, kind: 'list', op, value }));
        default:
          return text.map((value) => ({ ...base, kind: 'string', op, value }));
      }
    });
  });
}

function orderTermArb(grammar: SearchGrammar): fc.Arbitrary<OrderTerm> {
  const attribute = fc.constantFrom(...grammar.orderBy.attributes)
    .map((key) => ({ entity: 'attribute' as Entity, key }));
  const free = grammar.orderBy.entities.map((entity) =>
    nastyText({ minLength: 1, maxLength: 20 }).map((key) => ({ entity: entity as Entity, key })));
  return fc.record({ ref: fc.oneof(attribute, ...free), ascending: fc.boolean() })
    .map(({ ref, ascending }) => ({ ...ref, ascending }));
}

describe('printFilter', () => {
  it.each<[string, string]>([
    ["metrics.rmse < 1 and params.model = 'tree'", "metrics.rmse < 1 AND params.model = 'tree'"],
    ['created > 5 and "run name" <> "x"', "attributes.start_time > 5 AND attributes.run_name != 'x'"],
    ["metrics.`val/loss` <= -1e-7", 'metrics.`val/loss` <= -1e-7'],
    ['metrics.big > 1E21', 'metrics.big > 1e+21'],
    ["tags.`a``b` = 'it''s'", "tags.`a``b` = 'it''s'"],
    [String.raw`tags.p = 'C:\dir\\'`, String.raw`tags.p = 'C:\\dir\\'`],
    ["run_id in ('a','b') and tags.x is not null", "attributes.run_id IN ('a', 'b') AND tags.x IS NOT NULL"],
    ["tags.mlflow.parentRunId = 'p'", "tags.mlflow.parentRunId = 'p'"],
    ["datasets.context != 'train'", "datasets.context != 'train'"],
  ])('prints %j canonically', (text, printed) => {
    expect(printFilter(parseFilter(text, RUNS))).toBe(printed);
  });

  it('prints no comparisons as the empty filter', () => {
    expect(printFilter([])).toBe('');
  });

  it('escapes backslashes so they cannot form an escaped quote', () => {
    expect(quoteString("a\\'b")).toBe(String.raw`'a\\''b'`);
  });

  it('prints order terms with an explicit direction', () => {
    expect(printOrderTerm({ entity: 'metric', key: 'val/loss', ascending: false })).toBe('metrics.`val/loss` DESC');
    expect(printOrderTerm({ entity: 'attribute', key: 'start_time', ascending: true })).toBe('attributes.start_time ASC');
  });

  for (const [name, grammar] of Object.entries(GRAMMARS)) {
    it(`round-trips random ${name} filters through text`, () => {
      fc.assert(
        fc.property(fc.array(comparisonArb(grammar), { minLength: 1, maxLength: 5 }), (ast) => {
          const text = printFilter(ast);
          fc.pre(text.length <= MAX_FILTER_LENGTH);
          const parsed = parseFilter(text, grammar);
          expect(withoutOffsets(parsed)).toEqual(withoutOffsets(ast));
          // Offsets cover exactly each comparison's own text.
          expect(parsed.map((c) => text.slice(c.start, c.end))).toEqual(ast.map(printComparison));
        }),
        { numRuns: 150 },
      );
    });

    it(`round-trips random ${name} order terms through text`, () => {
      fc.assert(
        fc.property(orderTermArb(grammar), (term) => {
          expect(parseOrderByItem(printOrderTerm(term), grammar)).toEqual(term);
        }),
        { numRuns: 150 },
      );
    });
  }
});
