import { InvalidParameter } from '../core/errors.js';
import type { Dialect, SqlValue } from '../store/index.js';
import { TAG_DATASET_CONTEXT } from './entities.js';
import { parseFilter, RUNS_GRAMMAR, type Comparison } from './search/index.js';
import { compareColumn, type SqlPart } from './sql-compare.js';

/** Run attributes a filter or order_by may name, and their columns (alias `r`). */
export const RUN_ATTRIBUTE_COLUMNS: Record<string, { col: string; nullable?: boolean }> = {
  run_id: { col: 'r.run_uuid' },
  run_name: { col: 'r.name' },
  status: { col: 'r.status' },
  user_id: { col: 'r.user_id' },
  artifact_uri: { col: 'r.artifact_uri' },
  lifecycle_stage: { col: 'r.lifecycle_stage' },
  experiment_id: { col: 'r.experiment_id' },
  start_time: { col: 'r.start_time' },
  end_time: { col: 'r.end_time', nullable: true },
};

/** One AND-ed condition of a runs filter. */
export interface FilterTerm extends SqlPart {
  /**
   * For a positive metric/param/tag condition: a subquery listing the matching run ids, each
   * once, read from the (key, value) index. run-search may start from the smallest such list
   * instead of the experiment's runs.
   */
  driver?: SqlPart;
  /** A metric/param/tag condition: it reads only the run id column it was built with. */
  probe?: boolean;
  /** An equality or IN-list condition on a metric/param/tag: usually the one that rejects most runs. */
  equality?: boolean;
}

/**
 * The filter's conditions on a run aliased `r`. A metric/param/tag condition is a correlated
 * EXISTS probe on the run's own rows (one index seek per candidate run through the (run_uuid,
 * key) index) rather than `r.run_uuid IN (subquery)`: on 100,000 runs the IN form built a list of
 * every matching run before reading any (50,000 entries for `metrics.m > 0.5`, ~300 ms), while
 * the search only needs to test the candidates it reaches. The latest metric value is compared,
 * as in MLflow; NaN never matches a comparison.
 */
export function runFilterTerms(filter: string | undefined, dialect: Dialect, runId = 'r.run_uuid'): FilterTerm[] {
  return parseFilter(filter, RUNS_GRAMMAR).map((c) => comparisonTerm(c, dialect, runId));
}

/** The filter as WHERE terms and their parameters, in order. */
export function runFilterSql(filter: string | undefined, dialect: Dialect): { where: string[]; params: SqlValue[] } {
  const terms = runFilterTerms(filter, dialect);
  return { where: terms.map((t) => t.sql), params: terms.flatMap((t) => t.params) };
}

/**
 * PostgreSQL indexes params/tags by (key, value_prefix = left(value, 200)) because a btree entry is
 * capped near 2.7 kB and values reach 8 kB; an equality only uses that index when it compares the
 * prefix column.
 */
function valueCompare(col: string, c: Comparison, dialect: Dialect): SqlPart {
  const cmp = compareColumn(col, c, dialect);
  if (dialect !== 'postgres') return cmp;
  // A literal shorter than the prefix: `left(v, 200) = lit` already means `v = lit` (a value of
  // 200 characters or more has a 200-character prefix), so the stored prefix column alone decides
  // and its (key, value_prefix) INCLUDE (run_uuid) index (migration 010) answers without the
  // table. PostgreSQL never reads an expression index (`left(value, 200)`) index-only, hence the
  // column. On the benchmark's `params.p00 = 'lr-3'` (10,015 of 100,000 runs): 8,032 table pages
  // and 477 ms (cold) through the expression index, 85 index pages and 13.6 ms index-only.
  // (UTF-16 length >= characters, so the length test is safe.)
  if (c.kind === 'string' && c.op === '=') {
    if (c.value.length < 200) return { sql: `${col}_prefix = ?`, params: [c.value] };
    return { sql: `${cmp.sql} AND ${col}_prefix = left(?, 200)`, params: [...cmp.params, c.value] };
  }
  if (c.kind === 'list' && c.op === 'IN') {
    return { sql: `${cmp.sql} AND ${col}_prefix IN (${c.value.map(() => 'left(?, 200)').join(', ')})`, params: [...cmp.params, ...c.value] };
  }
  return cmp;
}

/**
 * A metric/param/tag condition: probe the row for `key` in `table` of the run whose id is in
 * column `runId` (`r.run_uuid`; a plan that reaches run ids before reading `runs` may probe them
 * there first and read only the runs that pass).
 */
function keyedTerm(table: string, extra: string, c: Comparison, dialect: Dialect, runId: string): FilterTerm {
  const rows = `FROM ${table} f WHERE f.run_uuid = ${runId} AND f.key = ?${extra}`;
  if (c.kind === 'null') {
    // IS NULL: no such row; IS NOT NULL: one exists (and can drive the search).
    const exists = { sql: `EXISTS (SELECT 1 ${rows})`, params: [c.key], probe: true };
    if (c.op === 'IS NULL') return { ...exists, sql: `NOT ${exists.sql}` };
    return { ...exists, driver: { sql: `SELECT run_uuid FROM ${table} f WHERE f.key = ?${extra}`, params: [c.key] } };
  }
  const cmp = valueCompare('f.value', c, dialect);
  return {
    probe: true,
    equality: c.op === '=' || c.op === 'IN',
    sql: `EXISTS (SELECT 1 ${rows} AND ${cmp.sql})`,
    params: [c.key, ...cmp.params],
    driver: { sql: `SELECT run_uuid FROM ${table} f WHERE f.key = ?${extra} AND ${cmp.sql}`, params: [c.key, ...cmp.params] },
  };
}

function inSubquery(select: string, keyParams: SqlValue[], c: Comparison, col: string, dialect: Dialect): SqlPart {
  if (c.kind === 'null') {
    return { sql: `r.run_uuid ${c.op === 'IS NULL' ? 'NOT IN' : 'IN'} (${select})`, params: keyParams };
  }
  const cmp = compareColumn(col, c, dialect);
  return { sql: `r.run_uuid IN (${select} AND ${cmp.sql})`, params: [...keyParams, ...cmp.params] };
}

function comparisonTerm(c: Comparison, dialect: Dialect, runId: string): FilterTerm {
  switch (c.entity) {
    case 'metric':
      return keyedTerm('latest_metrics', ' AND f.count > 0 AND f.is_nan = 0', c, dialect, runId);
    case 'param':
      return keyedTerm('params', '', c, dialect, runId);
    case 'tag':
      return keyedTerm('tags', '', c, dialect, runId);
    case 'dataset':
      if (c.key === 'context') {
        return inSubquery('SELECT run_uuid FROM run_input_tags WHERE key = ?', [TAG_DATASET_CONTEXT], c, 'value', dialect);
      }
      if (c.key === 'name' || c.key === 'digest') {
        return inSubquery('SELECT ri.run_uuid FROM run_inputs ri JOIN datasets d ON d.dataset_uuid = ri.dataset_uuid WHERE 1 = 1', [], c, `d.${c.key}`, dialect);
      }
      throw new InvalidParameter(`Invalid dataset key '${c.key}': use datasets.name, datasets.digest or datasets.context.`);
    case 'attribute': {
      const attr = RUN_ATTRIBUTE_COLUMNS[c.key];
      if (!attr) throw new InvalidParameter(`Invalid attribute key '${c.key}' in filter.`);
      return compareColumn(attr.col, c, dialect);
    }
  }
}
