/**
 * @module A read position over a token list, shared by the filter and order_by parsers.
 */
import type { Token } from './lexer.js';
import { clip, show, syntaxError, type Source } from './syntax-error.js';

/** Walks tokens from `tokenize`; never moves past the final `eof`. */
export class TokenCursor {
  private index = 0;

  constructor(
    readonly source: Source,
    private readonly tokens: readonly Token[],
  ) {}

  peek(): Token {
    return this.tokens[this.index]!;
  }

  next(): Token {
    const token = this.peek();
    if (token.kind !== 'eof') this.index += 1;
    return token;
  }

  /** Throws the InvalidParameter for a problem found at `at`. */
  fail(problem: string, at: Token, hint?: string): never {
    throw syntaxError(this.source, problem, at.start, hint);
  }
}

/** A token as a message shows it: `'OR'`, `string 'abc'`, `end of filter`. */
export function describe(token: Token, label: Source['label']): string {
  switch (token.kind) {
    case 'eof':
      return `end of ${label}`;
    case 'string':
      // Already quoted as written: `string 'abc'`, `string "abc"`.
      return `string ${clip(token.text)}`;
    case 'number':
      return `number ${show(token.text)}`;
    default:
      return show(token.text);
  }
}
