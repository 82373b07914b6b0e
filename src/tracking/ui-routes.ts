import { optStringArray, reqString } from '../core/request-fields.js';
import type { JsonRoute } from '../core/route.js';
import { jsonDouble } from './entities.js';
import type { Tracking } from './index.js';
import { experimentKeys, metricSummaries } from './run-columns.js';

/**
 * Native read endpoints a runs table needs beyond search: the keys it can show or filter on,
 * and min/max/last per (run, metric) from the summaries kept on write.
 *
 * | GET | /api/v1/experiments/:experiment_id/keys | | { metrics, params, tags, truncated } |
 * | POST | /api/v1/runs/metric-summaries | run_ids, keys | { summaries: [{ run_id, key, last, step, timestamp, min, max, count }] } |
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
  ];
}
