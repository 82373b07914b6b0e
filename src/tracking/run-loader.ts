import type { Executor, SqlValue } from '../store/index.js';
import type { DatasetInput, KeyValue, Metric, Run, RunInfo, RunStatus } from './entities.js';

export interface RunRow {
  run_uuid: string;
  name: string;
  experiment_id: number;
  user_id: string;
  status: RunStatus;
  start_time: number;
  end_time: number | null;
  lifecycle_stage: 'active' | 'deleted';
  artifact_uri: string;
  deleted_time: number | null;
}

export function runInfo(r: RunRow): RunInfo {
  const info: RunInfo = {
    run_id: r.run_uuid,
    run_uuid: r.run_uuid,
    run_name: r.name,
    experiment_id: String(r.experiment_id),
    user_id: r.user_id,
    status: r.status,
    start_time: Number(r.start_time),
    artifact_uri: r.artifact_uri,
    lifecycle_stage: r.lifecycle_stage,
  };
  if (r.end_time !== null && r.end_time !== undefined) info.end_time = Number(r.end_time);
  return info;
}

/**
 * Which parts of a run to load. Search over many runs can ask for some params/metrics/tags only
 * (the native column projection), so a 100k-run table never ships every value of every run.
 */
export interface Projection {
  metrics?: string[] | 'all' | 'none';
  params?: string[] | 'all' | 'none';
  tags?: string[] | 'all' | 'none';
  inputs?: boolean;
}

const ALL: Projection = { metrics: 'all', params: 'all', tags: 'all', inputs: true };
// Keep IN lists below SQLite's and PostgreSQL's parameter limits with room for keys.
const ID_CHUNK = 500;

/** Loads full runs (or the projected parts) for the given rows, in the rows' order, without N+1 queries. */
export async function loadRuns(ex: Executor, rows: RunRow[], projection: Projection = ALL): Promise<Run[]> {
  const runs = new Map<string, Run>();
  for (const r of rows) {
    runs.set(r.run_uuid, {
      info: runInfo(r),
      data: { metrics: [], params: [], tags: [] },
      inputs: { dataset_inputs: [], model_inputs: [] },
      outputs: { model_outputs: [] },
    });
  }
  const ids = rows.map((r) => r.run_uuid);
  if (ex.dialect === 'postgres') {
    for (let i = 0; i < ids.length; i += ID_CHUNK) await loadPagePostgres(ex, ids.slice(i, i + ID_CHUNK), runs, projection);
    return ids.map((id) => runs.get(id)!);
  }
  for (let i = 0; i < ids.length; i += ID_CHUNK) {
    const chunk = ids.slice(i, i + ID_CHUNK);
    const inIds = chunk.map(() => '?').join(',');
    const sel = (what: Projection['metrics']) => keySelection(what);
    // The four reads are independent: side by side they overlap on PostgreSQL's pool (a search's
    // page of 100 runs spent 17 ms in them one after another, 33 ms in the search itself).
    const reads: Promise<void>[] = [];
    const m = sel(projection.metrics);
    if (m) {
      reads.push((async () => {
        const metrics = await ex.all<{ run_uuid: string; key: string; value: number; is_nan: number; timestamp: number; step: number }>(
          // ORDER BY run_uuid, key is the covering index's own order (no sort step), and gives each
          // run its metrics by key as `ORDER BY key` did: on the benchmark page (100 runs x 20
          // metrics, SQLite) 9.4 -> 4.7 ms, the temp B-tree sort was half of the read.
          `SELECT run_uuid, key, value, is_nan, timestamp, step FROM latest_metrics WHERE count > 0 AND run_uuid IN (${inIds})${m.sql} ORDER BY run_uuid, key`,
          [...chunk, ...m.params],
        );
        for (const x of metrics) {
          const metric: Metric = { key: x.key, value: Number(x.is_nan) ? NaN : Number(x.value), timestamp: Number(x.timestamp), step: Number(x.step) };
          runs.get(x.run_uuid)!.data.metrics.push(metric);
        }
      })());
    }
    for (const [table, field] of [['params', 'params'], ['tags', 'tags']] as const) {
      const s = sel(projection[field]);
      if (!s) continue;
      reads.push((async () => {
        const kvs = await ex.all<{ run_uuid: string } & KeyValue>(
          `SELECT run_uuid, key, value FROM ${table} WHERE run_uuid IN (${inIds})${s.sql} ORDER BY run_uuid, key`,
          [...chunk, ...s.params],
        );
        for (const kv of kvs) runs.get(kv.run_uuid)!.data[field].push({ key: kv.key, value: kv.value });
      })());
    }
    if (projection.inputs) reads.push(loadInputs(ex, chunk, runs));
    await Promise.all(reads);
  }
  return ids.map((id) => runs.get(id)!);
}

