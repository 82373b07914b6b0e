import { InvalidParameter } from '../core/errors.js';
import type { Executor } from '../store/index.js';
import type { Metric } from './entities.js';
import { decodePageToken, encodePageToken, queryFingerprint } from './keyset.js';
import { historyPage, seriesPoints, type PointRow } from './metric-chunks.js';
import { LIMITS } from './validation.js';

export interface HistoryPoint extends Metric {
  run_id?: string;
}


export function toMetric(key: string, r: PointRow): Metric {
  return { key, value: Number(r.is_nan) ? NaN : Number(r.value), timestamp: Number(r.timestamp), step: Number(r.step) };
}

/** The series of (run, key) and whether it has packed chunks (metric-chunks.ts), or undefined. */
export async function seriesInfo(ex: Executor, runId: string, key: string): Promise<{ sid: number; chunked: boolean } | undefined> {
  const row = await ex.one<{ series_id: number; chunked_to: number | null }>('SELECT series_id, chunked_to FROM latest_metrics WHERE run_uuid = ? AND key = ?', [runId, key]);
  return row ? { sid: Number(row.series_id), chunked: row.chunked_to !== null && row.chunked_to !== undefined } : undefined;
}

/** The series id of (run, key), or undefined when nothing was logged under the key. */
export async function seriesId(ex: Executor, runId: string, key: string): Promise<number | undefined> {
  const row = await ex.one<{ series_id: number }>('SELECT series_id FROM latest_metrics WHERE run_uuid = ? AND key = ?', [runId, key]);
  return row ? Number(row.series_id) : undefined;
}

/**
 * A page of one metric's history, in (step, timestamp, value) order, which is the history's
 * storage order so each page is one index range. Unlike MLflow 3.4+ (#23916) a missing
 * max_results returns a full page (25,000) and the token always advances.
 */
export async function metricHistory(ex: Executor, runId: string, key: string, maxResults: number = LIMITS.historyPage, pageToken?: string) {
  if (maxResults < 1 || maxResults > LIMITS.historyPage) {
    throw new InvalidParameter(`Invalid value ${maxResults} for parameter 'max_results': it must be between 1 and ${LIMITS.historyPage}.`);
  }
  const series = await seriesInfo(ex, runId, key);
  const fp = queryFingerprint(['history', runId, key]);
  const pos = decodePageToken(pageToken, fp);
  if (series === undefined) return { metrics: [] as Metric[] };
  const sid = series.sid;
  const params: (number | string)[] = [sid];
  let after = '';
  if (pos) {
    if (pos.length !== 4 || pos.some(([, x]) => typeof x !== 'number')) throw new InvalidParameter('Invalid page_token: it does not match this query.');
    const [[, s], [, t], [, v], [, n]] = pos as [number, number][];
    after = ' AND (step > ? OR (step = ? AND (timestamp > ? OR (timestamp = ? AND (value > ? OR (value = ? AND is_nan > ?))))))';
    params.push(s!, s!, t!, t!, v!, v!, n!);
  }
  const rows = series.chunked
    ? await historyPage(ex, sid, pos ? { step: params[1] as number, timestamp: params[3] as number, value: params[5] as number, is_nan: params[7] as number } : undefined, maxResults + 1)
    : await ex.all<PointRow>(
        `SELECT step, timestamp, value, is_nan FROM metrics WHERE series_id = ?${after} ORDER BY step, timestamp, value, is_nan LIMIT ?`,
        [...params, maxResults + 1],
      );
  const page = rows.slice(0, maxResults);
  const metrics = page.map((r) => toMetric(key, r));
  if (rows.length <= maxResults) return { metrics };
  const last = page[page.length - 1]!;
  const token = encodePageToken([[0, Number(last.step)], [0, Number(last.timestamp)], [0, Number(last.value)], [0, Number(last.is_nan)]], fp);
  return { metrics, next_page_token: token };
}

/** The history of one key for up to 100 runs (the UI's get-history-bulk), each point with its run_id. */
export async function metricHistoryBulk(ex: Executor, runIds: string[], key: string, maxResults: number = LIMITS.historyPage): Promise<HistoryPoint[]> {
  if (!runIds.length) throw new InvalidParameter(`GetMetricHistoryBulk request must specify at least one run_id.`);
  if (runIds.length > 100) throw new InvalidParameter(`GetMetricHistoryBulk request cannot specify more than 100 run_ids. Received ${runIds.length} run_ids.`);
  if (maxResults < 1 || maxResults > LIMITS.historyPage) throw new InvalidParameter(`Invalid value ${maxResults} for parameter 'max_results': it must be between 1 and ${LIMITS.historyPage}.`);
  const out: HistoryPoint[] = [];
  for (const runId of runIds) {
    const series = await seriesInfo(ex, runId, key);
    if (series === undefined) continue;
    const rows = series.chunked
      ? (await seriesPoints(ex, series.sid)).slice(0, maxResults - out.length)
      : await ex.all<PointRow>('SELECT step, timestamp, value, is_nan FROM metrics WHERE series_id = ? ORDER BY step, timestamp, value LIMIT ?', [series.sid, maxResults - out.length]);
    for (const r of rows) out.push({ ...toMetric(key, r), run_id: runId });
    if (out.length >= maxResults) break;
  }
  return out;
}
