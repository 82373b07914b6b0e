import { InvalidParameter } from '../core/errors.js';
import { optBool, optInt, optStringArray, reqString } from '../core/request-fields.js';
import type { JsonRoute } from '../core/route.js';
import { jsonDouble } from './entities.js';
import type { Tracking } from './index.js';
import { experimentKeys, metricSummaries } from './run-columns.js';
import { bulkSeries } from './series-bulk.js';

/**
 * Native read endpoints a runs table needs beyond search: the keys it can show or filter on,
 * and min/max/last per (run, metric) from the summaries kept on write.
 *
 * | GET | /api/v1/experiments/:experiment_id/keys | | { metrics, params, tags, truncated } |
 * | POST | /api/v1/runs/metric-summaries | run_ids, keys | { summaries: [{ run_id, key, last, step, timestamp, min, max, count }] } |
 * | POST | /api/v1/runs/series | run_ids, keys, buckets, start_step?, end_step?, timestamps? | { series: [{ run_id, key, buckets }] } |
 */
export function trackingUiRoutes(t: Tracking): JsonRoute[] {
  return [
    { methods: ['GET'], scope: 'absolute', path: '/api/v1/experiments/:experiment_id/keys', handler: async (f) => {
      const id = reqString(f, 'experiment_id');
      await t.experiments.get(id); // unknown experiment -> 404
      return experimentKeys(t.db, [id]);
    } },
    { methods: ['POST'], scope: 'absolute', path: '/api/v1/runs/metric-summaries', handler: async (f) => {
      const rows = await metricSummaries(t.db, optStringArray(f, 'run_ids') ?? [], optStringArray(f, 'keys') ?? []);
      const d = (v: number | null) => (v === null ? null : jsonDouble(v));
      return { summaries: rows.map((r) => ({ ...r, last: jsonDouble(r.last), min: d(r.min), max: d(r.max) })) };
    } },
    { methods: ['POST'], scope: 'absolute', path: '/api/v1/runs/series', auth: { resource: 'run', level: 'READ', from: (f) => optStringArray(f, 'run_ids') }, handler: async (f) => {
      const startStep = optInt(f, 'start_step');
      const endStep = optInt(f, 'end_step');
      if ((startStep === undefined) !== (endStep === undefined)) throw new InvalidParameter(`If either start_step or end_step is specified, both must be specified.`);
      if (startStep !== undefined && endStep! < startStep) throw new InvalidParameter(`end_step (${endStep}) must be greater than or equal to start_step (${startStep}).`);
      return bulkSeries(t.db, {
        runIds: optStringArray(f, 'run_ids') ?? [], keys: optStringArray(f, 'keys') ?? [], buckets: optInt(f, 'buckets', { min: 1, max: 10_000 }) ?? 1000,
        timestamps: optBool(f, 'timestamps') ?? false, ...(startStep !== undefined ? { startStep, endStep: endStep! } : {}),
      });
    } },
  ];
}
