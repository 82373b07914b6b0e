import { InvalidParameter } from '../../core/errors.js';
import { objectAt, optArray, optEnum, optInt, optKeyValues, optString, optStringArray, parseDouble, reqRunId, reqString, type Fields } from '../../core/request-fields.js';
import type { JsonRoute } from '../../core/route.js';
import { LOGGED_MODEL_STATUSES, type LoggedModelsService, type ModelMetric } from './logged-models-service.js';

/** MLflow 3's logged-model endpoints (reference §3.4), served at /api/2.0/mlflow/logged-models. */
export function loggedModelRoutes(s: LoggedModelsService): JsonRoute[] {
  return [
    { methods: ['POST'], scope: 'mlflow', path: '/logged-models', auth: { resource: 'experiment', level: 'EDIT' }, handler: async (f) => ({
      model: await s.create({
        experimentId: reqString(f, 'experiment_id'),
        name: optString(f, 'name') || undefined,
        modelType: optString(f, 'model_type') || undefined,
        sourceRunId: optString(f, 'source_run_id') || undefined,
        params: optKeyValues(f, 'params'),
        tags: optKeyValues(f, 'tags'),
      }),
    }) },
    { methods: ['POST'], scope: 'mlflow', path: '/logged-models/search', auth: { resource: 'experiment', level: 'READ', from: (f) => (Array.isArray(f.experiment_ids) ? f.experiment_ids.map(String) : f.experiment_ids === undefined ? undefined : [String(f.experiment_ids)]) }, handler: async (f) => s.search({
      experimentIds: optStringArray(f, 'experiment_ids') ?? [],
      filter: optString(f, 'filter'),
      datasets: (optArray(f, 'datasets') ?? []).map((d, i) => {
        const o = objectAt(d, `datasets[${i}]`);
        return { dataset_name: optString(o, 'dataset_name') ?? '', ...(optString(o, 'dataset_digest') ? { dataset_digest: optString(o, 'dataset_digest')! } : {}) };
      }),
      maxResults: optInt(f, 'max_results'),
      orderBy: (optArray(f, 'order_by') ?? []).map((o, i) => {
        const x = objectAt(o, `order_by[${i}]`);
        const ascending = x.ascending;
        if (ascending !== undefined && typeof ascending !== 'boolean') throw new InvalidParameter(`Invalid value for parameter 'order_by[${i}].ascending': expected true or false.`);
        return {
          field_name: reqString(x, 'field_name'),
          ...(ascending !== undefined ? { ascending } : {}),
          ...(optString(x, 'dataset_name') ? { dataset_name: optString(x, 'dataset_name')! } : {}),
          ...(optString(x, 'dataset_digest') ? { dataset_digest: optString(x, 'dataset_digest')! } : {}),
        };
      }),
      pageToken: optString(f, 'page_token'),
    }) },
    { methods: ['GET'], scope: 'mlflow', path: '/logged-models/:model_id', auth: { resource: 'logged_model', level: 'READ' }, handler: async (f) => ({ model: await s.get(reqString(f, 'model_id')) }) },
    { methods: ['DELETE'], scope: 'mlflow', path: '/logged-models/:model_id', auth: { resource: 'logged_model', level: 'MANAGE' }, handler: async (f) => {
      await s.delete(reqString(f, 'model_id'));
      return {};
    } },
    { methods: ['PATCH'], scope: 'mlflow', path: '/logged-models/:model_id', auth: { resource: 'logged_model', level: 'EDIT' }, handler: async (f) => {
      const status = optEnum(f, 'status', LOGGED_MODEL_STATUSES);
      if (!status) throw new InvalidParameter(`Missing value for required parameter 'status'.`);
      return { model: await s.finalize(reqString(f, 'model_id'), status) };
    } },
    { methods: ['PATCH'], scope: 'mlflow', path: '/logged-models/:model_id/tags', auth: { resource: 'logged_model', level: 'EDIT' }, handler: async (f) => {
      await s.setTags(reqString(f, 'model_id'), optKeyValues(f, 'tags'));
      return {};
    } },
    { methods: ['DELETE'], scope: 'mlflow', path: '/logged-models/:model_id/tags/:tag_key', auth: { resource: 'logged_model', level: 'EDIT' }, handler: async (f) => {
      await s.deleteTag(reqString(f, 'model_id'), reqString(f, 'tag_key'));
      return {};
    } },
    { methods: ['POST'], scope: 'mlflow', path: '/logged-models/:model_id/params', auth: { resource: 'logged_model', level: 'EDIT' }, handler: async (f) => {
      await s.logParams(reqString(f, 'model_id'), optKeyValues(f, 'params'));
      return {};
    } },
    { methods: ['GET'], scope: 'mlflow', path: '/logged-models/:model_id/artifacts/directories', auth: { resource: 'logged_model', level: 'READ' }, handler: async (f) =>
      s.listArtifacts(reqString(f, 'model_id'), optString(f, 'artifact_directory_path') ?? '') },
  ];
}

/** The `model_id`-carrying metrics of a log-metric or log-batch request. */
function modelMetrics(path: string, f: Fields): ModelMetric[] {
  const one = (m: Fields, where: string): ModelMetric | undefined => {
    const modelId = optString(m, 'model_id');
    if (!modelId) return undefined;
    // MLflow's dataset limits (reference §4); they also keep the metric's key row inside
    // PostgreSQL's btree row limit.
    for (const [field, limit] of [['dataset_name', 500], ['dataset_digest', 36]] as const) {
      const v = optString(m, field);
      if (v && v.length > limit) throw new InvalidParameter(`Parameter '${where}${field}' had length ${v.length}, which exceeded length limit of ${limit}.`);
    }
    return {
      modelId, runId: reqRunId(f), key: reqString(m, 'key'), value: parseDouble(m.value, `${where}value`),
      timestamp: optInt(m, 'timestamp') ?? Date.now(), step: optInt(m, 'step') ?? 0,
      ...(optString(m, 'dataset_name') ? { datasetName: optString(m, 'dataset_name')! } : {}),
      ...(optString(m, 'dataset_digest') ? { datasetDigest: optString(m, 'dataset_digest')! } : {}),
    };
  };
  if (path === '/runs/log-metric') return [one(f, '')].filter((x): x is ModelMetric => !!x);
  const out: ModelMetric[] = [];
  (optArray(f, 'metrics') ?? []).forEach((m, i) => {
    // Almost no point names a model: those are skipped before their place is spelled out. A
    // malformed point is left to log-batch's own reading, which names it the same way.
    if (m === null || typeof m !== 'object' || (m as Fields).model_id === undefined) return;
    const point = one(objectAt(m, `metrics[${i}]`), `metrics[${i}].`);
    if (point) out.push(point);
  });
  return out;
}

/**
 * Wraps tracking's log-metric and log-batch so a metric sent with `model_id` also lands on that
 * logged model (reference §3.4). Unknown model ids are refused before the run's write starts.
 */
export function withLoggedModelMetrics(routes: JsonRoute[], s: LoggedModelsService): JsonRoute[] {
  return routes.map((r) => {
    if (r.scope !== 'mlflow' || (r.path !== '/runs/log-metric' && r.path !== '/runs/log-batch')) return r;
    return {
      ...r,
      handler: async (f, ctx) => {
        const points = modelMetrics(r.path, f);
        if (points.length) await s.assertExist(points.map((p) => p.modelId));
        const result = await r.handler(f, ctx);
        await s.recordMetrics(points);
        return result;
      },
    };
  });
}
