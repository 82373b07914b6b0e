/**
 * @module Turns an identifier token into a canonical (entity, key) for one grammar: splits the
 * entity prefix on the FIRST dot (`tags.mlflow.parentRunId` is tag `mlflow.parentRunId`),
 * resolves aliases, and checks the domain allows it, in a filter or in an order_by.
 */
import type { Entity } from './filter-ast.js';
import {
  canonicalAttribute, ENTITY_PREFIX, ENTITY_PREFIXES, own, type SearchGrammar,
} from './grammar.js';
import type { IdentSegment, Token } from './lexer.js';
import { show, syntaxError, type Source } from './syntax-error.js';

/** A canonical key reference. */
export interface KeyRef {
  entity: Entity;
  key: string;
}

/**
 * The identifier parts of `token`, or undefined when it is not one. A lone double-quoted token
 * is an identifier here (`"run name" = 'x'`), as in MLflow.
 */
export function identifierSegments(token: Token): IdentSegment[] | undefined {
  if (token.kind === 'ident') return token.segments;
  if (token.kind === 'string' && token.quote === '"') return [{ name: token.value, quoted: true }];
  return undefined;
}

function allowedEntities(grammar: SearchGrammar, use: Source['label']): Entity[] {
  if (use === 'order_by') return ['attribute', ...grammar.orderBy.entities];
  const { filter } = grammar;
  const entities: Entity[] = ['attribute'];
  if (filter.metric) entities.push('metric');
  if (filter.param) entities.push('param');
  if (filter.tag) entities.push('tag');
  if (filter.dataset) entities.push('dataset');
  return entities;
}

function allowedAttributes(grammar: SearchGrammar, use: Source['label']): readonly string[] {
  return use === 'order_by' ? grammar.orderBy.attributes : Object.keys(grammar.filter.attribute);
}

function forms(entities: readonly Entity[]): string {
  return entities.map((e) => `${ENTITY_PREFIX[e]}.<key>`).join(', ');
}

/**
 * Resolves `token` (already known to be an identifier with `segments`) against `grammar`.
 * @throws InvalidParameter naming the identifier and its position when the domain does not allow it.
 */
export function resolveIdentifier(
  source: Source,
  grammar: SearchGrammar,
  token: Token,
  segments: readonly IdentSegment[],
): KeyRef {
  const use = source.label;
  const where = use === 'order_by' ? 'sort on' : 'search on';
  const fail = (problem: string, hint?: string): never => {
    throw syntaxError(source, problem, token.start, hint);
  };
  const entities = allowedEntities(grammar, use);
  let entity: Entity = 'attribute';
  let key = segments[0]!.name;
  if (segments.length > 1) {
    const prefix = segments[0]!.name;
    const named = own(ENTITY_PREFIXES, prefix.toLowerCase());
    if (named === undefined) {
      fail(`unknown entity ${show(prefix)} in ${show(token.text)}`, `use ${forms(entities)}`);
    }
    entity = named!;
    key = segments.slice(1).map((s) => s.name).join('.');
  }
  if (!entities.includes(entity)) {
    fail(`cannot ${where} ${ENTITY_PREFIX[entity]} in ${grammar.domain}`, `use ${forms(entities)}`);
  }
  if (key === '') fail(`empty key in ${show(token.text)}`);

  if (entity === 'dataset') {
    const keys = Object.keys(grammar.filter.dataset ?? {});
    if (!keys.includes(key)) {
      fail(`unknown dataset key ${show(key)}`, `valid keys: ${keys.join(', ')}`);
    }
    return { entity, key };
  }
  if (entity !== 'attribute') return { entity, key };

  const aliases = use === 'order_by' ? grammar.orderBy.aliases : undefined;
  const canonical = canonicalAttribute(grammar, key, aliases);
  const valid = allowedAttributes(grammar, use);
  if (!valid.includes(canonical)) {
    const prefixed = segments.length === 1 ? own(ENTITY_PREFIXES, key.toLowerCase()) : undefined;
    const hint = prefixed !== undefined && prefixed !== 'attribute' && entities.includes(prefixed)
      ? `write ${ENTITY_PREFIX[prefixed]}.<key>`
      : `valid attributes: ${valid.join(', ')}`;
    fail(`cannot ${where} attribute ${show(key)} in ${grammar.domain}`, hint);
  }
  return { entity, key: canonical };
}
