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

/**
 * WHERE terms for a runs filter. Each metric/param/tag/dataset condition is an `IN (subquery)`
 * over that table's (key, value) index, so a selective condition narrows the runs before they are
 * read instead of probing every run of the experiment. The latest metric value is compared, as in
 * MLflow; NaN never matches a comparison.
 */
export function runFilterSql(filter: string | undefined, dialect: Dialect): { where: string[]; params: SqlValue[] } {
  const where: string[] = [];
  const params: SqlValue[] = [];
  for (const c of parseFilter(filter, RUNS_GRAMMAR)) {
    const part = comparisonSql(c, dialect);
    where.push(part.sql);
    params.push(...part.params);
  }
  return { where, params };
}

function inSubquery(select: string, keyParams: SqlValue[], c: Comparison, col: string, dialect: Dialect): SqlPart {
  if (c.kind === 'null') {
    return { sql: `r.run_uuid ${c.op === 'IS NULL' ? 'NOT IN' : 'IN'} (${select})`, params: keyParams };
  }
  const cmp = compareColumn(col, c, dialect);
  return { sql: `r.run_uuid IN (${select} AND ${cmp.sql})`, params: [...keyParams, ...cmp.params] };
}

function comparisonSql(c: Comparison, dialect: Dialect): SqlPart {
  switch (c.entity) {
    case 'metric':
      return inSubquery('SELECT run_uuid FROM latest_metrics WHERE key = ? AND count > 0 AND is_nan = 0', [c.key], c, 'value', dialect);
    case 'param':
      return inSubquery('SELECT run_uuid FROM params WHERE key = ?', [c.key], c, 'value', dialect);
    case 'tag':
      return inSubquery('SELECT run_uuid FROM tags WHERE key = ?', [c.key], c, 'value', dialect);
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
