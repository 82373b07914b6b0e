/**
 * @module Search grammar for MLflow-compatible searches: filter and order_by parsing into a typed
 * AST, per-domain grammars, and a printer back to canonical text.
 */
export type {
  Comparison, Entity, ListComparison, ListOp, NullComparison, NullOp, NumberComparison,
  NumericOp, Op, OrderTerm, StringComparison, StringOp,
} from './filter-ast.js';
export {
  canonicalAttribute, ENTITY_PREFIX, ENTITY_PREFIXES, ruleFor,
  type FreeEntity, type KeyRule, type SearchGrammar, type ValueType,
} from './grammar.js';
export {
  EXPERIMENTS_GRAMMAR, GRAMMARS, LOGGED_MODELS_GRAMMAR, MODEL_VERSIONS_GRAMMAR,
  REGISTERED_MODELS_GRAMMAR, RUNS_GRAMMAR,
} from './grammars.js';
export { tokenize, type IdentSegment, type Keyword, type Token } from './lexer.js';
export type { Source, SourceLabel } from './syntax-error.js';
export { MAX_FILTER_CLAUSES, MAX_FILTER_LENGTH, parseFilter } from './parse-filter.js';
export {
  MAX_ORDER_BY_ITEMS, MAX_ORDER_BY_LENGTH, parseOrderBy, parseOrderByItem,
} from './parse-order-by.js';
export { printComparison, printFilter, printKey, printOrderTerm, quoteString } from './print-filter.js';
