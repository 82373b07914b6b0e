/**
 * @module Splits a search filter or order_by item into tokens, each with its source offsets.
 *
 * Quirks decided here (MLflow parses with sqlparse; see reference §5):
 * - An identifier is parts joined by `.` with no spaces: bare words (`metrics.acc`), backticked
 *   (``metrics.`val/loss` ``) or double-quoted (`tags."my tag"`) parts. A lone double-quoted
 *   part is lexed as a `string` token (quote `"`): the parser reads it as an identifier on the
 *   left of a comparator (`"run name" = 'x'`) and as a string value on the right
 *   (`params.x = "abc"`), which is MLflow's behaviour.
 * - Quoted text: a doubled quote stands for itself (`'it''s'`, ``` `a``b` ```), and in `'...'`
 *   and `"..."` a backslash escapes `'`, `"` or `\`; any other backslash is kept as written, so
 *   Windows paths and LIKE escapes such as `\_` survive. MLflow keeps escapes raw in the value
 *   (`'it''s'` searches for `it''s`), which is a bug we do not copy.
 * - Numbers: optional sign, digits, optional fraction, optional exponent (`-1`, `+.5`, `2.`,
 *   `1e-3`, `1E+21`). `NaN` and `Infinity` are not numbers here, as in MLflow (sqlparse lexes them
 *   as names and MLflow rejects them); a literal that overflows to infinity is an error. `-0` is 0.
 * - `<>` is accepted as `!=` (MLflow rejects it though it is standard SQL); `==` is an error.
 * - Keywords are case-insensitive and only ever a single bare word: `tags.in` is a key.
 */
import type { NumericOp } from './filter-ast.js';
import { show, syntaxError, type Source } from './syntax-error.js';

/** Reserved words, upper-cased. ASC/DESC only mean something in order_by. */
export type Keyword = 'AND' | 'OR' | 'NOT' | 'IN' | 'LIKE' | 'ILIKE' | 'IS' | 'NULL' | 'ASC' | 'DESC';

const KEYWORDS: ReadonlySet<string> = new Set<Keyword>([
  'AND', 'OR', 'NOT', 'IN', 'LIKE', 'ILIKE', 'IS', 'NULL', 'ASC', 'DESC',
]);

/** One `.`-separated part of an identifier, unquoted. */
export interface IdentSegment {
  name: string;
  /** Written in backticks or double quotes (so it may hold any character, or be empty). */
  quoted: boolean;
}

interface Span {
  /** Offsets into the source text, `[start, end)`. */
  start: number;
  end: number;
  /** The token exactly as written. */
  text: string;
}

export type Token =
  | (Span & { kind: 'ident'; segments: IdentSegment[] })
  | (Span & { kind: 'string'; value: string; quote: "'" | '"' })
  | (Span & { kind: 'number'; value: number })
  | (Span & { kind: 'comparator'; value: NumericOp })
  | (Span & { kind: 'keyword'; value: Keyword })
  | (Span & { kind: 'comma' | 'lparen' | 'rparen' | 'eof' });

