/**
 * @module The rejected tuning requests for test/tuning-bad-input.int.test.ts: one row per invalid
 * distribution, conflicting suggest, bad tell, bad study setting, unknown name and malformed field,
 * with the status, error_code and a pattern the message must match (it names the parameter).
 */

/** Names a row may use: set up once per dialect before the table runs. */
export interface TuningBadInputContext {
  /** Single objective; trial 0 RUNNING with x ~ float(0, 1); trial 1 COMPLETE. */
  single: string;
  /** Two objectives; trial 0 RUNNING. */
  multi: string;
}

export interface TuningBadInputCase {
  name: string;
  method: 'GET' | 'POST' | 'DELETE';
  path: (c: TuningBadInputContext) => string;
  body?: (c: TuningBadInputContext) => Record<string, unknown>;
  status: number;
  code: string;
  message: RegExp;
}

const S = '/api/v1/studies';
const st = (name: string, rest = '') => `${S}/${encodeURIComponent(name)}${rest}`;
const tr = (name: string, n: number | string, rest: string) => st(name, `/trials/${n}${rest}`);
const f = (low: unknown, high: unknown, extra: Record<string, unknown> = {}) => ({ type: 'float', low, high, ...extra });
const bad = (status: number, code: string, message: RegExp) => ({ status, code, message });
const invalid = (message: RegExp) => bad(400, 'INVALID_PARAMETER_VALUE', message);
const state = (message: RegExp) => bad(400, 'INVALID_STATE', message);
const missing = (message: RegExp) => bad(404, 'RESOURCE_DOES_NOT_EXIST', message);

const create = (name: string, body: Record<string, unknown>, e: ReturnType<typeof bad>): TuningBadInputCase => ({ name: `create: ${name}`, method: 'POST', path: () => S, body: () => ({ name: 'fresh-study', ...body }), ...e });
const ask = (name: string, space: Record<string, unknown>, e: ReturnType<typeof bad>): TuningBadInputCase => ({ name: `ask: ${name}`, method: 'POST', path: (c) => st(c.single, '/ask'), body: () => ({ search_space: space }), ...e });
const suggest = (name: string, body: Record<string, unknown>, e: ReturnType<typeof bad>, n: number | string = 0): TuningBadInputCase => ({ name: `suggest: ${name}`, method: 'POST', path: (c) => tr(c.single, n, '/suggest'), body: () => body, ...e });
const tell = (name: string, body: Record<string, unknown>, e: ReturnType<typeof bad>, n = 0, multi = false): TuningBadInputCase => ({ name: `tell: ${name}`, method: 'POST', path: (c) => tr(multi ? c.multi : c.single, n, '/tell'), body: () => body, ...e });

