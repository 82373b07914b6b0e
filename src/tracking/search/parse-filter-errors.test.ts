import { describe, expect, it } from 'vitest';
import { InvalidParameter } from '../../core/errors.js';
import type { SearchGrammar } from './grammar.js';
import {
  EXPERIMENTS_GRAMMAR as EXP, LOGGED_MODELS_GRAMMAR as LM, MODEL_VERSIONS_GRAMMAR as MV,
  REGISTERED_MODELS_GRAMMAR as RM, RUNS_GRAMMAR as RUNS,
} from './grammars.js';
import { MAX_FILTER_CLAUSES, MAX_FILTER_LENGTH, parseFilter } from './parse-filter.js';

function errorOf(run: () => unknown): InvalidParameter {
  try {
    run();
  } catch (e) {
    expect(e).toBeInstanceOf(InvalidParameter);
    return e as InvalidParameter;
  }
  throw new Error('expected an InvalidParameter, got no error');
}

describe('parseFilter: invalid filters', () => {
  it('matches the documented message shape', () => {
    const error = errorOf(() => parseFilter('metrics.acc > 0.9 OR x', RUNS));
    expect(error.message).toBe(
      "Invalid filter 'metrics.acc > 0.9 OR x': unexpected 'OR' at position 18; only AND is supported",
    );
    expect(error.code).toBe('INVALID_PARAMETER_VALUE');
    expect(error.status).toBe(400);
  });

  // [name, grammar, filter, text the message must contain (names the offending token), position]
  it.each<[string, SearchGrammar, string, string, number]>([
    ['OR', RUNS, "params.a = 'x' or params.b = 'y'", "unexpected 'or'", 15],
    ['leading OR', RUNS, "OR params.a = 'x'", "unexpected 'OR'", 0],
    ['parenthesised condition', RUNS, '(metrics.a > 1)', "unexpected '('", 0],
    ['parentheses after AND', RUNS, 'metrics.a > 1 AND (metrics.b > 2)', "unexpected '('", 18],
    ['NOT before a condition', RUNS, 'NOT metrics.a > 1', "unexpected 'NOT'", 0],
    ['NOT LIKE', RUNS, "params.a NOT LIKE 'x'", "expected IN after 'NOT', found 'LIKE'", 13],
    ['IS without NULL', RUNS, "tags.a IS 'x'", "expected NULL after 'IS', found string 'x'", 10],
    ['IS NOT without NULL', RUNS, 'tags.a IS NOT', "expected NULL after 'IS NOT', found end of filter", 13],
    ['trailing AND', RUNS, 'metrics.a > 1 AND', 'found end of filter', 17],
    ['double AND', RUNS, 'metrics.a > 1 AND AND metrics.b > 1', "found 'AND'", 18],
    ['missing AND', RUNS, 'metrics.a > 1 metrics.b > 2', "expected AND or the end of the filter, found 'metrics.b'", 14],
    ['missing comparator', RUNS, 'metrics.a 1', "expected a comparator after metric 'a', found number '1'", 10],
    ['missing value', RUNS, 'metrics.a >', "expected a number for metric 'a', found end of filter", 11],
    ['string for a metric', RUNS, "metrics.a > '1'", "expected a number for metric 'a', found string '1'", 12],
    ['NaN for a metric', RUNS, 'metrics.a > NaN', "found 'NaN'", 12],
    ['Infinity for a metric', RUNS, 'metrics.a < infinity', "found 'infinity'", 12],
    ['LIKE on a metric', RUNS, "metrics.a LIKE '1'", "comparator 'LIKE' is not allowed for metric 'a'", 10],
    ['IN on a metric', RUNS, 'metrics.a IN (1)', "comparator 'IN' is not allowed for metric 'a'", 10],
    ['IS NULL on a metric', RUNS, 'metrics.a IS NULL', "comparator 'IS NULL' is not allowed for metric 'a'", 10],
    ['< on a param', RUNS, "params.a < 'x'", "comparator '<' is not allowed for param 'a'", 9],
    ['unquoted param value', RUNS, 'params.a = abc', "expected a quoted string for param 'a', found 'abc'", 11],
    ['number param value', RUNS, 'params.a = 1', "found number '1'", 11],
    ['backticked value', RUNS, 'params.a = `x`', "found '`x`'", 11],
    ['list without IN', RUNS, "params.a = ('x')", "found '('", 11],
    ['IN on run_name', RUNS, "run_name IN ('a')", "comparator 'IN' is not allowed for attribute 'run_name'", 9],
    ['empty IN list', RUNS, 'run_id IN ()', 'empty IN list', 11],
    ['IN without parentheses', RUNS, "run_id IN 'a'", "expected '(' after IN, found string 'a'", 10],
    ['number in IN list', RUNS, 'run_id IN (1)', "expected a quoted string in the IN list, found number '1'", 11],
    ['trailing comma in IN list', RUNS, "run_id IN ('a',)", "found ')'", 15],
    ['unclosed IN list', RUNS, "run_id NOT IN ('a'", "expected ',' or ')' in the NOT IN list, found end of filter", 18],
    ['missing comma in IN list', RUNS, "run_id IN ('a' 'b')", "found string 'b'", 15],
    ['non-integer time', RUNS, 'start_time > 1.5', "expected an integer for attribute 'start_time', found number '1.5'", 13],
    ['unsafe integer time', RUNS, 'end_time > 1e300', "found number '1e300'", 11],
    ['string time', RUNS, "created > '5'", "expected an integer for attribute 'start_time'", 10],
    ['unknown attribute', RUNS, "foo = 'x'", "cannot search on attribute 'foo' in runs", 0],
    ['experiment_id is not filterable', RUNS, "experiment_id = '1'", "attribute 'experiment_id'", 0],
    ['prototype key', RUNS, "constructor = 'x'", "attribute 'constructor'", 0],
    ['bare entity name', RUNS, 'metrics > 1', 'write metrics.<key>', 0],
    ['unknown entity', RUNS, "foo.bar = 'x'", "unknown entity 'foo' in 'foo.bar'", 0],
    ['prototype entity', RUNS, "__proto__.x = 'x'", "unknown entity '__proto__'", 0],
    ['unknown dataset key', RUNS, "datasets.size = 'x'", "unknown dataset key 'size'", 0],
    ['empty key', RUNS, 'metrics.`` > 1', "empty key in 'metrics.``'", 0],
    ['single-quoted key', RUNS, "'metrics.a' > 1", "expected a key, found string 'metrics.a'", 0],
    ['number as key', RUNS, '1 = 1', "expected a key such as metrics.<name>, found number '1'", 0],
    ['== comparator', RUNS, 'metrics.a == 1', "unexpected '=='", 10],
    ['unquoted key with a slash', RUNS, 'metrics.val/loss < 1', "unexpected character '/' at position 11; quote keys", 11],
    ['unquoted key with a hyphen', RUNS, "params.learning-rate = '1'", "unexpected character '-' at position 15; quote keys", 15],
    ['unterminated string', RUNS, "params.a = 'x", 'unterminated quoted text', 11],
    ['metrics in experiments', EXP, 'metrics.a > 1', 'cannot search on metrics in experiments', 0],
    ['params in registered models', RM, "params.a = 'x'", 'cannot search on params in registered models', 0],
    ['datasets in logged models', LM, "datasets.name = 'x'", 'cannot search on datasets in logged models', 0],
    ['experiment name IN', EXP, "name IN ('a')", "comparator 'IN' is not allowed for attribute 'name'", 5],
    ['experiment_id in experiments filter', EXP, "experiment_id = '1'", "cannot search on attribute 'experiment_id' in experiments", 0],
    ['registered model creation time', RM, 'creation_timestamp > 1', "attribute 'creation_timestamp'", 0],
    ['model version number as string', MV, "version_number = '1'", "expected an integer for attribute 'version_number'", 17],
    ['model version name IN', MV, "name IN ('a')", "comparator 'IN' is not allowed for attribute 'name'", 5],
    ['logged model created alias is runs-only', LM, 'created > 1', "attribute 'created'", 0],
  ])('%s', (_name, grammar, text, problem, position) => {
    const { message } = errorOf(() => parseFilter(text, grammar));
    expect(message.startsWith(`Invalid filter '${text}': `)).toBe(true);
    expect(message).toContain(problem);
    expect(message).toContain(` at position ${position}`);
  });

  it('rejects a filter over the length cap without tokenizing it', () => {
    const text = 'metrics.a > 1 AND '.repeat(1000);
    const { message } = errorOf(() => parseFilter(text, RUNS));
    expect(message).toBe(`Invalid filter: ${text.length} characters is longer than the ${MAX_FILTER_LENGTH} allowed`);
  });

  it('refuses more comparisons than the cap, naming it', () => {
    const text = Array.from({ length: MAX_FILTER_CLAUSES + 1 }, () => 'metrics.a > 1').join(' AND ');
    expect(errorOf(() => parseFilter(text, RUNS)).message).toMatch(new RegExp(`more than ${MAX_FILTER_CLAUSES} comparisons`));
    expect(parseFilter(Array.from({ length: MAX_FILTER_CLAUSES }, () => 'metrics.a > 1').join(' AND '), RUNS)).toHaveLength(MAX_FILTER_CLAUSES);
  });

  it('accepts a filter at the length cap', () => {
    // Long comparisons, so the length cap is reached within the comparison cap.
    const one = `params.a = '${'x'.repeat(190)}'`;
    const count = Math.min(MAX_FILTER_CLAUSES, Math.floor((MAX_FILTER_LENGTH + 5) / (one.length + 5)));
    const text = Array.from({ length: count }, () => one).join(' AND ');
    expect(text.length).toBeLessThanOrEqual(MAX_FILTER_LENGTH);
    expect(parseFilter(text, RUNS)).toHaveLength(count);
  });

  it('echoes a window of a long filter around the error', () => {
    const text = `${"params.a = 'x' AND ".repeat(50)}oops`;
    const { message } = errorOf(() => parseFilter(text, RUNS));
    expect(message).toContain(`at position ${text.length - 4}`);
    expect(message).toMatch(/^Invalid filter '\.\.\.[^']*'x' AND .*oops': /);
    expect(message.length).toBeLessThan(400);
  });

  it.each([42, {}, ['a']])('rejects a non-string filter %j', (value) => {
    const { message } = errorOf(() => parseFilter(value as unknown as string, RUNS));
    expect(message).toMatch(/^Invalid filter: expected a string, got /);
  });
});
