import { api } from './client';
import type { Bucket } from './types';

/** The server's cap on runs per bulk-series request (src/tracking/series-bulk.ts). */
const MAX_RUNS = 200;

/**
 * One metric's bucketed series for many runs: one request per 200 runs (the chart of 100 runs was
 * 100 requests). Runs without the metric map to an empty list.
 */
export async function fetchSeries(runIds: string[], key: string, opts: { buckets: number; startStep?: number; endStep?: number }): Promise<Map<string, Bucket[]>> {
  const out = new Map<string, Bucket[]>();
  const chunks: string[][] = [];
  for (let i = 0; i < runIds.length; i += MAX_RUNS) chunks.push(runIds.slice(i, i + MAX_RUNS));
  const range = opts.startStep !== undefined && opts.endStep !== undefined ? { start_step: opts.startStep, end_step: opts.endStep } : {};
  const answers = await Promise.all(chunks.map((ids) => api<{ series: { run_id: string; buckets: Bucket[] }[] }>('POST', '/api/v1/runs/series', { run_ids: ids, keys: [key], buckets: opts.buckets, timestamps: true, ...range })));
  for (const a of answers) for (const s of a.series) out.set(s.run_id, s.buckets);
  return out;
}
