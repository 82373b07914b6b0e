import { describe, expect, it } from 'vitest';
import { canonicalAttribute, ENTITY_PREFIX, ENTITY_PREFIXES } from './grammar.js';
import { GRAMMARS } from './grammars.js';

describe('grammars', () => {
  for (const [name, grammar] of Object.entries(GRAMMARS)) {
    it(`${name}: every alias names a real attribute`, () => {
      const filterKeys = Object.keys(grammar.filter.attribute);
      for (const [alias, target] of Object.entries(grammar.attributeAliases)) {
        expect(filterKeys, `${alias} -> ${target}`).toContain(target);
      }
      for (const [alias, target] of Object.entries(grammar.orderBy.aliases ?? {})) {
        expect(grammar.orderBy.attributes, `${alias} -> ${target}`).toContain(target);
      }
    });

    it(`${name}: every rule allows at least one comparator, with no repeats`, () => {
      const rules = [
        ...Object.values(grammar.filter.attribute), ...Object.values(grammar.filter.dataset ?? {}),
        grammar.filter.metric, grammar.filter.param, grammar.filter.tag,
      ].filter((r) => r !== undefined);
      for (const rule of rules) {
        expect(rule.ops.length).toBeGreaterThan(0);
        expect(new Set(rule.ops).size).toBe(rule.ops.length);
      }
    });
  }

  it('resolves aliases by own properties only', () => {
    expect(canonicalAttribute(GRAMMARS.runs, 'created')).toBe('start_time');
    expect(canonicalAttribute(GRAMMARS.runs, 'constructor')).toBe('constructor');
    expect(canonicalAttribute(GRAMMARS.registeredModels, 'timestamp', GRAMMARS.registeredModels.orderBy.aliases))
      .toBe('last_updated_timestamp');
  });

  it('prints every entity with a prefix the parser reads back', () => {
    for (const [entity, prefix] of Object.entries(ENTITY_PREFIX)) {
      expect(ENTITY_PREFIXES[prefix]).toBe(entity);
    }
  });
});
