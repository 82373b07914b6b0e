import { describe, expect, it } from 'vitest';
import { InvalidParameter } from '../../core/errors.js';
import { tokenize, type Token } from './lexer.js';

const lex = (text: string): Token[] => tokenize({ label: 'filter', text });
/** Tokens without `eof`, as compact tuples. */
const brief = (text: string): unknown[] =>
  lex(text).slice(0, -1).map((t) => {
    switch (t.kind) {
      case 'ident': return ['ident', t.segments.map((s) => (s.quoted ? `"${s.name}"` : s.name))];
      case 'string': return ['string', t.value, t.quote];
      case 'number': return ['number', t.value];
      case 'comparator': return ['cmp', t.value];
      case 'keyword': return ['kw', t.value];
      default: return [t.kind];
    }
  });

describe('tokenize', () => {
  it.each<[string, string, unknown[]]>([
    ['bare identifier with dots', 'tags.mlflow.parentRunId', [['ident', ['tags', 'mlflow', 'parentRunId']]]],
    ['backticked key', 'metrics.`val/loss`', [['ident', ['metrics', '"val/loss"']]]],
    ['double-quoted key', 'tags."my tag"', [['ident', ['tags', '"my tag"']]]],
    ['backticked entity', '`params`.x', [['ident', ['"params"', 'x']]]],
    ['lone double quotes are a string', '"run name"', [['string', 'run name', '"']]],
    ['double-quoted then dot is an identifier', '"a".b', [['ident', ['"a"', 'b']]]],
    ['unicode key', 'params.größe', [['ident', ['params', 'größe']]]],
    ['digits after a dot', 'metrics.1st', [['ident', ['metrics', '1st']]]],
    ['single-quoted string', "'abc'", [['string', 'abc', "'"]]],
    ['doubled single quote', "'it''s'", [['string', "it's", "'"]]],
    ['backslash-escaped quotes', String.raw`'a\'b\"c'`, [['string', `a'b"c`, "'"]]],
    ['escaped backslash', String.raw`'a\\'`, [['string', 'a\\', "'"]]],
    ['other backslashes stay', String.raw`'C:\data\_x'`, [['string', String.raw`C:\data\_x`, "'"]]],
    ['doubled backtick', '`a``b`', [['ident', ['"a`b"']]]],
    ['backslash is literal in backticks', '`a\\b`', [['ident', ['"a\\b"']]]],
    ['empty string', "''", [['string', '', "'"]]],
    ['integer', '42', [['number', 42]]],
    ['negative decimal', '-0.5', [['number', -0.5]]],
    ['plus sign', '+3', [['number', 3]]],
    ['leading dot', '.5', [['number', 0.5]]],
    ['trailing dot', '2.', [['number', 2]]],
    ['exponent', '1e-3', [['number', 0.001]]],
    ['signed exponent upper-case', '1E+21', [['number', 1e21]]],
    ['minus zero is zero', '-0', [['number', 0]]],
    ['comparators', '= != <> < <= > >=', [
      ['cmp', '='], ['cmp', '!='], ['cmp', '!='], ['cmp', '<'], ['cmp', '<='], ['cmp', '>'], ['cmp', '>='],
    ]],
    ['keywords any case', 'and Or NOT in like ILike is null asc DESC', [
      ['kw', 'AND'], ['kw', 'OR'], ['kw', 'NOT'], ['kw', 'IN'], ['kw', 'LIKE'], ['kw', 'ILIKE'],
      ['kw', 'IS'], ['kw', 'NULL'], ['kw', 'ASC'], ['kw', 'DESC'],
    ]],
    ['a dotted keyword is a key', 'tags.in', [['ident', ['tags', 'in']]]],
    ['a non-ASCII look-alike is not a keyword', 'ın', [['ident', ['ın']]]],
    ['quoted keyword is not a keyword', '`and`', [['ident', ['"and"']]]],
    ['punctuation', "('a','b')", [['lparen'], ['string', 'a', "'"], ['comma'], ['string', 'b', "'"], ['rparen']]],
    ['no spaces needed', "metrics.x>=-1", [['ident', ['metrics', 'x']], ['cmp', '>='], ['number', -1]]],
    ['NaN is a name, not a number', 'NaN', [['ident', ['NaN']]]],
    ['unicode whitespace', '\u00a0a\u2003', [['ident', ['a']]]],
  ])('%s', (_name, text, expected) => {
    expect(brief(text)).toEqual(expected);
  });

  it('records offsets and raw text', () => {
    const tokens = lex("metrics.`a b` <= 'x''y'");
    expect(tokens.map((t) => [t.kind, t.start, t.end, t.text])).toEqual([
      ['ident', 0, 13, 'metrics.`a b`'],
      ['comparator', 14, 16, '<='],
      ['string', 17, 23, "'x''y'"],
      ['eof', 23, 23, ''],
    ]);
  });

  it.each<[string, string, number]>([
    ["'abc", 'unterminated quoted text', 0],
    ['x = "abc', 'unterminated quoted text', 4],
    ['metrics.`abc', 'unterminated backticked name', 8],
    [String.raw`'abc\'`, 'unterminated quoted text', 0],
    ['1abc', "invalid number '1abc'", 0],
    ['x > 1.2.3', "invalid number '1.2.3'", 4],
    ['x > 1e', "invalid number '1e'", 4],
    ['x > 0x1F', "invalid number '0x1F'", 4],
    ['x > 1e999', "number '1e999' is out of range", 4],
    ['metrics. > 1', "expected a key after 'metrics.'", 8],
    ['tags.a.', "expected a key after 'tags.a.'", 7],
    ['x == 1', "unexpected '=='", 2],
    ['x ! 1', "unexpected character '!'", 2],
    ['x > - 1', "unexpected character '-'", 4],
    ['a ; b', "unexpected character ';'", 2],
    ['a 😀', "unexpected character '😀'", 2],
  ])('rejects %j', (text, problem, position) => {
    let error: unknown;
    try {
      lex(text);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InvalidParameter);
    expect((error as Error).message).toContain(problem);
    expect((error as Error).message).toContain(`at position ${position}`);
  });
});
