/**
 * @module The table of rejected requests for test/tracking-bad-input.int.test.ts: one row per
 * malformed, mistyped, missing, over-long, over-limit, unknown, deleted, mis-enumerated,
 * mis-paged or mis-filtered input, with the status, error_code and a pattern the message must
 * match (it names the field or what to fix). Rows that only promise "never a 500" sweep every
 * tracking route with junk bodies.
 */
import { makeMetric } from './tracking-factories.js';

/** Ids a row may use: set up once per dialect before the table runs. */
export interface BadInputContext {
  exp: string;
  deletedExp: string;
  run: string;
  deletedRun: string;
  /** A next_page_token of runs/search over `exp` with max_results 1 (default order). */
  runsToken: string;
  /** A next_page_token of experiments/search with max_results 1. */
  experimentsToken: string;
  /** A next_page_token of get-history for (`run`, 'seeded') with max_results 1. */
  historyToken: string;
}

export interface Expectation {
  status: number;
  code: string;
  message: RegExp;
}

export interface BadInputCase {
  name: string;
  method: 'GET' | 'POST';
  /** Full path (a prefix included). */
  path: string | ((c: BadInputContext) => string);
  /** JSON body or query fields; `raw` sends the text as is. */
  body?: (c: BadInputContext) => Record<string, unknown>;
  raw?: string;
  expect: Expectation | 'not-500';
}

const API = '/api/2.0/mlflow';
const AJAX = '/ajax-api/2.0/mlflow';
const GHOST_RUN = 'f'.repeat(32);
const GHOST_EXP = '424242';

const invalid = (message: RegExp): Expectation => ({ status: 400, code: 'INVALID_PARAMETER_VALUE', message });
const notFound = (message: RegExp): Expectation => ({ status: 404, code: 'RESOURCE_DOES_NOT_EXIST', message });

const post = (name: string, path: string, body: BadInputCase['body'], expect: Expectation, prefix = API): BadInputCase => ({ name, method: 'POST', path: prefix + path, body, expect });
const get = (name: string, path: string, body: BadInputCase['body'], expect: Expectation, prefix = API): BadInputCase => ({ name, method: 'GET', path: prefix + path, body, expect });

/** Rewrites a page token's positions (base64url JSON {p, q}), keeping its query fingerprint. */
export function tamperToken(token: string, edit: (p: unknown[]) => unknown[]): string {
  const obj = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { p: unknown[]; q: string };
  return Buffer.from(JSON.stringify({ ...obj, p: edit(obj.p) })).toString('base64url');
}

/** Every POST route of the tracking API, for the malformed-JSON rows. */
const POST_ROUTES = [
  '/experiments/create', '/experiments/update', '/experiments/delete', '/experiments/restore', '/experiments/set-experiment-tag',
  '/experiments/delete-experiment-tag', '/experiments/search', '/runs/create', '/runs/update', '/runs/delete', '/runs/restore', '/runs/search',
  '/runs/log-metric', '/runs/log-parameter', '/runs/set-tag', '/runs/delete-tag', '/runs/log-batch', '/runs/log-inputs', '/runs/log-model',
].map((p) => API + p).concat([`${AJAX}/experiments/search-datasets`, '/api/v1/runs/search']);

const GET_ROUTES = [
  `${API}/experiments/get`, `${API}/experiments/get-by-name`, `${API}/experiments/search`, `${API}/runs/get`, `${API}/metrics/get-history`,
  `${API}/metrics/get-history-bulk-interval`, `${AJAX}/metrics/get-history-bulk`,
];

const long = (n: number) => 'x'.repeat(n);
const dataset = (o: Record<string, unknown> = {}) => ({ name: 'd', digest: 'abc', source_type: 'local', source: '/d', ...o });

