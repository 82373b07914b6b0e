import { describe, expect, it } from 'vitest';
import { parseStage, parseVersion, validateAlias, validateModelName, validateTag } from './validation.js';

describe('registry validation', () => {
  it("follows MLflow's alias rules", () => {
    for (const ok of ['champion', 'a-b_c', 'v1a', 'x'.repeat(255), 'V', 'latest2']) expect(() => validateAlias(ok)).not.toThrow();
    expect(() => validateAlias('')).toThrow(/alias/);
    expect(() => validateAlias('a b')).toThrow(/alphanumerics/);
    expect(() => validateAlias('x'.repeat(256))).toThrow(/255/);
    expect(() => validateAlias('v12')).toThrow(/reserved/);
    expect(() => validateAlias('V3')).toThrow(/reserved/);
    expect(() => validateAlias('Latest')).toThrow(/reserved/);
  });

  it('parses versions and stages', () => {
    expect(parseVersion('12')).toBe(12);
    expect(parseVersion(' 3 ')).toBe(3);
    for (const bad of ['0', '-1', '1.0', 'x', '', '9007199254740993']) expect(() => parseVersion(bad)).toThrow(/version/);
    expect(parseStage('production')).toBe('Production');
    expect(parseStage('NONE')).toBe('None');
    expect(() => parseStage('prod')).toThrow(/None, Staging, Production, Archived/);
  });

  it('checks names and tags', () => {
    expect(() => validateModelName(' ')).toThrow(/empty/);
    expect(() => validateModelName('x'.repeat(257))).toThrow(/256/);
    expect(() => validateTag('ok.key/sub', 'v')).not.toThrow();
    for (const key of ['', '/abs', 'a//b', 'a/../b', 'semi;colon']) expect(() => validateTag(key, 'v')).toThrow();
    expect(() => validateTag('k', 'x'.repeat(100_001))).toThrow(/100000/);
  });
});
