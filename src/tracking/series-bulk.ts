/**
 * @module Many charts in one request: bucketed series for N runs x K metrics (the UI's chart grid
 * of 100 runs was 100 requests per chart). Each series is bucketed from the block summaries like
 * the single-series endpoint, so no request ever reads or returns whole histories; the total
 * bucket budget is capped so one request stays the size of a screenful of charts.
 */
import { InvalidParameter, NotFound } from '../core/errors.js';
import type { Executor } from '../store/index.js';
import { jsonDouble } from './entities.js';
import { bucketedSeries } from './metric-series.js';

export const BULK_MAX_RUNS = 200;
export const BULK_MAX_KEYS = 20;
/** runs x keys x buckets: 200 runs x 1 metric x 5,000 buckets, or 100 x 10 x 1,000. */
export const BULK_MAX_BUCKETS = 1_000_000;

export interface BulkSeriesInput {
  runIds: string[];
  keys: string[];
  buckets: number;
  startStep?: number;
  endStep?: number;
  timestamps: boolean;
}

export interface BucketJson { step: number; timestamp?: number; last: number | string; min: number | string | null; max: number | string | null; count: number }

export async function bulkSeries(ex: Executor, input: BulkSeriesInput): Promise<{ series: { run_id: string; key: string; buckets: BucketJson[] }[] }> {
  const runIds = [...new Set(input.runIds)];
  const keys = [...new Set(input.keys)];
  if (!runIds.length) throw new InvalidParameter(`Missing value for required parameter 'run_ids'.`);
  if (!keys.length) throw new InvalidParameter(`Missing value for required parameter 'keys'.`);
  if (runIds.length > BULK_MAX_RUNS) throw new InvalidParameter(`Parameter 'run_ids' may hold at most ${BULK_MAX_RUNS} runs, got ${runIds.length}; split the request.`);
  if (keys.length > BULK_MAX_KEYS) throw new InvalidParameter(`Parameter 'keys' may hold at most ${BULK_MAX_KEYS} metric keys, got ${keys.length}; split the request.`);
  const total = runIds.length * keys.length * input.buckets;
  if (total > BULK_MAX_BUCKETS) throw new InvalidParameter(`run_ids x keys x buckets is ${total}, over the limit of ${BULK_MAX_BUCKETS}; ask for fewer buckets (about one per pixel of chart width) or fewer runs.`);
  // Unknown runs are a 404 naming them, before any series is read (no partial answer).
  const placeholders = runIds.map(() => '?').join(', ');
  const found = new Set((await ex.all<{ run_uuid: string }>(`SELECT run_uuid FROM runs WHERE run_uuid IN (${placeholders})`, runIds)).map((r) => r.run_uuid));
  const missing = runIds.filter((id) => !found.has(id));
  if (missing.length) throw new NotFound(`Run${missing.length > 1 ? 's' : ''} not found: ${missing.slice(0, 5).join(', ')}${missing.length > 5 ? ` and ${missing.length - 5} more` : ''}`);
  const range = input.startStep !== undefined ? { startStep: input.startStep, endStep: input.endStep } : {};
  const series: { run_id: string; key: string; buckets: BucketJson[] }[] = [];
  for (const run_id of runIds) {
    for (const key of keys) {
      const buckets = await bucketedSeries(ex, run_id, key, { buckets: input.buckets, ...range });
      series.push({
        run_id,
        key,
        // min/max may be ±Infinity, which JSON.stringify would turn into null.
        buckets: buckets.map((b) => ({
          step: b.step, ...(input.timestamps ? { timestamp: b.timestamp } : {}), last: jsonDouble(b.last),
          min: b.min === null ? null : jsonDouble(b.min), max: b.max === null ? null : jsonDouble(b.max), count: b.count,
        })),
      });
    }
  }
  return { series };
}