export function badInputCases(): BadInputCase[] {
  const cases: BadInputCase[] = [];

  // Malformed JSON: a 400 saying so (MLflow silently reads it as an empty body).
  for (const path of POST_ROUTES) {
    cases.push({ name: `malformed JSON to ${path}`, method: 'POST', path, raw: '{"run_id": "abc", ', expect: invalid(/Malformed JSON/) });
  }
  cases.push({ name: 'a JSON array as the body', method: 'POST', path: `${API}/runs/create`, raw: '[{"experiment_id": "0"}]', expect: invalid(/JSON object/) });
  cases.push({ name: 'a JSON number as the body', method: 'POST', path: `${API}/experiments/create`, raw: '42', expect: invalid(/JSON object/) });

  // Missing required fields.
  cases.push(
    post('create experiment without name', '/experiments/create', () => ({ artifact_location: '/tmp/x' }), invalid(/'name'/)),
    get('get experiment without id', '/experiments/get', () => ({}), invalid(/'experiment_id'/)),
    get('get-by-name without name', '/experiments/get-by-name', () => ({}), invalid(/'experiment_name'/)),
    post('rename without new_name', '/experiments/update', (c) => ({ experiment_id: c.exp }), invalid(/'new_name'/)),
    post('delete experiment without id', '/experiments/delete', () => ({}), invalid(/'experiment_id'/)),
    post('restore experiment without id', '/experiments/restore', () => ({}), invalid(/'experiment_id'/)),
    post('experiment tag without key', '/experiments/set-experiment-tag', (c) => ({ experiment_id: c.exp, value: 'v' }), invalid(/'key'/)),
    post('delete experiment tag without key', '/experiments/delete-experiment-tag', (c) => ({ experiment_id: c.exp }), invalid(/'key'/)),
    post('update run without run_id', '/runs/update', () => ({ status: 'FINISHED' }), invalid(/'run_id'/)),
    post('delete run without run_id', '/runs/delete', () => ({}), invalid(/'run_id'/)),
    post('restore run without run_id', '/runs/restore', () => ({}), invalid(/'run_id'/)),
    get('get run without run_id', '/runs/get', () => ({}), invalid(/'run_id'/)),
    post('log-metric without value', '/runs/log-metric', (c) => ({ run_id: c.run, key: 'm', timestamp: 1 }), invalid(/'value'/)),
    post('log-metric without key', '/runs/log-metric', (c) => ({ run_id: c.run, value: 1, timestamp: 1 }), invalid(/'key'/)),
    post('log-metric without timestamp', '/runs/log-metric', (c) => ({ run_id: c.run, key: 'm', value: 1 }), invalid(/'timestamp'/)),
    post('log-parameter without key', '/runs/log-parameter', (c) => ({ run_id: c.run, value: 'v' }), invalid(/'key'/)),
    post('set-tag without key', '/runs/set-tag', (c) => ({ run_id: c.run, value: 'v' }), invalid(/'key'/)),
    post('delete-tag without key', '/runs/delete-tag', (c) => ({ run_id: c.run }), invalid(/'key'/)),
    post('log-batch without run_id', '/runs/log-batch', () => ({ metrics: [makeMetric()] }), invalid(/'run_id'/)),
    post('log-batch metric without value', '/runs/log-batch', (c) => ({ run_id: c.run, metrics: [makeMetric(), { key: 'm', timestamp: 1 }] }), invalid(/'metrics\[1\]\.value'/)),
    post('log-batch param without key', '/runs/log-batch', (c) => ({ run_id: c.run, params: [{ value: 'v' }] }), invalid(/'params\[0\]\.key'/)),
    post('log-batch tag without key', '/runs/log-batch', (c) => ({ run_id: c.run, tags: [{ key: 'ok', value: '1' }, { value: 'v' }] }), invalid(/'tags\[1\]\.key'/)),
    post('log-inputs without dataset', '/runs/log-inputs', (c) => ({ run_id: c.run, datasets: [{ tags: [] }] }), invalid(/'datasets\[0\]\.dataset'/)),
    post('log-inputs dataset without digest', '/runs/log-inputs', (c) => ({ run_id: c.run, datasets: [{ dataset: dataset({ digest: undefined }) }] }), invalid(/datasets\[0\]\.dataset\.digest/)),
    post('log-model without model_json', '/runs/log-model', (c) => ({ run_id: c.run }), invalid(/'model_json'/)),
    get('get-history without metric_key', '/metrics/get-history', (c) => ({ run_id: c.run }), invalid(/'metric_key'/)),
    get('get-history-bulk without run_id', '/metrics/get-history-bulk', () => ({ metric_key: 'm' }), invalid(/run_id/), AJAX),
    get('bulk-interval without run_ids', '/metrics/get-history-bulk-interval', () => ({ metric_key: 'm' }), invalid(/'run_ids'/)),
    get('bulk-interval without metric_key', '/metrics/get-history-bulk-interval', (c) => ({ run_ids: c.run }), invalid(/'metric_key'/)),
    post('search-datasets without experiment_ids', '/experiments/search-datasets', () => ({}), invalid(/experiment_ids/), AJAX),
  );

  // Wrong types.
  cases.push(
    post('metric value as text', '/runs/log-metric', (c) => ({ run_id: c.run, key: 'm', value: 'high', timestamp: 1 }), invalid(/'value'/)),
    post('metric value as a bool', '/runs/log-metric', (c) => ({ run_id: c.run, key: 'm', value: true, timestamp: 1 }), invalid(/'value'/)),
    post('metric value as an object', '/runs/log-metric', (c) => ({ run_id: c.run, key: 'm', value: { v: 1 }, timestamp: 1 }), invalid(/'value'/)),
    post('log-batch metric value as a bool', '/runs/log-batch', (c) => ({ run_id: c.run, metrics: [makeMetric({ value: false as never })] }), invalid(/'metrics\[0\]\.value'/)),
    post('timestamp as text', '/runs/log-metric', (c) => ({ run_id: c.run, key: 'm', value: 1, timestamp: 'soon' }), invalid(/'timestamp'/)),
    post('fractional step', '/runs/log-metric', (c) => ({ run_id: c.run, key: 'm', value: 1, timestamp: 1, step: 1.5 }), invalid(/'step'/)),
    post('step past 2^53', '/runs/log-metric', (c) => ({ run_id: c.run, key: 'm', value: 1, timestamp: 1, step: '9223372036854775807' }), invalid(/'step'/)),
    post('negative timestamp', '/runs/log-metric', (c) => ({ run_id: c.run, key: 'm', value: 1, timestamp: -1 }), invalid(/timestamp/)),
    post('metrics as an object', '/runs/log-batch', (c) => ({ run_id: c.run, metrics: makeMetric() }), invalid(/'metrics'.*list/)),
    post('metrics as a string', '/runs/log-batch', (c) => ({ run_id: c.run, metrics: 'loss=1' }), invalid(/'metrics\[0\]'/)),
    post('tags as pairs', '/runs/log-batch', (c) => ({ run_id: c.run, tags: [['k', 'v']] }), invalid(/'tags\[0\]'/)),
    post('run tags as an object', '/runs/create', (c) => ({ experiment_id: c.exp, tags: { key: 'a', value: 'b' } }), invalid(/'tags'.*list/)),
    post('start_time as text', '/runs/create', (c) => ({ experiment_id: c.exp, start_time: 'yesterday' }), invalid(/'start_time'/)),
    post('experiment_id as a bool', '/runs/create', () => ({ experiment_id: true }), invalid(/'experiment_id'/)),
    post('run_name as an object', '/runs/create', (c) => ({ experiment_id: c.exp, run_name: { a: 1 } }), invalid(/'run_name'/)),
    post('end_time negative', '/runs/update', (c) => ({ run_id: c.run, end_time: -5 }), invalid(/end_time/)),
    post('tag value as an object', '/runs/set-tag', (c) => ({ run_id: c.run, key: 'k', value: { x: 1 } }), invalid(/'value'/)),
    post('param value as a list', '/runs/log-parameter', (c) => ({ run_id: c.run, key: 'p', value: ['a'] }), invalid(/'value'/)),
    post('run_id as an object', '/runs/set-tag', () => ({ run_id: { id: 1 }, key: 'k', value: 'v' }), invalid(/'run_id'/)),
    post('max_results as text', '/runs/search', (c) => ({ experiment_ids: [c.exp], max_results: 'ten' }), invalid(/'max_results'/)),
    post('experiment_ids holding objects', '/runs/search', () => ({ experiment_ids: [{ id: '0' }] }), invalid(/'experiment_ids\[0\]'/)),
    post('experiment_ids not numeric', '/runs/search', () => ({ experiment_ids: ['abc'] }), invalid(/experiment_ids/)),
    post('filter as an object', '/runs/search', (c) => ({ experiment_ids: [c.exp], filter: { a: 1 } }), invalid(/'filter'/)),
    post('order_by holding objects', '/runs/search', (c) => ({ experiment_ids: [c.exp], order_by: [{ key: 'x' }] }), invalid(/order_by/)),
    post('experiments max_results as a bool', '/experiments/search', () => ({ max_results: true }), invalid(/'max_results'/)),
    get('experiment id not numeric', '/experiments/get', () => ({ experiment_id: 'abc' }), invalid(/'experiment_id'/)),
    get('experiment id past 2^63', '/experiments/get', () => ({ experiment_id: '99999999999999999999' }), invalid(/'experiment_id'/)),
    post('run in an experiment id past 2^63', '/runs/create', () => ({ experiment_id: '99999999999999999999' }), invalid(/'experiment_id'/)),
    get('history max_results as text', '/metrics/get-history', (c) => ({ run_id: c.run, metric_key: 'm', max_results: 'all' }), invalid(/'max_results'/)),
    get('run_id repeated on runs/get', '/runs/get', (c) => ({ run_id: [c.run, c.run] }), invalid(/'run_id'/)),
    post('NUL in a tag value', '/runs/set-tag', (c) => ({ run_id: c.run, key: 'k', value: 'a\u0000b' }), invalid(/'value'.*NUL/)),
    post('NUL in an experiment name', '/experiments/create', () => ({ name: 'a\u0000b' }), invalid(/'name'.*NUL/)),
    post('NUL in a run name', '/runs/create', (c) => ({ experiment_id: c.exp, run_name: 'a\u0000b' }), invalid(/'run_name'.*NUL/)),
    post('NUL in a filter', '/runs/search', (c) => ({ experiment_ids: [c.exp], filter: "params.a = '\u0000'" }), invalid(/'filter'.*NUL/)),
    post('model_json that is not JSON', '/runs/log-model', (c) => ({ run_id: c.run, model_json: '{nope' }), invalid(/'model_json'/)),
    post('model_json missing fields', '/runs/log-model', (c) => ({ run_id: c.run, model_json: '{"artifact_path": "m"}' }), invalid(/flavors/)),
  );

  // Over-long keys and values (reference §4).
  cases.push(
    post('experiment name of 501 chars', '/experiments/create', () => ({ name: long(501) }), invalid(/name.*500/i)),
    post('experiment tag in create with a 5001-char value', '/experiments/create', () => ({ name: 'x-tagged', tags: [{ key: 'k', value: long(5001) }] }), invalid(/tag value.*5000/i)),
    post('experiment tag key of 251 chars', '/experiments/set-experiment-tag', (c) => ({ experiment_id: c.exp, key: long(251), value: 'v' }), invalid(/tag key.*250/i)),
    post('experiment tag value of 5001 chars', '/experiments/set-experiment-tag', (c) => ({ experiment_id: c.exp, key: 'k', value: long(5001) }), invalid(/tag value.*5000/i)),
    post('rename to 501 chars', '/experiments/update', (c) => ({ experiment_id: c.exp, new_name: long(501) }), invalid(/name.*500/i)),
    post('metric key of 251 chars', '/runs/log-metric', (c) => ({ run_id: c.run, key: long(251), value: 1, timestamp: 1 }), invalid(/metric key.*250/i)),
    post('param key of 251 chars', '/runs/log-parameter', (c) => ({ run_id: c.run, key: long(251), value: 'v' }), invalid(/param key.*250/i)),
    post('param value of 6001 chars', '/runs/log-parameter', (c) => ({ run_id: c.run, key: 'p', value: long(6001) }), invalid(/param value.*6000/i)),
    post('tag value of 8001 chars', '/runs/set-tag', (c) => ({ run_id: c.run, key: 't', value: long(8001) }), invalid(/tag value.*8000/i)),
    post('run tag key of 251 chars at create', '/runs/create', (c) => ({ experiment_id: c.exp, tags: [{ key: long(251), value: 'v' }] }), invalid(/tag key.*250/i)),
    post('dataset name of 501 chars', '/runs/log-inputs', (c) => ({ run_id: c.run, datasets: [{ dataset: dataset({ name: long(501) }) }] }), invalid(/datasets\[0\]\.dataset\.name.*500/)),
    post('dataset digest of 37 chars', '/runs/log-inputs', (c) => ({ run_id: c.run, datasets: [{ dataset: dataset({ digest: long(37) }) }] }), invalid(/digest.*36/)),
    post('dataset source over 64 KB', '/runs/log-inputs', (c) => ({ run_id: c.run, datasets: [{ dataset: dataset({ source: long(65_537) }) }] }), invalid(/source/)),
    post('dataset input tag value of 501 chars', '/runs/log-inputs', (c) => ({ run_id: c.run, datasets: [{ dataset: dataset(), tags: [{ key: 'k', value: long(501) }] }] }), invalid(/tags.*500/)),
  );

  // Over-limit batches; a single bad item rejects the whole batch.
  const good = (n: number) => Array.from({ length: n }, (_, step) => makeMetric({ key: 'good', step }));
  cases.push(
    post('1001 metrics', '/runs/log-batch', (c) => ({ run_id: c.run, metrics: good(1001) }), invalid(/metrics.*1000|1000.*metrics/)),
    post('101 params', '/runs/log-batch', (c) => ({ run_id: c.run, params: Array.from({ length: 101 }, (_, i) => ({ key: `p${i}`, value: 'v' })) }), invalid(/params.*100|100.*params/)),
    post('101 tags', '/runs/log-batch', (c) => ({ run_id: c.run, tags: Array.from({ length: 101 }, (_, i) => ({ key: `t${i}`, value: 'v' })) }), invalid(/tags.*100|100.*tags/)),
    post('1001 entities in all', '/runs/log-batch', (c) => ({ run_id: c.run, metrics: good(901), params: Array.from({ length: 100 }, (_, i) => ({ key: `p${i}`, value: 'v' })) }), invalid(/1000 entities/)),
    post('999 good metrics and one with a bad key', '/runs/log-batch', (c) => ({ run_id: c.run, metrics: [...good(999), makeMetric({ key: 'bad!' })] }), invalid(/metric name: 'bad!'/)),
    post('999 good metrics and one with a text value', '/runs/log-batch', (c) => ({ run_id: c.run, metrics: [...good(999), makeMetric({ value: 'x' as never })] }), invalid(/'metrics\[999\]\.value'/)),
    post('good metrics and a changed param', '/runs/log-batch', (c) => ({ run_id: c.run, metrics: good(10), params: [{ key: 'fixed', value: 'other' }] }), invalid(/Changing param values is not allowed/)),
    post('duplicate param keys in one batch', '/runs/log-batch', (c) => ({ run_id: c.run, params: [{ key: 'dup', value: 'a' }, { key: 'dup', value: 'a' }] }), invalid(/Duplicate parameter keys.*dup/)),
  );

  // Invalid key characters.
  cases.push(
    post('metric key with !', '/runs/log-metric', (c) => ({ run_id: c.run, key: 'a!b', value: 1, timestamp: 1 }), invalid(/Invalid metric name: 'a!b'/)),
    post('param key with ..', '/runs/log-parameter', (c) => ({ run_id: c.run, key: '../etc', value: 'v' }), invalid(/Invalid param name/)),
    post('tag key with a leading /', '/runs/set-tag', (c) => ({ run_id: c.run, key: '/abs', value: 'v' }), invalid(/Invalid tag name/)),
    post('tag key with a newline in a batch', '/runs/log-batch', (c) => ({ run_id: c.run, tags: [{ key: 'a\nb', value: 'v' }] }), invalid(/Invalid tag name/)),
    post('param key with a quote at create', '/runs/create', (c) => ({ experiment_id: c.exp, tags: [{ key: "it's", value: 'v' }] }), invalid(/Invalid tag name/)),
  );

  // Unknown ids: 404 RESOURCE_DOES_NOT_EXIST.
  cases.push(
    get('unknown experiment', '/experiments/get', () => ({ experiment_id: GHOST_EXP }), notFound(new RegExp(GHOST_EXP))),
    get('unknown experiment name', '/experiments/get-by-name', () => ({ experiment_name: 'no-such-experiment' }), notFound(/no-such-experiment/)),
    post('rename unknown experiment', '/experiments/update', () => ({ experiment_id: GHOST_EXP, new_name: 'x' }), notFound(new RegExp(GHOST_EXP))),
    post('delete unknown experiment', '/experiments/delete', () => ({ experiment_id: GHOST_EXP }), notFound(new RegExp(GHOST_EXP))),
    post('restore unknown experiment', '/experiments/restore', () => ({ experiment_id: GHOST_EXP }), notFound(new RegExp(GHOST_EXP))),
    post('tag unknown experiment', '/experiments/set-experiment-tag', () => ({ experiment_id: GHOST_EXP, key: 'k', value: 'v' }), notFound(new RegExp(GHOST_EXP))),
    post('run in unknown experiment', '/runs/create', () => ({ experiment_id: GHOST_EXP }), notFound(new RegExp(GHOST_EXP))),
    post('log-batch to unknown run', '/runs/log-batch', () => ({ run_id: GHOST_RUN, metrics: [makeMetric()] }), notFound(new RegExp(GHOST_RUN))),
    post('log-inputs to unknown run', '/runs/log-inputs', () => ({ run_id: GHOST_RUN, datasets: [{ dataset: dataset() }] }), notFound(new RegExp(GHOST_RUN))),
    post('log-model to unknown run', '/runs/log-model', () => ({ run_id: GHOST_RUN, model_json: JSON.stringify({ artifact_path: 'm', flavors: {}, utc_time_created: 'x', run_id: GHOST_RUN }) }), notFound(new RegExp(GHOST_RUN))),
    get('history of unknown run', '/metrics/get-history', () => ({ run_id: GHOST_RUN, metric_key: 'm' }), notFound(new RegExp(GHOST_RUN))),
    { name: 'series of unknown run', method: 'GET', path: `/api/v1/runs/${GHOST_RUN}/metrics/m/series`, body: () => ({ buckets: 10 }), expect: notFound(new RegExp(GHOST_RUN)) },
    post('delete a tag the run lacks', '/runs/delete-tag', (c) => ({ run_id: c.run, key: 'absent' }), notFound(/absent/)),
    post('delete a tag the experiment lacks', '/experiments/delete-experiment-tag', (c) => ({ experiment_id: c.exp, key: 'absent' }), notFound(/absent/)),
  );

  // Deleted runs and experiments: 400.
  const deletedRun = (name: string, path: string, body: Record<string, unknown>) => post(`${name} on a deleted run`, path, (c) => ({ run_id: c.deletedRun, ...body }), invalid(/active/));
  cases.push(
    deletedRun('log-metric', '/runs/log-metric', { key: 'm', value: 1, timestamp: 1 }),
    deletedRun('log-parameter', '/runs/log-parameter', { key: 'p', value: 'v' }),
    deletedRun('set-tag', '/runs/set-tag', { key: 't', value: 'v' }),
    deletedRun('delete-tag', '/runs/delete-tag', { key: 'mlflow.runName' }),
    deletedRun('log-batch', '/runs/log-batch', { metrics: [makeMetric()] }),
    deletedRun('update', '/runs/update', { status: 'FINISHED' }),
    deletedRun('log-inputs', '/runs/log-inputs', { datasets: [{ dataset: dataset() }] }),
    deletedRun('log-model', '/runs/log-model', { model_json: JSON.stringify({ artifact_path: 'm', flavors: {}, utc_time_created: 'x', run_id: 'x' }) }),
    post('run in a deleted experiment', '/runs/create', (c) => ({ experiment_id: c.deletedExp }), invalid(/active/)),
    post('tag a deleted experiment', '/experiments/set-experiment-tag', (c) => ({ experiment_id: c.deletedExp, key: 'k', value: 'v' }), invalid(/active/)),
    post('rename a deleted experiment', '/experiments/update', (c) => ({ experiment_id: c.deletedExp, new_name: 'y' }), { status: 400, code: 'INVALID_STATE', message: /non-active/ }),
  );

  // Invalid enums.
  cases.push(
    post('experiments view_type', '/experiments/search', () => ({ view_type: 'SOME' }), invalid(/'view_type'.*ACTIVE_ONLY/)),
    get('experiments view_type by GET', '/experiments/search', () => ({ view_type: 'nope' }), invalid(/'view_type'/)),
    post('runs run_view_type', '/runs/search', (c) => ({ experiment_ids: [c.exp], run_view_type: 'BOGUS' }), invalid(/'run_view_type'/)),
    post('run status', '/runs/update', (c) => ({ run_id: c.run, status: 'EXPLODED' }), invalid(/'status'.*FINISHED/)),
  );

  // Invalid page tokens.
  cases.push(
    post('runs token that is not base64 JSON', '/runs/search', (c) => ({ experiment_ids: [c.exp], page_token: 'garbage!!' }), invalid(/page_token/)),
    post('runs token of an empty object', '/runs/search', (c) => ({ experiment_ids: [c.exp], page_token: Buffer.from('{}').toString('base64url') }), invalid(/page_token/)),
    post('experiments token on runs/search', '/runs/search', (c) => ({ experiment_ids: [c.exp], page_token: c.experimentsToken }), invalid(/page_token/)),
    post('runs token on experiments/search', '/experiments/search', (c) => ({ page_token: c.runsToken }), invalid(/page_token/)),
    post('runs token on another filter', '/runs/search', (c) => ({ experiment_ids: [c.exp], filter: 'metrics.seeded > 0', page_token: c.runsToken }), invalid(/page_token/)),
    post('runs token with edited value types', '/runs/search', (c) => ({ experiment_ids: [c.exp], max_results: 1, page_token: tamperToken(c.runsToken, (p) => p.map(([m]: any) => [m, 'abc'])) }), invalid(/page_token/)),
    post('runs token with a position too few', '/runs/search', (c) => ({ experiment_ids: [c.exp], max_results: 1, page_token: tamperToken(c.runsToken, (p) => p.slice(1)) }), invalid(/page_token/)),
    post('runs token with a bad missing rank', '/runs/search', (c) => ({ experiment_ids: [c.exp], max_results: 1, page_token: tamperToken(c.runsToken, (p) => p.map(([, v]: any) => [-1, v])) }), invalid(/page_token/)),
    get('history token that is not base64 JSON', '/metrics/get-history', (c) => ({ run_id: c.run, metric_key: 'seeded', page_token: '%%%' }), invalid(/page_token/)),
    get('history token with text positions', '/metrics/get-history', (c) => ({ run_id: c.run, metric_key: 'seeded', page_token: tamperToken(c.historyToken, (p) => p.map(([m]: any) => [m, 'x'])) }), invalid(/page_token/)),
    get('history token with a position too few', '/metrics/get-history', (c) => ({ run_id: c.run, metric_key: 'seeded', page_token: tamperToken(c.historyToken, (p) => p.slice(1)) }), invalid(/page_token/)),
    get('history token on another key', '/metrics/get-history', (c) => ({ run_id: c.run, metric_key: 'good', page_token: c.historyToken }), invalid(/page_token/)),
  );

  // Limits on pages and filter syntax.
  cases.push(
    post('runs max_results 0', '/runs/search', (c) => ({ experiment_ids: [c.exp], max_results: 0 }), invalid(/'max_results'/)),
    post('runs max_results 50001', '/runs/search', (c) => ({ experiment_ids: [c.exp], max_results: 50_001 }), invalid(/'max_results'/)),
    post('experiments max_results 50001', '/experiments/search', () => ({ max_results: 50_001 }), invalid(/'max_results'/)),
    get('history max_results 25001', '/metrics/get-history', (c) => ({ run_id: c.run, metric_key: 'seeded', max_results: 25_001 }), invalid(/'max_results'/)),
    get('history-bulk of 101 runs', '/metrics/get-history-bulk', (c) => ({ run_id: Array(101).fill(c.run), metric_key: 'seeded' }), invalid(/101/), AJAX),
    get('bulk-interval of 101 runs', '/metrics/get-history-bulk-interval', (c) => ({ run_ids: Array(101).fill(c.run), metric_key: 'seeded' }), invalid(/run_ids/)),
    get('bulk-interval max_results 2501', '/metrics/get-history-bulk-interval', (c) => ({ run_ids: c.run, metric_key: 'seeded', max_results: 2501 }), invalid(/'max_results'/)),
    get('bulk-interval start_step alone', '/metrics/get-history-bulk-interval', (c) => ({ run_ids: c.run, metric_key: 'seeded', start_step: 1 }), invalid(/start_step/)),
    post('search-datasets of 21 experiments', '/experiments/search-datasets', () => ({ experiment_ids: Array.from({ length: 21 }, (_, i) => String(i)) }), invalid(/experiment_ids/), AJAX),
    { name: 'series of 0 buckets', method: 'GET', path: (c) => `/api/v1/runs/${c.run}/metrics/seeded/series`, body: () => ({ buckets: 0 }), expect: invalid(/'buckets'/) },
    post('native search with an unknown column', '/runs/search', (c) => ({ experiment_ids: [c.exp], columns: ['bogus'] }), invalid(/column 'bogus'/), '/api/v1'),
    post('filter with OR', '/runs/search', (c) => ({ experiment_ids: [c.exp], filter: 'metrics.a > 1 OR metrics.a < 0' }), invalid(/filter.*OR/)),
    post('filter with an unquoted string', '/runs/search', (c) => ({ experiment_ids: [c.exp], filter: 'params.model = tree' }), invalid(/filter.*quote/)),
    post('filter comparing a metric to text', '/runs/search', (c) => ({ experiment_ids: [c.exp], filter: "metrics.a > 'x'" }), invalid(/filter/)),
    post('filter with parentheses', '/runs/search', (c) => ({ experiment_ids: [c.exp], filter: '(metrics.a > 1)' }), invalid(/filter/)),
    post('filter with an unknown entity', '/runs/search', (c) => ({ experiment_ids: [c.exp], filter: "foo.bar = 'x'" }), invalid(/filter.*foo/)),
    post('filter with an unknown attribute', '/runs/search', (c) => ({ experiment_ids: [c.exp], filter: "attributes.nope = 'x'" }), invalid(/filter.*nope/)),
    post('filter cut short', '/runs/search', (c) => ({ experiment_ids: [c.exp], filter: 'metrics.a >' }), invalid(/filter/)),
    post('filter with IN on a param', '/runs/search', (c) => ({ experiment_ids: [c.exp], filter: "params.a IN ('x')" }), invalid(/filter.*IN/)),
    post('order_by with a bad direction', '/runs/search', (c) => ({ experiment_ids: [c.exp], order_by: ['metrics.a SIDEWAYS'] }), invalid(/order_by/)),
    post('order_by on an unknown attribute', '/runs/search', (c) => ({ experiment_ids: [c.exp], order_by: ['attributes.colour'] }), invalid(/order_by.*colour/)),
    post('experiments filter on metrics', '/experiments/search', () => ({ filter: 'metrics.a > 1' }), invalid(/filter/)),
    post('experiments order_by on a tag', '/experiments/search', () => ({ order_by: ['tags.x'] }), invalid(/order_by/)),
    post('artifact_location with runs:/', '/experiments/create', () => ({ name: 'x-art-1', artifact_location: 'runs:/abc/model' }), invalid(/artifact_location/)),
    post('artifact_location with a fragment', '/experiments/create', () => ({ name: 'x-art-2', artifact_location: 's3://b/p#frag' }), invalid(/artifact_location/)),
    post('run_name disagreeing with the mlflow.runName tag', '/runs/create', (c) => ({ experiment_id: c.exp, run_name: 'a', tags: [{ key: 'mlflow.runName', value: 'b' }] }), invalid(/run_name.*mlflow\.runName/)),
  );

  // Junk on every route: never a 500, always MLflow's error shape.
  const junk: { label: string; body?: Record<string, unknown>; raw?: string }[] = [
    { label: '{}', body: {} },
    { label: 'null', raw: 'null' },
    { label: '[]', raw: '[]' },
    { label: '"x"', raw: '"x"' },
    { label: 'ids as objects', body: { run_id: {}, experiment_id: [], experiment_ids: {}, run_ids: {}, metric_key: [] } },
    // Kept under Node's 16 KB header limit, so GET requests reach the routes.
    { label: 'huge ids', body: { run_id: long(5000), experiment_id: '9'.repeat(400), experiment_ids: ['9'.repeat(30)], run_ids: [long(2000)], metric_key: long(2000) } },
    { label: 'negative numbers', body: { experiment_id: '-1', max_results: -1, start_step: -5, end_step: -1, run_ids: ['x'], metric_key: 'm' } },
    { label: 'quotes everywhere', body: { filter: "'", order_by: ["'"], page_token: "'", name: "'", key: "'", value: "'", run_id: "'", experiment_id: "'" } },
  ];
  for (const path of [...POST_ROUTES, ...GET_ROUTES]) {
    const method = GET_ROUTES.includes(path) ? 'GET' : 'POST';
    for (const j of junk) {
      if (method === 'GET' && j.raw !== undefined) continue;
      cases.push({ name: `junk ${j.label} to ${method} ${path}`, method, path, body: j.body ? () => j.body! : undefined, raw: j.raw, expect: 'not-500' });
    }
  }
  return cases;
}
