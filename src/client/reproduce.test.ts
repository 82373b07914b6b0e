import { describe, expect, it } from 'vitest';
import { entryRunner } from './reproduce.js';

describe('entryRunner', () => {
  it('redoes a TypeScript entry point with tsx, since plain node refuses .ts files', () => {
    expect(entryRunner('sdk.ts')).toBe('npx tsx');
    expect(entryRunner('src/train.mts')).toBe('npx tsx');
    expect(entryRunner('train.mjs')).toBe('node');
    expect(entryRunner('train.js')).toBe('node');
  });
});
