import { describe, expect, it } from 'vitest';
import { InvalidParameter } from '../../core/errors.js';
import type { OrderTerm } from './filter-ast.js';
import type { SearchGrammar } from './grammar.js';
import {
  EXPERIMENTS_GRAMMAR as EXP, LOGGED_MODELS_GRAMMAR as LM, MODEL_VERSIONS_GRAMMAR as MV,
  REGISTERED_MODELS_GRAMMAR as RM, RUNS_GRAMMAR as RUNS,
} from './grammars.js';
import {
  MAX_ORDER_BY_ITEMS, MAX_ORDER_BY_LENGTH, parseOrderBy, parseOrderByItem,
} from './parse-order-by.js';

const term = (entity: OrderTerm['entity'], key: string, ascending = true): OrderTerm =>
  ({ entity, key, ascending });

function messageOf(run: () => unknown): string {
  try {
    run();
  } catch (e) {
    expect(e).toBeInstanceOf(InvalidParameter);
    return (e as Error).message;
  }
  throw new Error('expected an InvalidParameter, got no error');
}

describe('parseOrderBy', () => {
  it.each<[SearchGrammar, string, OrderTerm]>([
    [RUNS, 'start_time DESC', term('attribute', 'start_time', false)],
    [RUNS, 'metrics.acc', term('metric', 'acc')],
    [RUNS, 'metrics.`val/loss` desc', term('metric', 'val/loss', false)],
    [RUNS, 'params."batch size" Asc', term('param', 'batch size')],
    [RUNS, 'tags.mlflow.runName DESC', term('tag', 'mlflow.runName', false)],
    [RUNS, 'attributes.run_name', term('attribute', 'run_name')],
    [RUNS, 'created DESC', term('attribute', 'start_time', false)],
    [RUNS, '`Run name`', term('attribute', 'run_name')],
    [RUNS, '"run name" ASC', term('attribute', 'run_name')],
    [RUNS, 'experiment_id', term('attribute', 'experiment_id')],
    [RUNS, '  end_time   DESC  ', term('attribute', 'end_time', false)],
    ...['status', 'run_id', 'user_id', 'artifact_uri'].map((k): [SearchGrammar, string, OrderTerm] =>
      [RUNS, k, term('attribute', k)]),
    ...['name', 'experiment_id', 'creation_time', 'last_update_time'].map((k): [SearchGrammar, string, OrderTerm] =>
      [EXP, `${k} DESC`, term('attribute', k, false)]),
    [RM, 'name', term('attribute', 'name')],
    [RM, 'creation_timestamp DESC', term('attribute', 'creation_timestamp', false)],
    [RM, 'timestamp DESC', term('attribute', 'last_updated_timestamp', false)],
    [RM, 'last_updated_timestamp', term('attribute', 'last_updated_timestamp')],
    ...['name', 'version_number', 'creation_timestamp', 'last_updated_timestamp'].map((k): [SearchGrammar, string, OrderTerm] =>
      [MV, k, term('attribute', k)]),
    [LM, 'metrics.accuracy DESC', term('metric', 'accuracy', false)],
    [LM, 'creation_time', term('attribute', 'creation_timestamp')],
    [LM, 'last_updated_time DESC', term('attribute', 'last_updated_timestamp', false)],
    ...['name', 'model_id', 'model_type', 'status', 'source_run_id'].map((k): [SearchGrammar, string, OrderTerm] =>
      [LM, k, term('attribute', k)]),
  ])('%s: %j', (grammar, item, expected) => {
    expect(parseOrderBy([item], grammar)).toEqual([expected]);
  });

  it('keeps the order of several items', () => {
    expect(parseOrderBy(['metrics.a DESC', 'start_time'], RUNS)).toEqual([
      term('metric', 'a', false), term('attribute', 'start_time'),
    ]);
  });

  it.each([undefined, []])('%j is no ordering', (items) => {
    expect(parseOrderBy(items, RUNS)).toEqual([]);
  });

  it.each<[string, SearchGrammar, string, string, number]>([
    ['empty item', RUNS, '', 'expected a key, found end of order_by', 0],
    ['blank item', RUNS, '   ', 'expected a key, found end of order_by', 3],
    ['bad direction', RUNS, 'start_time UP', "expected ASC, DESC or the end, found 'UP'", 11],
    ['two directions', RUNS, 'start_time ASC DESC', "unexpected 'DESC' after the direction", 15],
    ['trailing comma', RUNS, 'start_time,', "found ','", 10],
    ['two keys', RUNS, 'start_time end_time', "found 'end_time'", 11],
    ['string key', RUNS, "'start_time'", "expected a key, found string 'start_time'", 0],
    ['unknown attribute', RUNS, 'foo', "cannot sort on attribute 'foo' in runs", 0],
    ['lifecycle_stage is not orderable', RUNS, 'lifecycle_stage', "attribute 'lifecycle_stage'", 0],
    ['datasets are not orderable', RUNS, 'datasets.name', 'cannot sort on datasets in runs', 0],
    ['tags not orderable in experiments', EXP, 'tags.a', 'cannot sort on tags in experiments', 0],
    ['timestamp alias is registered-models only', MV, 'timestamp', "attribute 'timestamp'", 0],
    ['params not orderable in logged models', LM, 'params.a', 'cannot sort on params in logged models', 0],
    ['unterminated backtick', RUNS, 'metrics.`a', 'unterminated backticked name', 8],
    ['unknown entity', RUNS, 'foo.bar', "unknown entity 'foo'", 0],
  ])('rejects %s', (_name, grammar, item, problem, position) => {
    const message = messageOf(() => parseOrderBy([item], grammar));
    expect(message.startsWith(`Invalid order_by '${item}': `)).toBe(true);
    expect(message).toContain(problem);
    expect(message).toContain(` at position ${position}`);
  });

  it('rejects too many items', () => {
    const items = Array.from({ length: MAX_ORDER_BY_ITEMS + 1 }, () => 'start_time');
    expect(messageOf(() => parseOrderBy(items, RUNS))).toContain(`more than the ${MAX_ORDER_BY_ITEMS} allowed`);
  });

  it('rejects an over-long item', () => {
    const item = `metrics.${'a'.repeat(MAX_ORDER_BY_LENGTH)}`;
    expect(messageOf(() => parseOrderByItem(item, RUNS))).toContain(`longer than the ${MAX_ORDER_BY_LENGTH} allowed`);
  });

  it.each([42, [1], 'start_time'])('rejects malformed input %j', (items) => {
    expect(messageOf(() => parseOrderBy(items as unknown as string[], RUNS))).toMatch(/^Invalid order_by: expected /);
  });
});
