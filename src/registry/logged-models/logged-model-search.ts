import { InvalidParameter } from '../../core/errors.js';
import type { Database, SqlValue } from '../../store/index.js';
import { afterPosition, decodePageToken, encodePageToken, orderByClause, positionColumns, queryFingerprint, readPosition, type SortKey } from '../../tracking/index.js';
import { LOGGED_MODELS_GRAMMAR, parseFilter, parseOrderByItem } from '../../tracking/index.js';
import { compareColumn } from '../../tracking/index.js';
import { loadLoggedModels, type LoggedModelRow } from './logged-model-loader.js';

export interface LoggedModelSearch {
  experimentIds: string[];
  filter?: string;
  /** Scopes metric filters and metric ordering to these datasets. */
  datasets?: { dataset_name: string; dataset_digest?: string }[];
  maxResults?: number;
  orderBy?: { field_name: string; ascending?: boolean; dataset_name?: string; dataset_digest?: string }[];
  pageToken?: string;
}

const ATTRIBUTES: Record<string, { col: string; type: 'string' | 'number' }> = {
  name: { col: 'm.name', type: 'string' },
  model_id: { col: 'm.model_id', type: 'string' },
  model_type: { col: 'm.model_type', type: 'string' },
  status: { col: 'm.status', type: 'string' },
  source_run_id: { col: 'm.source_run_id', type: 'string' },
  creation_timestamp: { col: 'm.creation_timestamp', type: 'number' },
  last_updated_timestamp: { col: 'm.last_updated_timestamp', type: 'number' },
};

/** A SQL string literal. Keys come from user text; order-by keys cannot be parameters (see keyset.ts). */
function literal(s: string): string {
  if (s.includes('\u0000')) throw new InvalidParameter('Invalid order_by: keys may not contain NUL.');
  return `'${s.replace(/'/g, "''")}'`;
}

function datasetScope(ds: { dataset_name: string; dataset_digest?: string }[], params: SqlValue[]): string {
  if (!ds.length) return '';
  const parts = ds.map((d) => {
    params.push(d.dataset_name);
    if (d.dataset_digest) params.push(d.dataset_digest);
    return d.dataset_digest ? '(lm.dataset_name = ? AND lm.dataset_digest = ?)' : '(lm.dataset_name = ?)';
  });
  return ` AND (${parts.join(' OR ')})`;
}

/** logged-models/search (reference §3.4, §5) with keyset page tokens bound to the query. */
export async function searchLoggedModels(db: Database, input: LoggedModelSearch) {
  if (!input.experimentIds.length) throw new InvalidParameter(`Missing value for required parameter 'experiment_ids'.`);
  const expIds = input.experimentIds.map((id, i) => {
    if (!/^\d+$/.test(id)) throw new InvalidParameter(`Invalid value '${id}' for parameter 'experiment_ids[${i}]': experiment ids are integers.`);
    return Number(id);
  });
  const max = input.maxResults ?? 100;
  if (max < 1 || max > 1000) throw new InvalidParameter(`Invalid value ${max} for parameter 'max_results': it must be between 1 and 1000.`);
  const datasets = input.datasets ?? [];
  datasets.forEach((d, i) => {
    if (!d || typeof d.dataset_name !== 'string' || !d.dataset_name) throw new InvalidParameter(`Missing value for required parameter 'datasets[${i}].dataset_name'.`);
  });
  const where = [`m.experiment_id IN (${expIds.map(() => '?').join(', ')})`, "m.lifecycle_stage = 'active'"];
  const params: SqlValue[] = [...expIds];
  for (const c of parseFilter(input.filter, LOGGED_MODELS_GRAMMAR)) {
    if (c.entity === 'metric') {
      const cmp = compareColumn('lm.value', c, db.dialect);
      params.push(c.key, ...cmp.params);
      where.push(`EXISTS (SELECT 1 FROM logged_model_metrics lm WHERE lm.model_id = m.model_id AND lm.key = ? AND lm.is_nan = 0 AND ${cmp.sql}${datasetScope(datasets, params)})`);
    } else if (c.entity === 'param' || c.entity === 'tag') {
      const table = c.entity === 'param' ? 'logged_model_params' : 'logged_model_tags';
      if (c.kind === 'null') {
        where.push(`${c.op === 'IS NULL' ? 'NOT ' : ''}EXISTS (SELECT 1 FROM ${table} t WHERE t.model_id = m.model_id AND t.key = ?)`);
        params.push(c.key);
      } else {
        const cmp = compareColumn('t.value', c, db.dialect);
        where.push(`EXISTS (SELECT 1 FROM ${table} t WHERE t.model_id = m.model_id AND t.key = ? AND ${cmp.sql})`);
        params.push(c.key, ...cmp.params);
      }
    } else {
      const a = ATTRIBUTES[c.key];
      if (!a) throw new InvalidParameter(`Invalid filter key '${c.key}' for logged models.`);
      const cmp = compareColumn(a.col, c, db.dialect);
      where.push(cmp.sql);
      params.push(...cmp.params);
    }
  }
  const keys: SortKey[] = (input.orderBy ?? []).map((o, i) => {
    if (!o || typeof o.field_name !== 'string') throw new InvalidParameter(`Missing value for required parameter 'order_by[${i}].field_name'.`);
    const term = parseOrderByItem(o.field_name, LOGGED_MODELS_GRAMMAR);
    const ascending = o.ascending ?? true;
    if (term.entity === 'metric') {
      const scope = o.dataset_name
        ? ` AND lm.dataset_name = ${literal(o.dataset_name)}${o.dataset_digest ? ` AND lm.dataset_digest = ${literal(o.dataset_digest)}` : ''}`
        : '';
      const pick = (col: string) => `(SELECT lm.${col} FROM logged_model_metrics lm WHERE lm.model_id = m.model_id AND lm.key = ${literal(term.key)}${scope} ORDER BY lm.timestamp DESC, lm.step DESC, lm.run_id LIMIT 1)`;
      // Missing rank: 0 = a value, 1 = NaN, 2 = never logged; NaN and absent sort last, as MLflow's do.
      return { expr: pick('value'), missing: `COALESCE(${pick('is_nan')}, 2)`, ascending, type: 'number' };
    }
    const a = ATTRIBUTES[term.key]!;
    return a.col === 'm.model_type' || a.col === 'm.source_run_id'
      ? { expr: `COALESCE(${a.col}, '')`, ascending, type: 'string' }
      : { expr: a.col, ascending, type: a.type };
  });
  if (!keys.length) keys.push({ expr: 'm.creation_timestamp', ascending: false, type: 'number' });
  keys.push({ expr: 'm.model_id', ascending: true, type: 'string' });
  const fp = queryFingerprint(['logged-models', expIds, input.filter ?? '', input.orderBy ?? [], datasets]);
  const pos = decodePageToken(input.pageToken, fp);
  if (pos) {
    const after = afterPosition(keys, pos);
    where.push(after.sql);
    params.push(...after.params);
  }
  const rows = await db.all<LoggedModelRow & Record<string, unknown>>(
    `SELECT m.*, ${positionColumns(keys)} FROM logged_models m WHERE ${where.join(' AND ')} ORDER BY ${orderByClause(keys)} LIMIT ?`,
    [...params, max + 1],
  );
  const page = rows.slice(0, max);
  const next = rows.length > max ? encodePageToken(readPosition(page[page.length - 1]!, keys.length), fp) : undefined;
  return { models: await loadLoggedModels(db, page), ...(next ? { next_page_token: next } : {}) };
}
