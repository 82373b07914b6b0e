import { InvalidParameter } from '../core/errors.js';
import type { Database, SqlValue } from '../store/index.js';
import type { Run, ViewType } from './entities.js';
import { parseExperimentId } from './experiments-service.js';
import { afterPosition, decodePageToken, encodePageToken, orderByClause, positionColumns, queryFingerprint, readPosition, type SortKey } from './keyset.js';
import { loadRuns, type Projection, type RunRow } from './run-loader.js';
import { RUN_ATTRIBUTE_COLUMNS, runFilterSql } from './run-filter-sql.js';
import { parseOrderBy, RUNS_GRAMMAR } from './search/index.js';
import { LIMITS } from './validation.js';

const NUMERIC_ATTRIBUTES = new Set(['start_time', 'end_time', 'experiment_id']);

export interface RunSearchInput {
  experimentIds: string[];
  filter?: string;
  viewType?: ViewType;
  maxResults?: number;
  orderBy?: string[];
  pageToken?: string;
}

/**
 * runs/search: filter, order and keyset pages in SQL; then the page's runs are loaded in a few
 * IN-list queries. `projection` limits what is loaded per run (the native column projection).
 */
export async function searchRuns(db: Database, input: RunSearchInput, projection?: Projection): Promise<{ runs: Run[]; next_page_token?: string }> {
  const max = input.maxResults ?? 1000;
  if (max < 1 || max > LIMITS.searchMaxResults) {
    throw new InvalidParameter(`Invalid value ${max} for parameter 'max_results' supplied: it must be between 1 and ${LIMITS.searchMaxResults}.`);
  }
  if (!input.experimentIds.length) return { runs: [] };
  const expIds = input.experimentIds.map((id) => parseExperimentId(id, 'experiment_ids'));
  const joins: string[] = [];
  const joinParams: SqlValue[] = [];
  const keys: SortKey[] = [];
  parseOrderBy(input.orderBy, RUNS_GRAMMAR).forEach((term, i) => {
    if (term.entity === 'metric') {
      joins.push(`LEFT JOIN latest_metrics o${i} ON o${i}.run_uuid = r.run_uuid AND o${i}.key = ?`);
      joinParams.push(term.key);
      // MLflow's order: values, then NaN, then runs without the metric, in both directions.
      keys.push({ expr: `o${i}.value`, missing: `CASE WHEN o${i}.series_id IS NULL OR o${i}.count = 0 THEN 2 WHEN o${i}.is_nan = 1 THEN 1 ELSE 0 END`, ascending: term.ascending, type: 'number' });
    } else if (term.entity === 'param' || term.entity === 'tag') {
      joins.push(`LEFT JOIN ${term.entity}s o${i} ON o${i}.run_uuid = r.run_uuid AND o${i}.key = ?`);
      joinParams.push(term.key);
      keys.push({ expr: `o${i}.value`, missing: `CASE WHEN o${i}.value IS NULL THEN 1 ELSE 0 END`, ascending: term.ascending, type: 'string' });
    } else if (term.entity === 'attribute' && RUN_ATTRIBUTE_COLUMNS[term.key]) {
      const attr = RUN_ATTRIBUTE_COLUMNS[term.key]!;
      keys.push({ expr: attr.col, missing: attr.nullable ? `CASE WHEN ${attr.col} IS NULL THEN 1 ELSE 0 END` : undefined, ascending: term.ascending, type: NUMERIC_ATTRIBUTES.has(term.key) ? 'number' : 'string' });
    } else {
      throw new InvalidParameter(`Invalid order_by key '${term.key}' for runs.`);
    }
  });
  if (!keys.some((k) => k.expr === 'r.start_time')) keys.push({ expr: 'r.start_time', ascending: false, type: 'number' });
  keys.push({ expr: 'r.run_uuid', ascending: true, type: 'string' });

  const view = input.viewType ?? 'ACTIVE_ONLY';
  const where: string[] = [`r.experiment_id IN (${expIds.map(() => '?').join(',')})`];
  const params: SqlValue[] = [...expIds];
  if (view === 'ACTIVE_ONLY') where.push("r.lifecycle_stage = 'active'");
  if (view === 'DELETED_ONLY') where.push("r.lifecycle_stage = 'deleted'");
  const filter = runFilterSql(input.filter, db.dialect);
  where.push(...filter.where);
  params.push(...filter.params);
  const fp = queryFingerprint(['runs', [...input.experimentIds].sort(), input.filter ?? '', input.orderBy ?? [], view]);
  const pos = decodePageToken(input.pageToken, fp);
  if (pos) {
    const after = afterPosition(keys, pos);
    where.push(after.sql);
    params.push(...after.params);
  }
  const rows = await db.all<RunRow & Record<string, unknown>>(
    `SELECT r.*, ${positionColumns(keys)} FROM runs r ${joins.join(' ')} WHERE ${where.join(' AND ')} ORDER BY ${orderByClause(keys)} LIMIT ?`,
    [...joinParams, ...params, max + 1],
  );
  const page = rows.slice(0, max);
  const runs = await loadRuns(db, page, projection);
  const next = rows.length > max ? encodePageToken(readPosition(page[page.length - 1]!, keys.length), fp) : undefined;
  return next ? { runs, next_page_token: next } : { runs };
}
