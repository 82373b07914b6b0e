/**
 * @module The shape of a per-domain search grammar: which entities and keys a filter or order_by
 * may name, which comparators each key takes and what type its value has. One parser serves
 * runs, experiments, registered models, model versions and logged models; see `grammars.ts`.
 */
import type { Entity, ListOp, NullOp, NumericOp, StringOp } from './filter-ast.js';

/** Entities whose keys are user-chosen (any key allowed, one rule for all). */
export type FreeEntity = 'metric' | 'param' | 'tag';

/**
 * The literal a key is compared with. `integer` is for epoch-millisecond times and version
 * numbers: MLflow casts those with `int(value)`, so `start_time > 1.5` fails there with a 500;
 * we reject it with a 400 instead. List comparators (IN) always take strings.
 */
export type ValueType = 'number' | 'integer' | 'string';

/** What one key accepts: numeric keys take numeric comparators, string keys the rest. */
export type KeyRule =
  | { type: 'number' | 'integer'; ops: readonly NumericOp[] }
  | { type: 'string'; ops: readonly (StringOp | ListOp | NullOp)[] };

/** A search domain's grammar. Records are looked up with own-property checks only. */
export interface SearchGrammar {
  /** Plural name for messages, e.g. `runs`. */
  domain: string;
  filter: {
    metric?: KeyRule;
    param?: KeyRule;
    tag?: KeyRule;
    /** Canonical attribute key -> rule. Unprefixed keys are attributes. */
    attribute: Readonly<Record<string, KeyRule>>;
    /** Canonical dataset key -> rule (runs only). */
    dataset?: Readonly<Record<string, KeyRule>>;
  };
  /** Alternative spelling -> canonical attribute key, for filter and order_by alike. */
  attributeAliases: Readonly<Record<string, string>>;
  orderBy: {
    /** Free entities that may be sorted on, e.g. `metrics.acc DESC`. */
    entities: readonly FreeEntity[];
    /** Canonical attribute keys that may be sorted on. */
    attributes: readonly string[];
    /** Aliases valid in order_by only (registered models' `timestamp`). */
    aliases?: Readonly<Record<string, string>>;
  };
}

/**
 * Entity prefix spellings, as MLflow accepts them (matched case-insensitively here: `Metrics.x`
 * fails in MLflow for no good reason).
 */
export const ENTITY_PREFIXES: Readonly<Record<string, Entity>> = {
  metric: 'metric',
  metrics: 'metric',
  param: 'param',
  params: 'param',
  parameter: 'param',
  parameters: 'param',
  tag: 'tag',
  tags: 'tag',
  attribute: 'attribute',
  attributes: 'attribute',
  attr: 'attribute',
  run: 'attribute',
  dataset: 'dataset',
  datasets: 'dataset',
};

/** The prefix the printer writes for each entity (MLflow's documented plural forms). */
export const ENTITY_PREFIX: Readonly<Record<Entity, string>> = {
  metric: 'metrics',
  param: 'params',
  tag: 'tags',
  attribute: 'attributes',
  dataset: 'datasets',
};

/**
 * `record[key]` if `key` is the record's own property. Keys come from user text, and a plain
 * lookup of `constructor` or `__proto__` would return Object's prototype members.
 */
export function own<T>(record: Readonly<Record<string, T>> | undefined, key: string): T | undefined {
  return record !== undefined && Object.hasOwn(record, key) ? record[key] : undefined;
}

/** Canonical attribute key for `key` (itself when it is not an alias). */
export function canonicalAttribute(
  grammar: SearchGrammar,
  key: string,
  extraAliases?: Readonly<Record<string, string>>,
): string {
  return own(extraAliases, key) ?? own(grammar.attributeAliases, key) ?? key;
}

/** The rule for a canonical key of `entity`, or undefined when the domain does not allow it. */
export function ruleFor(grammar: SearchGrammar, entity: Entity, key: string): KeyRule | undefined {
  switch (entity) {
    case 'attribute':
      return own(grammar.filter.attribute, key);
    case 'dataset':
      return own(grammar.filter.dataset, key);
    default:
      return grammar.filter[entity];
  }
}