const WHITESPACE = /\s+/uy;
const ASCII_WORD = /^[A-Za-z]+$/;
const WORD_START = /[\p{L}_]/uy;
const WORD = /[\p{L}\p{M}\p{N}_]+/uy;
const NUMBER = /[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?/y;
const NUMBER_START = /[+-]?\.?\d/y;
const NUMBER_TAIL = /[\p{L}\p{M}\p{N}_.]*/uy;
const COMPARATORS: ReadonlyArray<readonly [string, NumericOp]> = [
  ['!=', '!='], ['<>', '!='], ['<=', '<='], ['>=', '>='], ['<', '<'], ['>', '>'], ['=', '='],
];

/** Runs a sticky regex at `pos`; returns the match or undefined. */
function matchAt(re: RegExp, text: string, pos: number): string | undefined {
  re.lastIndex = pos;
  return re.exec(text)?.[0];
}

/**
 * Tokenizes `source.text`; the last token is always `eof`.
 * @throws InvalidParameter on an unterminated quote, a malformed number or a stray character.
 * @example tokenize({ label: 'filter', text: "metrics.`val/loss` < 1" }).map((t) => t.kind)
 * // ['ident', 'comparator', 'number', 'eof']
 */
export function tokenize(source: Source): Token[] {
  const { text } = source;
  const tokens: Token[] = [];
  let pos = 0;

  /** Reads a quoted run opening at `start`; returns its unescaped value and end offset. */
  const readQuoted = (start: number): { value: string; end: number } => {
    const quote = text[start]!;
    const chunks: string[] = [];
    let i = start + 1;
    let from = i;
    while (i < text.length) {
      const ch = text[i]!;
      if (ch === quote) {
        chunks.push(text.slice(from, i));
        if (text[i + 1] === quote) {
          chunks.push(quote);
          i += 2;
          from = i;
          continue;
        }
        return { value: chunks.join(''), end: i + 1 };
      }
      if (ch === '\\' && quote !== '`') {
        const next = text[i + 1];
        if (next === "'" || next === '"' || next === '\\') {
          chunks.push(text.slice(from, i), next);
          i += 2;
          from = i;
          continue;
        }
      }
      i += 1;
    }
    const what = quote === '`' ? 'backticked name' : 'quoted text';
    throw syntaxError(source, `unterminated ${what} starting with ${quote}`, start);
  };

  /** Reads `part(.part)*` at `start`; a part is a word, a backticked or a double-quoted name. */
  const readIdentifier = (start: number): Token => {
    const segments: IdentSegment[] = [];
    let i = start;
    for (;;) {
      const ch = text[i];
      const word = segments.length === 0
        ? matchAt(WORD_START, text, i) && matchAt(WORD, text, i)
        : matchAt(WORD, text, i);
      if (word !== undefined) {
        segments.push({ name: word, quoted: false });
        i += word.length;
      } else if (ch === '`' || ch === '"') {
        const { value, end } = readQuoted(i);
        segments.push({ name: value, quoted: true });
        i = end;
      } else {
        throw syntaxError(
          source,
          `expected a key after ${show(text.slice(start, i))}`,
          i,
          'quote keys with special characters in backticks, e.g. metrics.`val/loss`',
        );
      }
      if (text[i] !== '.') break;
      i += 1;
    }
    const raw = text.slice(start, i);
    const only = segments.length === 1 ? segments[0]! : undefined;
    if (only && only.quoted && text[start] === '"') {
      return { kind: 'string', value: only.name, quote: '"', start, end: i, text: raw };
    }
    // ASCII test first: 'ın'.toUpperCase() is 'IN', and a Turkish key must not become a keyword.
    if (only && !only.quoted && ASCII_WORD.test(only.name) && KEYWORDS.has(only.name.toUpperCase())) {
      return { kind: 'keyword', value: only.name.toUpperCase() as Keyword, start, end: i, text: raw };
    }
    return { kind: 'ident', segments, start, end: i, text: raw };
  };

  const readNumber = (start: number): Token => {
    const literal = matchAt(NUMBER, text, start)!;
    const tail = matchAt(NUMBER_TAIL, text, start + literal.length) ?? '';
    const end = start + literal.length + tail.length;
    if (tail.length > 0) {
      throw syntaxError(source, `invalid number ${show(text.slice(start, end))}`, start);
    }
    const value = Number(literal);
    if (!Number.isFinite(value)) {
      throw syntaxError(source, `number ${show(literal)} is out of range`, start);
    }
    // -0 would print as "0" and compare unequal under Object.is; it means the same as 0 here.
    return { kind: 'number', value: value === 0 ? 0 : value, start, end, text: literal };
  };

  while (pos < text.length) {
    const space = matchAt(WHITESPACE, text, pos);
    if (space !== undefined) {
      pos += space.length;
      continue;
    }
    const ch = text[pos]!;
    let token: Token | undefined;
    if (matchAt(NUMBER_START, text, pos) !== undefined) {
      token = readNumber(pos);
    } else if (ch === "'") {
      const { value, end } = readQuoted(pos);
      token = { kind: 'string', value, quote: "'", start: pos, end, text: text.slice(pos, end) };
    } else if (ch === '`' || ch === '"' || matchAt(WORD_START, text, pos) !== undefined) {
      token = readIdentifier(pos);
    } else if (ch === ',' || ch === '(' || ch === ')') {
      const kind = ch === ',' ? 'comma' : ch === '(' ? 'lparen' : 'rparen';
      token = { kind, start: pos, end: pos + 1, text: ch };
    } else if (text.startsWith('==', pos)) {
      throw syntaxError(source, "unexpected '=='", pos, "use '='");
    } else {
      const op = COMPARATORS.find(([spelling]) => text.startsWith(spelling, pos));
      if (op) {
        const [spelling, value] = op;
        token = { kind: 'comparator', value, start: pos, end: pos + spelling.length, text: spelling };
      }
    }
    if (!token) {
      const char = String.fromCodePoint(text.codePointAt(pos)!);
      // `params.learning-rate`, `metrics.val/loss`: a key ran into a character it cannot hold.
      const inKey = tokens.at(-1)?.kind === 'ident' && tokens.at(-1)?.end === pos;
      throw syntaxError(source, `unexpected character ${show(char)}`, pos,
        inKey ? 'quote keys with special characters in backticks, e.g. metrics.`val/loss`' : undefined);
    }
    tokens.push(token);
    pos = token.end;
  }
  tokens.push({ kind: 'eof', start: text.length, end: text.length, text: '' });
  return tokens;
}
