import type { Executor, SqlValue } from '../store/index.js';
import type { Run } from './entities.js';
import { keySelection, loadInputs, runInfo, type Projection, type RunRow } from './run-loader.js';

/**
 * @module A search page's runs as JSON text, in `runJson`'s shape, with each run's metrics, params
 * and tags serialized by the database (one statement a page, one row a run) instead of loaded as
 * rows and objects and stringified again. On the benchmark page (100 runs x 20 metrics, 20 params,
 * 5 tags; SQLite, in-process, same process interleaved) loadRuns + runJson + JSON.stringify took
 * 21.5 ms and this 6.4 ms: ~4,500 row objects and a 275 kB stringify are gone.
 *
 * What the text parses to equals `JSON.parse(JSON.stringify(runJson(run)))` of the object path
 * (test/search-page-json.int.test.ts, both stores): strings are escaped exactly as JSON.stringify
 * escapes them (both databases escape `"`, `\` and control characters the same way; their text
 * holds no lone surrogates), NaN and ±Infinity become MLflow's "NaN"/"Infinity"/"-Infinity"
 * strings. Doubles may be spelled differently (SQLite writes 17 significant digits where needed,
 * PostgreSQL `1e-07` where JS writes `1e-7`) but read back as the same double. PostgreSQL writes
 * `[{...}, \n {...}]` between array elements: valid JSON, a few bytes more.
 */

// Larger than any finite double: a stored value beyond it is ±Infinity (SQLite has no isinf()).
const MAX_DOUBLE = '1.7976931348623157e308';

/** SQL for one run's metrics/params/tags as a JSON array text (never NULL), for the `runs` row aliased `alias`. */
export function familyJsonColumns(dialect: Executor['dialect'], projection: Projection, alias = 'l'): { sql: string[]; params: SqlValue[]; names: ('metrics' | 'params' | 'tags' | 'inputs')[] } {
  const sql: string[] = [];
  const params: SqlValue[] = [];
  const names: ('metrics' | 'params' | 'tags' | 'inputs')[] = [];
  const pg = dialect === 'postgres';
  const m = keySelection(projection.metrics);
  if (m) {
    const where = `x.run_uuid = ${alias}.run_uuid AND x.count > 0${m.sql.replace(/ key IN/, ' x.key IN')}`;
    sql.push(pg
      // to_json of a float8 writes ±Infinity as the strings MLflow uses; NaN is stored as is_nan.
      // json_agg of rows (row_to_json): 20 ms against 27 ms for json_build_object per element on
      // the benchmark page (in-process, same run), whose per-call argument typing is the cost.
      ? `COALESCE((SELECT json_agg(x ORDER BY x.key) FROM (SELECT x.key, CASE WHEN x.is_nan = 1 THEN to_json('NaN'::text) ELSE to_json(x.value) END AS value, x.timestamp, x.step FROM latest_metrics x WHERE ${where}) x)::text, '[]') AS metrics_json`
      : `(SELECT json_group_array(json_object('key', x.key, 'value', CASE WHEN x.is_nan = 1 THEN 'NaN' WHEN x.value > ${MAX_DOUBLE} THEN 'Infinity' WHEN x.value < -${MAX_DOUBLE} THEN '-Infinity' ELSE x.value END, 'timestamp', x.timestamp, 'step', x.step) ORDER BY x.key) FROM latest_metrics x WHERE ${where}) AS metrics_json`);
    params.push(...m.params);
    names.push('metrics');
  }
  for (const table of ['params', 'tags'] as const) {
    const s = keySelection(projection[table]);
    if (!s) continue;
    const where = `x.run_uuid = ${alias}.run_uuid${s.sql.replace(/ key IN/, ' x.key IN')}`;
    sql.push(pg
      ? `COALESCE((SELECT json_agg(x ORDER BY x.key) FROM (SELECT x.key, x.value FROM ${table} x WHERE ${where}) x)::text, '[]') AS ${table}_json`
      : `(SELECT json_group_array(json_object('key', x.key, 'value', x.value) ORDER BY x.key) FROM ${table} x WHERE ${where}) AS ${table}_json`);
    params.push(...s.params);
    names.push(table);
  }
  if (pg && projection.inputs) {
    // PostgreSQL: the dataset inputs too (one round trip fewer), as loadInputs orders and shapes
    // them: by dataset name and digest, each with its tags by key; schema/profile only when set.
    sql.push(`COALESCE((SELECT json_agg(json_build_object('tags', COALESCE((SELECT json_agg(t ORDER BY t.key) FROM (SELECT t.key, t.value FROM run_input_tags t WHERE t.run_uuid = ri.run_uuid AND t.dataset_uuid = ri.dataset_uuid) t), '[]'::json),
      'dataset', json_strip_nulls(json_build_object('name', d.name, 'digest', d.digest, 'source_type', d.source_type, 'source', d.source, 'schema', d.schema, 'profile', d.profile))) ORDER BY d.name, d.digest)
      FROM run_inputs ri JOIN datasets d ON d.dataset_uuid = ri.dataset_uuid WHERE ri.run_uuid = ${alias}.run_uuid)::text, '[]') AS inputs_json`);
    names.push('inputs');
  }
  return { sql, params, names };
}

export type FamilyJson = { metrics_json?: string; params_json?: string; tags_json?: string; inputs_json?: string };

const ALL: Projection = { metrics: 'all', params: 'all', tags: 'all', inputs: true };
const ID_CHUNK = 500;

/**
 * The runs of `rows` (in their order) as JSON texts. `families`, when given, already holds each
 * run's family JSON (read in the page's own statement, see searchRunsJson); otherwise one
 * statement per 500 runs reads it.
 */
export async function loadRunsJson(ex: Executor, rows: RunRow[], projection: Projection = ALL, families?: Map<string, FamilyJson>): Promise<string[]> {
  const ids = rows.map((r) => r.run_uuid);
  const cols = familyJsonColumns(ex.dialect, projection);
  const json = families ?? new Map<string, FamilyJson>();
  // SQLite: dataset inputs are few and rare: the object path's loader, then JSON.stringify.
  const inputs = new Map<string, Run>();
  const readInputs = projection.inputs && !cols.names.includes('inputs');
  if (readInputs) for (const id of ids) inputs.set(id, { inputs: { dataset_inputs: [], model_inputs: [] } } as unknown as Run);
  for (let i = 0; i < ids.length; i += ID_CHUNK) {
    const chunk = ids.slice(i, i + ID_CHUNK);
    const reads: Promise<void>[] = [];
    if (!families && cols.sql.length) {
      reads.push((async () => {
        const found = await ex.all<{ run_uuid: string } & FamilyJson>(
          `SELECT l.run_uuid, ${cols.sql.join(', ')} FROM runs l WHERE l.run_uuid IN (${chunk.map(() => '?').join(',')})`,
          [...cols.params, ...chunk],
        );
        for (const f of found) json.set(f.run_uuid, f);
      })());
    }
    if (readInputs) reads.push(loadInputs(ex, chunk, inputs));
    await Promise.all(reads);
  }
  return rows.map((r) => {
    const f = json.get(r.run_uuid) ?? {};
    const datasets = readInputs ? JSON.stringify(inputs.get(r.run_uuid)!.inputs.dataset_inputs) : (f.inputs_json ?? '[]');
    return `{"info":${JSON.stringify(runInfo(r))},"data":{"metrics":${f.metrics_json ?? '[]'},"params":${f.params_json ?? '[]'},"tags":${f.tags_json ?? '[]'}},"inputs":{"dataset_inputs":${datasets},"model_inputs":[]},"outputs":{"model_outputs":[]}}`;
  });
}