/**
 * PostgreSQL: a page's metrics, params and tags in one statement, one row per run with each family
 * as a JSON array built by the server. Against three row-per-value reads side by side this is one
 * round trip instead of three, and ~4,500 rows of a 100-run page no longer go through pg's
 * per-field text parsing (the JSON arrives as one text a run and JSON.parse reads it). float8
 * prints shortest-exact in JSON (extra_float_digits >= 1, PostgreSQL 12+), so values round-trip.
 * Each array is ordered by key, as the per-family reads order it.
 */
async function loadPagePostgres(ex: Executor, chunk: string[], runs: Map<string, Run>, projection: Projection): Promise<void> {
  const inIds = chunk.map(() => '?').join(',');
  const cols: string[] = [];
  const params: SqlValue[] = [];
  const m = keySelection(projection.metrics);
  if (m) {
    cols.push(`(SELECT json_agg(json_build_array(x.key, x.value, x.is_nan, x.timestamp, x.step) ORDER BY x.key) FROM latest_metrics x WHERE x.run_uuid = l.run_uuid AND x.count > 0${m.sql.replace(/ key IN/, ' x.key IN')}) AS metrics`);
    params.push(...m.params);
  }
  for (const table of ['params', 'tags'] as const) {
    const s = keySelection(projection[table]);
    if (!s) continue;
    cols.push(`(SELECT json_agg(json_build_array(x.key, x.value) ORDER BY x.key) FROM ${table} x WHERE x.run_uuid = l.run_uuid${s.sql.replace(/ key IN/, ' x.key IN')}) AS ${table}`);
    params.push(...s.params);
  }
  const reads: Promise<void>[] = [];
  if (cols.length) {
    reads.push((async () => {
      const rows = await ex.all<{ run_uuid: string; metrics?: [string, number, number, number | string, number | string][] | null; params?: [string, string][] | null; tags?: [string, string][] | null }>(
        `SELECT l.run_uuid, ${cols.join(', ')} FROM runs l WHERE l.run_uuid IN (${inIds})`,
        [...params, ...chunk],
      );
      for (const row of rows) {
        const data = runs.get(row.run_uuid)!.data;
        for (const [key, value, isNan, timestamp, step] of row.metrics ?? []) data.metrics.push({ key, value: isNan ? NaN : Number(value), timestamp: Number(timestamp), step: Number(step) });
        for (const [key, value] of row.params ?? []) data.params.push({ key, value });
        for (const [key, value] of row.tags ?? []) data.tags.push({ key, value });
      }
    })());
  }
  if (projection.inputs) reads.push(loadInputs(ex, chunk, runs));
  await Promise.all(reads);
}

export function keySelection(what: Projection['metrics']): { sql: string; params: string[] } | null {
  if (what === undefined || what === 'none') return null;
  if (what === 'all') return { sql: '', params: [] };
  if (!what.length) return null;
  return { sql: ` AND key IN (${what.map(() => '?').join(',')})`, params: what };
}

export async function loadInputs(ex: Executor, ids: string[], runs: Map<string, Run>): Promise<void> {
  const inIds = ids.map(() => '?').join(',');
  const rows = await ex.all<{ run_uuid: string; dataset_uuid: string; name: string; digest: string; source_type: string; source: string; schema: string | null; profile: string | null }>(
    `SELECT ri.run_uuid, d.dataset_uuid, d.name, d.digest, d.source_type, d.source, d.schema, d.profile
     FROM run_inputs ri JOIN datasets d ON d.dataset_uuid = ri.dataset_uuid WHERE ri.run_uuid IN (${inIds}) ORDER BY d.name, d.digest`,
    ids,
  );
  if (!rows.length) return;
  const tags = await ex.all<{ run_uuid: string; dataset_uuid: string; key: string; value: string }>(
    `SELECT run_uuid, dataset_uuid, key, value FROM run_input_tags WHERE run_uuid IN (${inIds}) ORDER BY key`,
    ids,
  );
  const byInput = new Map<string, KeyValue[]>();
  for (const t of tags) {
    const k = `${t.run_uuid}/${t.dataset_uuid}`;
    if (!byInput.has(k)) byInput.set(k, []);
    byInput.get(k)!.push({ key: t.key, value: t.value });
  }
  for (const r of rows) {
    const input: DatasetInput = {
      tags: byInput.get(`${r.run_uuid}/${r.dataset_uuid}`) ?? [],
      dataset: { name: r.name, digest: r.digest, source_type: r.source_type, source: r.source },
    };
    if (r.schema !== null) input.dataset.schema = r.schema;
    if (r.profile !== null) input.dataset.profile = r.profile;
    runs.get(r.run_uuid)!.inputs.dataset_inputs.push(input);
  }
}