export const tuningBadInputCases: TuningBadInputCase[] = [
  // Study settings
  create('no name', { name: '' }, invalid(/'name'/)),
  create('unknown direction', { directions: ['up'] }, invalid(/'directions\[0\]' must be 'minimize' or 'maximize'/)),
  create('direction and directions', { direction: 'minimize', directions: ['minimize'] }, invalid(/'direction' or 'directions', not both/)),
  create('unknown sampler', { sampler: 'bogus' }, invalid(/'sampler.name': unknown sampler 'bogus'/)),
  create('unknown sampler option', { sampler: { name: 'tpe', options: { foo: 1 } } }, invalid(/'sampler.options.foo' is not an option of tpe/)),
  create('mistyped sampler option', { sampler: { name: 'tpe', options: { n_startup_trials: 'ten' } } }, invalid(/'sampler.options.n_startup_trials' must be an integer/)),
  create('sampler option outside the spec object', { sampler: { name: 'tpe', seed: 1 } }, invalid(/'sampler.seed' is not allowed/)),
  create('grid without its search space', { sampler: 'grid' }, invalid(/'sampler.options.search_space'/)),
  create('grid with an empty choice list', { sampler: { name: 'grid', options: { search_space: { x: [] } } } }, invalid(/'sampler.options.search_space.x' must be a non-empty list/)),
  create('percentile pruner without percentile', { pruner: 'percentile' }, invalid(/'pruner.options.percentile'/)),
  create('pruner that the engine refuses', { pruner: { name: 'threshold', options: {} } }, invalid(/Parameter 'pruner' \(threshold\): ThresholdPruner needs lower or upper/)),
  create('pruner on a multi-objective study', { directions: ['minimize', 'maximize'], pruner: 'median' }, invalid(/'pruner': pruning needs one objective/)),
  create('heartbeat too short', { heartbeat_interval_ms: 5 }, invalid(/'heartbeat_interval_ms' must be an integer >= 10/)),
  create('fractional seed', { seed: 1.5 }, invalid(/'seed'/)),
  create('negative max_retry', { max_retry: -1 }, invalid(/'max_retry' must be at least 0/)),
  { name: 'create: taken name', method: 'POST', path: () => S, body: (c) => ({ name: c.single }), ...bad(400, 'RESOURCE_ALREADY_EXISTS', /already exists/) },
  { name: 'create: load_if_exists with other directions', method: 'POST', path: () => S, body: (c) => ({ name: c.single, direction: 'maximize', load_if_exists: true }), ...invalid(/'directions': study .* exists with \[minimize\]/) },

  // Distributions (batched at ask: the request fails before any trial is created)
  ask('low > high', { x: f(5, 1) }, invalid(/Parameter 'x': low \(5\) must be <= high \(1\)/)),
  ask('log with low <= 0', { x: f(0, 1, { log: true }) }, invalid(/Parameter 'x': log scale needs low > 0/)),
  ask('step and log together', { x: f(0.1, 1, { log: true, step: 0.1 }) }, invalid(/Parameter 'x': step and log cannot be used together/)),
  ask('step <= 0', { x: f(0, 1, { step: 0 }) }, invalid(/Parameter 'x': step must be a positive number/)),
  ask('empty choices', { c: { type: 'categorical', choices: [] } }, invalid(/Parameter 'c': choices must be a non-empty array/)),
  ask('repeated choice', { c: { type: 'categorical', choices: ['a', 'a'] } }, invalid(/Parameter 'c': choices contain "a" twice/)),
  ask('object as a choice', { c: { type: 'categorical', choices: [{ a: 1 }] } }, invalid(/Parameter 'c': choices may hold only/)),
  ask('int bounds not integers', { n: { type: 'int', low: 0.5, high: 3 } }, invalid(/Parameter 'n': low and high must be integers/)),
  ask('log int from 0', { n: { type: 'int', low: 0, high: 3, log: true } }, invalid(/Parameter 'n': log scale needs low >= 1/)),
  ask('unknown type', { y: { type: 'normal', low: 0, high: 1 } }, invalid(/Parameter 'y': 'search_space.y.type' must be 'float', 'int' or 'categorical'/)),
  ask('no bounds', { y: { type: 'float' } }, invalid(/Parameter 'y': 'search_space.y' needs low and high/)),
  ask('non-numeric bound', { y: f('a', 1) }, invalid(/'search_space.y.low'/)),
  ask('a kind other than earlier trials', { x: { type: 'categorical', choices: [1, 2] } }, invalid(/Parameter 'x' is .*categorical.* here but .*float.* in earlier trials/)),
  { name: 'ask: search_space not an object', method: 'POST', path: (c) => st(c.single, '/ask'), body: () => ({ search_space: 5 }), ...invalid(/'search_space' supplied: expected an object/) },

  // Define-by-run suggests on RUNNING trial 0 (x already float(0, 1))
  suggest('re-suggest as another kind', { name: 'x', distribution: { type: 'int', low: 0, high: 1 } }, invalid(/Parameter 'x' was already suggested in this trial with .*float.*cannot be redefined/)),
  suggest('re-suggest with another range', { name: 'x', distribution: f(0, 2) }, invalid(/Parameter 'x' was already suggested in this trial/)),
  suggest('a batch with one bad entry writes none', { search_space: { fresh: f(0, 1), x: f(0, 3) } }, invalid(/Parameter 'x' was already suggested/)),
  suggest('no distribution', { name: 'z' }, invalid(/'distribution' supplied: expected an object/)),
  suggest('no name', { distribution: f(0, 1) }, invalid(/Missing value for required parameter 'name'/)),
  suggest('invalid distribution', { name: 'z', distribution: f(2, 1) }, invalid(/Parameter 'z': low \(2\) must be <= high \(1\)/)),
  suggest('a finished trial', { name: 'x', distribution: f(0, 1) }, state(/Trial 1 is COMPLETE; only a RUNNING trial takes suggestions/), 1),
  suggest('an unknown trial', { name: 'x', distribution: f(0, 1) }, missing(/Trial 99 does not exist/), 99),
  suggest('a trial number that is not one', { name: 'x', distribution: f(0, 1) }, invalid(/'number'/), 'abc'),
  { name: 'suggest: unknown study', method: 'POST', path: () => tr('no-such-study', 0, '/suggest'), body: () => ({ name: 'x', distribution: f(0, 1) }), ...missing(/Study 'no-such-study' does not exist/) },

  // Reports
  { name: 'report: negative step', method: 'POST', path: (c) => tr(c.single, 0, '/report'), body: () => ({ value: 1, step: -1 }), ...invalid(/'step' must be at least 0/) },
  { name: 'report: fractional step', method: 'POST', path: (c) => tr(c.single, 0, '/report'), body: () => ({ value: 1, step: 1.5 }), ...invalid(/'step'.*integer/) },
  { name: 'report: no value', method: 'POST', path: (c) => tr(c.single, 0, '/report'), body: () => ({ step: 1 }), ...invalid(/required parameter 'value'/) },
  { name: 'report: value not a number', method: 'POST', path: (c) => tr(c.single, 0, '/report'), body: () => ({ value: 'high', step: 1 }), ...invalid(/'value' supplied: expected a number/) },
  { name: 'report: multi-objective study', method: 'POST', path: (c) => tr(c.multi, 0, '/report'), body: () => ({ value: 1, step: 0 }), ...state(/not supported for multi-objective studies/) },

  // Tell
  tell('null objective (what JSON.stringify makes of NaN)', { values: [null] }, invalid(/Invalid value null for parameter 'values\[0\]' supplied: expected a number/)),
  tell('"NaN" objective', { values: ['NaN'] }, invalid(/Parameter 'values' \(trial 0\): value 0 is NaN/)),
  tell('too many values', { values: [1, 2] }, invalid(/Parameter 'values' \(trial 0\): the study has 1 objective\(s\) but 2 value\(s\)/)),
  tell('too few values for two objectives', { values: [1] }, invalid(/Parameter 'values' \(trial 0\): the study has 2 objective\(s\) but 1 value\(s\)/), 0, true),
  tell('no values', {}, invalid(/Parameter 'values' \(trial 0\): a COMPLETE trial needs its value\(s\)/)),
  tell('value and values', { value: 1, values: [1] }, invalid(/'values' or 'value', not both/)),
  tell('values with PRUNED', { values: [1], state: 'PRUNED' }, invalid(/values are not allowed with state PRUNED/)),
  tell('unknown state', { values: [1], state: 'DONE' }, invalid(/'state': expected one of COMPLETE, PRUNED, FAIL/)),
  tell('a value that is not a number', { values: ['low'] }, invalid(/'values\[0\]' supplied: expected a number/)),
  tell('a finished trial', { values: [1] }, state(/Trial 1 is already COMPLETE; it cannot be told again/), 1),

  // What a worker sends (update, and the same fields on tell): checked whole, nothing written
  { name: 'update: params not an object', method: 'POST', path: (c) => tr(c.single, 0, '/update'), body: () => ({ params: [1] }), ...invalid(/'params' supplied: expected an object/) },
  { name: 'update: a param without its value', method: 'POST', path: (c) => tr(c.single, 0, '/update'), body: () => ({ params: { y: { distribution: f(0, 1) } } }), ...invalid(/Parameter 'y': 'params.y.value' is missing/) },
  { name: 'update: a param outside its distribution', method: 'POST', path: (c) => tr(c.single, 0, '/update'), body: () => ({ params: { y: { distribution: f(0, 1), value: 0.5 }, z: { distribution: f(0, 1), value: 2 } } }), ...invalid(/Parameter 'z': 2 is outside/) },
  { name: 'update: a param redefined in the trial', method: 'POST', path: (c) => tr(c.single, 0, '/update'), body: () => ({ params: { x: { distribution: f(0, 2), value: 1 } } }), ...invalid(/Parameter 'x' was already suggested in this trial/) },
  { name: 'update: a bad distribution', method: 'POST', path: (c) => tr(c.single, 0, '/update'), body: () => ({ params: { y: { distribution: { type: 'float', low: 1, high: 0 }, value: 0.5 } } }), ...invalid(/Parameter 'y'/) },
  { name: 'update: a negative step', method: 'POST', path: (c) => tr(c.single, 0, '/update'), body: () => ({ intermediate_values: [{ step: 0, value: 1 }, { step: -1, value: 1 }] }), ...invalid(/'intermediate_values\[1\].step' must be an integer >= 0/) },
  { name: 'update: a report that is not a number', method: 'POST', path: (c) => tr(c.single, 0, '/update'), body: () => ({ intermediate_values: [{ step: 0, value: 'low' }] }), ...invalid(/'intermediate_values\[0\].value'/) },
  { name: 'update: a system attr a worker may not write', method: 'POST', path: (c) => tr(c.single, 0, '/update'), body: () => ({ system_attrs: { fixed_params: { x: 1 } } }), ...invalid(/'system_attrs.fixed_params': workers may write only/) },
  { name: 'update: reports on a multi-objective study', method: 'POST', path: (c) => tr(c.multi, 0, '/update'), body: () => ({ intermediate_values: [{ step: 0, value: 1 }] }), ...invalid(/not supported for multi-objective studies/) },
  { name: 'update: a finished trial', method: 'POST', path: (c) => tr(c.single, 1, '/update'), body: () => ({ user_attrs: { a: 1 } }), ...state(/Trial 1 is COMPLETE/) },
  tell('a bad param with the values', { values: [1], params: { y: { distribution: f(0, 1), value: 7 } } }, invalid(/Parameter 'y': 7 is outside/)),
  { name: 'ask: propose not a search space', method: 'POST', path: (c) => st(c.single, '/ask'), body: () => ({ propose: 5 }), ...invalid(/'propose'/) },

  // Enqueue, warm start, queries
  { name: 'enqueue: no params', method: 'POST', path: (c) => st(c.single, '/enqueue'), body: () => ({}), ...invalid(/'params' supplied: expected an object/) },
  { name: 'enqueue: an object as a value', method: 'POST', path: (c) => st(c.single, '/enqueue'), body: () => ({ params: { x: { v: 1 } } }), ...invalid(/parameter 'x' must be null, a boolean, a number or a string/) },
  { name: 'warm start: no trials', method: 'POST', path: (c) => st(c.single, '/trials'), body: () => ({ trials: [] }), ...invalid(/'trials' must be a non-empty list/) },
  { name: 'warm start: a param outside its distribution', method: 'POST', path: (c) => st(c.single, '/trials'), body: () => ({ trials: [{ values: [1], params: { x: 0.5 }, distributions: { x: f(0, 1) } }, { values: [1], params: { x: 3 }, distributions: { x: f(0, 1) } }] }), ...invalid(/Parameter 'trials\[1\]': parameter 'x' = 3 lies outside/) },
  { name: 'warm start: RUNNING', method: 'POST', path: (c) => st(c.single, '/trials'), body: () => ({ trials: [{ state: 'RUNNING' }] }), ...invalid(/'trials\[0\].state' must be one of COMPLETE, PRUNED, FAIL, WAITING/) },
  { name: 'warm start: wrong arity', method: 'POST', path: (c) => st(c.multi, '/trials'), body: () => ({ trials: [{ values: [1] }] }), ...invalid(/Parameter 'trials\[0\]': the study has 2 objective\(s\) but 1 value\(s\)/) },
  { name: 'trials: unknown state', method: 'GET', path: (c) => st(c.single, '/trials'), body: () => ({ states: 'BOGUS' }), ...invalid(/'states\[0\]' must be one of/) },
  { name: 'trials: max_results 0', method: 'GET', path: (c) => st(c.single, '/trials'), body: () => ({ max_results: 0 }), ...invalid(/'max_results' must be at least 1/) },
  { name: 'trials: bad page token', method: 'GET', path: (c) => st(c.single, '/trials'), body: () => ({ page_token: 'x' }), ...invalid(/'page_token'/) },
  { name: 'importances: which objective', method: 'GET', path: (c) => st(c.multi, '/importances'), ...invalid(/'objective': this study has 2 objectives/) },
  { name: 'importances: objective out of range', method: 'GET', path: (c) => st(c.multi, '/importances'), body: () => ({ objective: 2 }), ...invalid(/'objective' must be between 0 and 1/) },
  { name: 'best trial: multi-objective', method: 'GET', path: (c) => st(c.multi, '/best-trial'), ...state(/has 2 objectives; use directions/) },
  { name: 'get: unknown study', method: 'GET', path: () => st('no-such-study'), ...missing(/Study 'no-such-study' does not exist/) },
  { name: 'delete: unknown study', method: 'DELETE', path: () => st('no-such-study'), ...missing(/Study 'no-such-study' does not exist/) },
];

/** Junk bodies sent to every tuning route: none may answer 500. */
export const junkBodies: unknown[] = [
  { search_space: 5 },
  { search_space: { x: 'float' } },
  { distribution: 'float', name: 'x' },
  { values: { a: 1 } },
  { value: true, step: 'x' },
  { params: [1, 2] },
  { trials: 'x' },
  { trials: [null] },
  { sampler: 7, pruner: [] },
  { name: 5, directions: 'minimize' },
];

export const tuningRoutesForJunk = (c: TuningBadInputContext): [string, string][] => [
  ['POST', S],
  ['POST', st(c.single, '/ask')],
  ['POST', st(c.single, '/enqueue')],
  ['POST', st(c.single, '/trials')],
  ['POST', tr(c.single, 0, '/suggest')],
  ['POST', tr(c.single, 0, '/report')],
  ['POST', tr(c.single, 0, '/update')],
  ['POST', tr(c.single, 0, '/heartbeat')],
  ['GET', st(c.single, '/trials')],
  ['GET', st(c.single, '/importances')],
];
