import { describe, expect, it } from 'vitest';
import { MAX_JSON_DEPTH, parseClientJson, valueDepth } from '../src/core/json-text.js';

describe('JSON from clients: the nesting limit on the parsed value', () => {
  it('counts arrays and objects, not scalars or strings that look like JSON', () => {
    expect(valueDepth(1)).toBe(0);
    expect(valueDepth(null)).toBe(0);
    expect(valueDepth('[[[[')).toBe(0);
    expect(valueDepth([])).toBe(1);
    expect(valueDepth({ a: [1, { b: [null, [2]] }], c: {} })).toBe(5);
    expect(valueDepth({ metrics: Array.from({ length: 1000 }, (_, i) => ({ key: 'k', value: i })) })).toBe(3);
  });

  it('stops past the limit, and a million levels neither overflow the stack nor pass', () => {
    const deep = (n: number) => JSON.parse('['.repeat(n) + ']'.repeat(n));
    expect(valueDepth(deep(MAX_JSON_DEPTH))).toBe(MAX_JSON_DEPTH);
    expect(valueDepth(deep(1_000_000))).toBe(MAX_JSON_DEPTH + 1);
    expect(() => parseClientJson(`{"a":${'['.repeat(5000)}${']'.repeat(5000)}}`, "parameter 'model_json'")).toThrow(/model_json' is nested more than 64 levels deep/);
    expect(parseClientJson(`{"a":${'['.repeat(63)}${']'.repeat(63)}}`, 'x')).toBeTruthy();
    expect(() => parseClientJson('{"a":', "parameter 'model_json'")).toThrow(/Malformed JSON in parameter 'model_json'/);
  });
});
