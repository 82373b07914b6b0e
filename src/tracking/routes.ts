import { parseClientJson } from '../core/json-text.js';
import { InvalidParameter } from '../core/errors.js';
import { decodeMetricBatch } from '../core/metric-batch-binary.js';
import {
  objectAt, optArray, optBool, optEnum, optInt, optKeyValues, optString, optStringArray, parseDouble, reqInt, reqRunId, reqString, type Fields,
} from '../core/request-fields.js';
import { BINARY_BODY, JsonText, type JsonRoute, type RequestContext } from '../core/route.js';
import { withQueryLimits, type QueryLimits } from '../store/index.js';
import { jsonDouble, metricJson, RUN_STATUSES, runJson, VIEW_TYPES, type DatasetInput } from './entities.js';
import type { Tracking } from './index.js';
import { metricHistory, metricHistoryBulk } from './metric-history.js';
import { bucketedSeries, sampledHistory } from './metric-series.js';
import type { MetricPoint } from './metric-writer.js';
import type { Projection } from './run-loader.js';
import { searchRunsJson } from './run-search.js';
import { LIMITS } from './validation.js';

/**
 * How long one run search may take on PostgreSQL (TRAINYARD_SEARCH_TIMEOUT_MS, default 30 s);
 * it is also cancelled when the client disconnects.
 */
function searchLimits(ctx: RequestContext): QueryLimits {
  const env = Number(process.env.TRAINYARD_SEARCH_TIMEOUT_MS);
  return { timeoutMs: Number.isInteger(env) && env > 0 ? env : 30_000, ...(ctx.signal ? { signal: ctx.signal } : {}) };
}

/** Caps a list so its SQL parameters stay well inside SQLite's and PostgreSQL's limits. */
function maxItems<T>(list: T[], max: number, name: string): T[] {
  if (list.length > max) throw new InvalidParameter(`Parameter '${name}' may hold at most ${max} items, got ${list.length}.`);
  return list;
}

/** One metric from a request body; `where` names its place for error messages. */
function readMetric(f: Fields, where: string): MetricPoint {
  const key = optString(f, 'key');
  if (!key) throw new InvalidParameter(`Missing value for required parameter '${where}key'.`);
  if (f.value === undefined || f.value === null) throw new InvalidParameter(`Missing value for required parameter '${where}value'.`);
  if (typeof f.value === 'boolean') throw new InvalidParameter(`Invalid value ${f.value} for parameter '${where}value' supplied: expected a number`);
  const value = parseDouble(f.value, `${where}value`);
  return { key, value, timestamp: optInt(f, 'timestamp') ?? Date.now(), step: optInt(f, 'step') ?? 0 };
}

/**
 * The i-th metric of log-batch's list. The usual point (a string key without NUL, a number value,
 * integer timestamp and step) is taken as it is; anything else goes through readMetric, whose
 * errors name `metrics[i]`. Naming every point's place up front built two strings a point,
 * ~10% of a 1,000-point batch's request handling.
 */
function readBatchMetric(m: unknown, i: number): MetricPoint {
  if (m !== null && typeof m === 'object') {
    const { key, value, timestamp, step } = m as Fields;
    if (typeof key === 'string' && key !== '' && typeof value === 'number' && Number.isSafeInteger(timestamp) && Number.isSafeInteger(step) && !Array.isArray(m) && !key.includes('\u0000')) {
      return { key, value, timestamp: timestamp as number, step: step as number };
    }
  }
  return readMetric(objectAt(m, `metrics[${i}]`), `metrics[${i}].`);
}

function readDatasetInputs(f: Fields): DatasetInput[] {
  return (optArray(f, 'datasets') ?? []).map((item, i) => {
    const o = objectAt(item, `datasets[${i}]`);
    const d = objectAt(o.dataset, `datasets[${i}].dataset`);
    return {
      tags: optKeyValues(o, 'tags'),
      dataset: {
        name: optString(d, 'name') ?? '',
        digest: optString(d, 'digest') ?? '',
        source_type: optString(d, 'source_type') ?? '',
        source: optString(d, 'source') ?? '',
        ...(optString(d, 'schema') !== undefined ? { schema: optString(d, 'schema')! } : {}),
        ...(optString(d, 'profile') !== undefined ? { profile: optString(d, 'profile')! } : {}),
      },
    };
  });
}

