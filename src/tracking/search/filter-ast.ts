/**
 * @module The typed result of parsing a search filter or order_by: what the SQL builder consumes.
 * A filter is a list of comparisons joined by AND (MLflow's grammar has no OR and no nesting).
 */

/** What a key names. `attribute` and `dataset` keys are fixed per domain; the others are free. */
export type Entity = 'metric' | 'param' | 'tag' | 'attribute' | 'dataset';

/** Comparators that take one number. `=` and `!=` also appear in StringOp. */
export type NumericOp = '=' | '!=' | '<' | '<=' | '>' | '>=';
/** Comparators that take one string. `<>` in the text is normalised to `!=`. */
export type StringOp = '=' | '!=' | 'LIKE' | 'ILIKE';
/** Comparators that take a non-empty list of strings. */
export type ListOp = 'IN' | 'NOT IN';
/** Comparators that take no value: does the key exist? */
export type NullOp = 'IS NULL' | 'IS NOT NULL';
export type Op = NumericOp | StringOp | ListOp | NullOp;

interface ComparisonBase {
  entity: Entity;
  /** Canonical key: aliases resolved (`created` -> `start_time`), quotes removed. */
  key: string;
  /** Offsets into the filter text, `[start, end)`, from the key's first character to the value's last. */
  start: number;
  end: number;
}

/** `metrics.acc > 0.9`, `attributes.start_time >= 1700000000000`. The value is finite. */
export interface NumberComparison extends ComparisonBase {
  kind: 'number';
  op: NumericOp;
  value: number;
}

/** `params.model = 'tree'`, `run_name LIKE 'x%'`. */
export interface StringComparison extends ComparisonBase {
  kind: 'string';
  op: StringOp;
  value: string;
}

/** `attributes.run_id IN ('a', 'b')`. The list is non-empty and kept in the order written. */
export interface ListComparison extends ComparisonBase {
  kind: 'list';
  op: ListOp;
  value: string[];
}

/** `tags.env IS NULL`: the key is absent. */
export interface NullComparison extends ComparisonBase {
  kind: 'null';
  op: NullOp;
  value: null;
}

/** One AND-ed condition. Switch on `kind` to get `op` and `value` typed together. */
export type Comparison = NumberComparison | StringComparison | ListComparison | NullComparison;

/** One order_by item, key canonicalised like a filter key. */
export interface OrderTerm {
  entity: Entity;
  key: string;
  ascending: boolean;
}
