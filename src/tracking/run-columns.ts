import { InvalidParameter } from '../core/errors.js';
import type { Executor } from '../store/index.js';

/** The keys a runs table can show as columns or filter on, per family. */
export interface ExperimentKeys {
  metrics: string[];
  params: string[];
  tags: string[];
}

/** Enough for any column picker; an experiment with more keys gets "N of M" in the UI via `truncated`. */
const KEY_LIMIT = 2000;

function experimentIdList(ids: string[]): number[] {
  if (!ids.length) throw new InvalidParameter(`Missing value for required parameter 'experiment_ids'.`);
  if (ids.length > 100) throw new InvalidParameter(`Parameter 'experiment_ids' may hold at most 100 items, got ${ids.length}.`);
  return ids.map((id) => {
    if (!/^\d+$/.test(id)) throw new InvalidParameter(`Invalid experiment id '${id}': expected digits.`);
    return Number(id);
  });
}

/**
 * Distinct metric, param and tag keys over the active runs of some experiments: the runs
 * table's column picker and the search box's autocomplete. One DISTINCT per family, capped.
 */
export async function experimentKeys(ex: Executor, experimentIds: string[]): Promise<ExperimentKeys & { truncated: boolean }> {
  const ids = experimentIdList(experimentIds);
  const inIds = ids.map(() => '?').join(',');
  let truncated = false;
  const keysOf = async (table: string, extra = '') => {
    const rows = await ex.all<{ key: string }>(
      `SELECT DISTINCT t.key FROM ${table} t JOIN runs r ON r.run_uuid = t.run_uuid
       WHERE r.experiment_id IN (${inIds}) AND r.lifecycle_stage = 'active'${extra} ORDER BY t.key LIMIT ${KEY_LIMIT + 1}`,
      ids,
    );
    if (rows.length > KEY_LIMIT) truncated = true;
    return rows.slice(0, KEY_LIMIT).map((r) => r.key);
  };
  const [metrics, params, tags] = await Promise.all([keysOf('latest_metrics', ' AND t.count > 0'), keysOf('params'), keysOf('tags')]);
  return { metrics, params, tags, truncated };
}

/** A metric's summary for one run: last value (MLflow's latest rule), min, max and point count. */
export interface MetricSummary {
  run_id: string;
  key: string;
  last: number;
  step: number;
  timestamp: number;
  min: number | null;
  max: number | null;
  count: number;
}

/** Summaries kept on write (latest_metrics), so a table's min/max columns never read history. */
export async function metricSummaries(ex: Executor, runIds: string[], keys: string[]): Promise<MetricSummary[]> {
  if (runIds.length > 1000) throw new InvalidParameter(`Parameter 'run_ids' may hold at most 1000 items, got ${runIds.length}.`);
  if (keys.length > 100) throw new InvalidParameter(`Parameter 'keys' may hold at most 100 items, got ${keys.length}.`);
  if (!runIds.length || !keys.length) return [];
  const out: MetricSummary[] = [];
  for (let i = 0; i < runIds.length; i += 500) {
    const chunk = runIds.slice(i, i + 500);
    const rows = await ex.all<{ run_uuid: string; key: string; value: number; is_nan: number; step: number; timestamp: number; min_value: number | null; max_value: number | null; count: number }>(
      `SELECT run_uuid, key, value, is_nan, step, timestamp, min_value, max_value, count FROM latest_metrics
       WHERE count > 0 AND run_uuid IN (${chunk.map(() => '?').join(',')}) AND key IN (${keys.map(() => '?').join(',')})`,
      [...chunk, ...keys],
    );
    for (const r of rows) {
      out.push({
        run_id: r.run_uuid, key: r.key, last: Number(r.is_nan) ? NaN : Number(r.value), step: Number(r.step), timestamp: Number(r.timestamp),
        min: r.min_value === null ? null : Number(r.min_value), max: r.max_value === null ? null : Number(r.max_value), count: Number(r.count),
      });
    }
  }
  return out;
}