function stepRange(f: Fields): { startStep?: number; endStep?: number } {
  const startStep = optInt(f, 'start_step');
  const endStep = optInt(f, 'end_step');
  if ((startStep === undefined) !== (endStep === undefined)) {
    throw new InvalidParameter(`If either start_step or end_step is specified, both must be specified.`);
  }
  if (startStep !== undefined && endStep! < startStep) throw new InvalidParameter(`end_step (${endStep}) must be greater than or equal to start_step (${startStep}).`);
  return { startStep, endStep };
}

/** Every tracking endpoint of reference §3.1, §3.2 and §3.6, plus the native search and series. */
export function trackingRoutes(t: Tracking): JsonRoute[] {
  const { experiments, runs, inputs, db } = t;
  const searchExperiments = async (f: Fields) => {
    const res = await experiments.search({
      filter: optString(f, 'filter'),
      orderBy: optStringArray(f, 'order_by'),
      viewType: optEnum(f, 'view_type', VIEW_TYPES),
      maxResults: optInt(f, 'max_results'),
      pageToken: optString(f, 'page_token'),
    });
    return res.next_page_token ? res : { experiments: res.experiments };
  };
  const runSearchInput = (f: Fields) => ({
    experimentIds: maxItems(optStringArray(f, 'experiment_ids') ?? [], 1000, 'experiment_ids'),
    filter: optString(f, 'filter'),
    viewType: optEnum(f, 'run_view_type', VIEW_TYPES),
    maxResults: optInt(f, 'max_results'),
    orderBy: optStringArray(f, 'order_by'),
    pageToken: optString(f, 'page_token'),
  });

  return [
    // §3.1 Experiments
    { methods: ['POST'], scope: 'mlflow', path: '/experiments/create', auth: { anyUser: true, creates: { resource: 'experiment', id: (r) => r?.experiment_id } }, handler: async (f) => ({
      experiment_id: await experiments.create(reqString(f, 'name'), optString(f, 'artifact_location') || undefined, optKeyValues(f, 'tags')),
    }) },
    { methods: ['GET'], scope: 'mlflow', path: '/experiments/get', auth: { resource: 'experiment', level: 'READ' }, handler: async (f) => ({ experiment: await experiments.get(reqString(f, 'experiment_id')) }) },
    { methods: ['GET'], scope: 'mlflow', path: '/experiments/get-by-name', auth: { resource: 'experiment_name', level: 'READ', from: (f) => (typeof f.experiment_name === 'string' ? f.experiment_name : undefined) }, handler: async (f) => ({ experiment: await experiments.getByName(reqString(f, 'experiment_name')) }) },
    { methods: ['POST', 'GET'], scope: 'mlflow', path: '/experiments/search', auth: { anyUser: true }, handler: searchExperiments },
    { methods: ['POST'], scope: 'mlflow', path: '/experiments/update', auth: { resource: 'experiment', level: 'EDIT' }, handler: async (f) => {
      await experiments.rename(reqString(f, 'experiment_id'), reqString(f, 'new_name'));
      return {};
    } },
    { methods: ['POST'], scope: 'mlflow', path: '/experiments/delete', auth: { resource: 'experiment', level: 'MANAGE' }, handler: async (f) => {
      await experiments.delete(reqString(f, 'experiment_id'));
      return {};
    } },
    { methods: ['POST'], scope: 'mlflow', path: '/experiments/restore', auth: { resource: 'experiment', level: 'MANAGE' }, handler: async (f) => {
      await experiments.restore(reqString(f, 'experiment_id'));
      return {};
    } },
    { methods: ['POST'], scope: 'mlflow', path: '/experiments/set-experiment-tag', auth: { resource: 'experiment', level: 'EDIT' }, handler: async (f) => {
      await experiments.setTag(reqString(f, 'experiment_id'), reqString(f, 'key'), optString(f, 'value') ?? '');
      return {};
    } },
    { methods: ['POST'], scope: 'mlflow', path: '/experiments/delete-experiment-tag', auth: { resource: 'experiment', level: 'EDIT' }, handler: async (f) => {
      await experiments.deleteTag(reqString(f, 'experiment_id'), reqString(f, 'key'));
      return {};
    } },
    { methods: ['POST'], scope: 'ajax', path: '/experiments/search-datasets', auth: { resource: 'experiment', level: 'READ', from: (f) => (Array.isArray(f.experiment_ids) ? f.experiment_ids.map(String) : f.experiment_ids === undefined ? undefined : [String(f.experiment_ids)]) }, handler: async (f) => ({
      dataset_summaries: await inputs.searchDatasets(optStringArray(f, 'experiment_ids') ?? []),
    }) },

    // §3.2 Runs
    { methods: ['POST'], scope: 'mlflow', path: '/runs/create', auth: { resource: 'experiment', level: 'EDIT', from: (f) => (f.experiment_id === undefined || f.experiment_id === '' ? '0' : String(f.experiment_id)) }, handler: async (f, ctx) => {
      const run = await runs.create({
        experimentId: optString(f, 'experiment_id') || undefined,
        // With auth on, a run belongs to whoever created it, whatever user_id the client sent.
        userId: ctx.authenticated ? ctx.user : optString(f, 'user_id') ?? ctx.user,
        runName: optString(f, 'run_name') || undefined,
        startTime: optInt(f, 'start_time'),
        tags: optKeyValues(f, 'tags'),
      });
      return { run: runJson(run) };
    } },
    { methods: ['POST'], scope: 'mlflow', path: '/runs/update', auth: { resource: 'run', level: 'EDIT' }, handler: async (f) => ({
      run_info: await runs.update(reqRunId(f), { status: optEnum(f, 'status', RUN_STATUSES), endTime: optInt(f, 'end_time'), runName: optString(f, 'run_name') || undefined }),
    }) },
    { methods: ['POST'], scope: 'mlflow', path: '/runs/delete', auth: { resource: 'run', level: 'MANAGE' }, handler: async (f) => {
      await runs.delete(reqRunId(f));
      return {};
    } },
    { methods: ['POST'], scope: 'mlflow', path: '/runs/restore', auth: { resource: 'run', level: 'MANAGE' }, handler: async (f) => {
      await runs.restore(reqRunId(f));
      return {};
    } },
    { methods: ['GET'], scope: 'mlflow', path: '/runs/get', auth: { resource: 'run', level: 'READ' }, handler: async (f) => ({ run: runJson(await runs.get(reqRunId(f))) }) },
    { methods: ['POST'], scope: 'mlflow', path: '/runs/search', auth: { resource: 'experiment', level: 'READ', from: (f) => (Array.isArray(f.experiment_ids) ? f.experiment_ids.map(String) : f.experiment_ids === undefined ? undefined : [String(f.experiment_ids)]) }, handler: async (f, ctx) => {
      // The page's JSON is written by the database (run-page-json.ts): ~275 kB for 100 full runs.
      return new JsonText(await withQueryLimits(db, searchLimits(ctx), (ex) => searchRunsJson(ex, runSearchInput(f))));
    } },
    { methods: ['POST'], scope: 'mlflow', path: '/runs/log-metric', auth: { resource: 'run', level: 'EDIT' }, handler: async (f) => {
      if (f.timestamp === undefined) throw new InvalidParameter(`Missing value for required parameter 'timestamp'.`);
      await runs.logMetric(reqRunId(f), readMetric(f, ''));
      return {};
    } },
    { methods: ['POST'], scope: 'mlflow', path: '/runs/log-parameter', auth: { resource: 'run', level: 'EDIT' }, handler: async (f) => {
      await runs.logParam(reqRunId(f), { key: reqString(f, 'key'), value: optString(f, 'value') ?? '' });
      return {};
    } },
    { methods: ['POST'], scope: 'mlflow', path: '/runs/set-tag', auth: { resource: 'run', level: 'EDIT' }, handler: async (f) => {
      await runs.setTag(reqRunId(f), { key: reqString(f, 'key'), value: optString(f, 'value') ?? '' });
      return {};
    } },
    { methods: ['POST'], scope: 'mlflow', path: '/runs/delete-tag', auth: { resource: 'run', level: 'EDIT' }, handler: async (f) => {
      await runs.deleteTag(reqRunId(f), reqString(f, 'key'));
      return {};
    } },
    { methods: ['POST'], scope: 'mlflow', path: '/runs/log-batch', auth: { resource: 'run', level: 'EDIT' }, handler: async (f) => {
      // Content-Type application/vnd.trainyard.metrics+binary: metrics only, run_id in the query.
      const binary = f[BINARY_BODY];
      if (Buffer.isBuffer(binary)) {
        await runs.logMetricColumns(reqRunId(f), decodeMetricBatch(binary));
        return {};
      }
      const metrics = (optArray(f, 'metrics') ?? []).map(readBatchMetric);
      const params = optKeyValues(f, 'params');
      const tags = optKeyValues(f, 'tags');
      await runs.logBatch(reqRunId(f), { metrics, params, tags });
      return {};
    } },
    { methods: ['POST'], scope: 'mlflow', path: '/runs/log-inputs', auth: { resource: 'run', level: 'EDIT' }, handler: async (f) => {
      await inputs.logInputs(reqRunId(f), readDatasetInputs(f));
      return {};
    } },
    { methods: ['POST'], scope: 'mlflow', path: '/runs/log-model', auth: { resource: 'run', level: 'EDIT' }, handler: async (f) => {
      const runId = reqRunId(f);
      const modelJson = reqString(f, 'model_json');
      const parsed = parseClientJson(modelJson, "parameter 'model_json'");
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
        throw new InvalidParameter(`Invalid value for parameter 'model_json': expected a JSON object (MLmodel as JSON), got ${Array.isArray(parsed) ? 'an array' : parsed === null ? 'null' : `a ${typeof parsed}`}.`);
      }
      const model = parsed as Record<string, unknown>;
      for (const k of ['artifact_path', 'flavors', 'utc_time_created', 'run_id']) {
        if (!(k in model)) throw new InvalidParameter(`Model json is missing mandatory fields: '${k}'`);
      }
      await runs.logModel(runId, model);
      return {};
    } },

    // Metric history
    { methods: ['GET'], scope: 'mlflow', path: '/metrics/get-history', auth: { resource: 'run', level: 'READ' }, handler: async (f) => {
      const runId = reqRunId(f);
      await runs.row(db, runId); // unknown run -> 404 (MLflow answers 200 empty, §7 #6)
      const res = await metricHistory(db, runId, reqString(f, 'metric_key'), optInt(f, 'max_results') ?? LIMITS.historyPage, optString(f, 'page_token'));
      return { metrics: res.metrics.map(metricJson), ...(res.next_page_token ? { next_page_token: res.next_page_token } : {}) };
    } },
    { methods: ['GET'], scope: 'ajax', path: '/metrics/get-history-bulk', auth: { resource: 'run', level: 'READ', from: (f) => (Array.isArray(f.run_id) ? f.run_id.map(String) : f.run_id === undefined ? undefined : [String(f.run_id)]) }, handler: async (f) => {
      const ids = optStringArray(f, 'run_id') ?? [];
      const points = await metricHistoryBulk(db, ids, reqString(f, 'metric_key'), optInt(f, 'max_results') ?? LIMITS.historyPage);
      return { metrics: points.map((p) => ({ ...metricJson(p), run_id: p.run_id })) };
    } },
    { methods: ['GET'], scope: 'mlflow', path: '/metrics/get-history-bulk-interval', auth: { resource: 'run', level: 'READ', from: (f) => (Array.isArray(f.run_ids) ? f.run_ids.map(String) : f.run_ids === undefined ? undefined : [String(f.run_ids)]) }, handler: async (f) => {
      const ids = optStringArray(f, 'run_ids') ?? [];
      if (!ids.length) throw new InvalidParameter(`Missing value for required parameter 'run_ids'.`);
      if (ids.length > 100) throw new InvalidParameter(`GetMetricHistoryBulkInterval request must specify at most 100 run_ids. Received ${ids.length} run_ids.`);
      const maxResults = optInt(f, 'max_results', { min: 1, max: 2500 }) ?? 320;
      const points = await sampledHistory(db, ids, reqString(f, 'metric_key'), { maxResults, ...stepRange(f) });
      return { metrics: points.map((p) => ({ ...metricJson(p), run_id: p.run_id })) };
    } },

    // Native API: projected search and bucketed series.
    { methods: ['POST'], scope: 'absolute', path: '/api/v1/runs/search', auth: { resource: 'experiment', level: 'READ', from: (f) => (Array.isArray(f.experiment_ids) ? f.experiment_ids.map(String) : f.experiment_ids === undefined ? undefined : [String(f.experiment_ids)]) }, handler: async (f, ctx) => {
      return new JsonText(await withQueryLimits(db, searchLimits(ctx), (ex) => searchRunsJson(ex, runSearchInput(f), projectionOf(optStringArray(f, 'columns')))));
    } },
    { methods: ['GET'], scope: 'absolute', path: '/api/v1/runs/:run_id/metrics/:key/series', auth: { resource: 'run', level: 'READ' }, handler: async (f) => {
      const runId = reqRunId(f);
      await runs.row(db, runId);
      const key = reqString(f, 'key');
      const buckets = await bucketedSeries(db, runId, key, { buckets: optInt(f, 'buckets') ?? 1000, ...stepRange(f) });
      // `timestamps=true` adds each bucket's last timestamp (the UI's wall-clock and relative-time axes).
      const withTs = optBool(f, 'timestamps') ?? false;
      return {
        run_id: runId,
        key,
        // min/max may be ±Infinity, which JSON.stringify would turn into null.
        buckets: buckets.map((b) => ({
          step: b.step, ...(withTs ? { timestamp: b.timestamp } : {}), last: jsonDouble(b.last),
          min: b.min === null ? null : jsonDouble(b.min), max: b.max === null ? null : jsonDouble(b.max), count: b.count,
        })),
      };
    } },
  ];
}

/**
 * `columns: ["metrics.loss", "params.lr", "tags.team"]` -> what to load per run. Without
 * `columns` the run is whole; `metrics.*` style wildcards load a whole family.
 */
function projectionOf(columns: string[] | undefined): Projection | undefined {
  if (!columns) return undefined;
  const p: Projection = { metrics: 'none', params: 'none', tags: 'none', inputs: false };
  const add = (family: 'metrics' | 'params' | 'tags', key: string) => {
    if (key === '*') p[family] = 'all';
    else if (p[family] !== 'all') p[family] = [...(Array.isArray(p[family]) ? (p[family] as string[]) : []), key];
  };
  for (const c of columns) {
    const m = /^(metrics?|params?|tags?)\.(.+)$/.exec(c);
    if (m) {
      const family = (m[1]!.endsWith('s') ? m[1] : `${m[1]}s`) as 'metrics' | 'params' | 'tags';
      add(family, m[2]!.replace(/^`(.*)`$/, '$1'));
    } else if (c === 'inputs' || c === 'datasets') p.inputs = true;
    else throw new InvalidParameter(`Invalid column '${c}': use metrics.<key>, params.<key>, tags.<key> (or .* for all), or 'inputs'.`);
  }
  return p;
}
