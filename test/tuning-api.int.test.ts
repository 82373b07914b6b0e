/**
 * The tuning HTTP API on a real server, SQLite and PostgreSQL: studies, define-by-run ask/tell,
 * batched search spaces, enqueue, pruning, heartbeat expiry with retry, warm starts, queries, and
 * trials mirrored as nested tracking runs.
 */
import { describe, expect, it } from 'vitest';
import { DIALECTS } from './helpers/databases.js';
import { fullHistory, getRun, ok } from './helpers/tracking-factories.js';
import { categorical, float, int, makeStudy, oneTrial, studyPath, trialPath, uniqueName } from './helpers/tuning-factories.js';
import { useServer } from './helpers/use-server.js';

describe.each(DIALECTS)('tuning API on %s', (dialect) => {
  const server = useServer(dialect);

  it('creates, gets, lists and deletes studies', async () => {
    const s = server();
    const st = await makeStudy(s, { directions: ['minimize', 'maximize'], sampler: { name: 'nsga2', options: { populationSize: 8 } }, seed: 3, user_attrs: { team: 'ml' } });
    expect(st).toMatchObject({ directions: ['minimize', 'maximize'], sampler: { name: 'nsga2', options: { population_size: 8 } }, pruner: { name: 'nop', options: {} }, seed: 3, heartbeat_interval_ms: 10000, max_retry: 1, user_attrs: { team: 'ml' }, n_trials: 0 });
    expect(ok(await s.call('GET', studyPath(st.name))).study.id).toBe(st.id);
    expect(ok(await s.call('GET', '/api/v1/studies')).studies.map((x: any) => x.name)).toContain(st.name);
    const dup = await s.call('POST', '/api/v1/studies', { name: st.name });
    expect([dup.status, dup.body.error_code]).toEqual([400, 'RESOURCE_ALREADY_EXISTS']);
    expect(ok(await s.call('POST', '/api/v1/studies', { name: st.name, directions: ['minimize', 'maximize'], load_if_exists: true })).study.id).toBe(st.id);
    ok(await s.call('DELETE', studyPath(st.name)));
    const gone = await s.call('GET', studyPath(st.name));
    expect([gone.status, gone.body.error_code]).toEqual([404, 'RESOURCE_DOES_NOT_EXIST']);
  });

  it('runs define-by-run trials: one call per suggest, the same value for a repeated suggest, a search space batched into ask', async () => {
    const s = server();
    const st = await makeStudy(s, { sampler: 'random', seed: 1 });
    const { trial, heartbeat_interval_ms } = ok(await s.call('POST', studyPath(st.name, '/ask'), { search_space: { lr: float(1e-4, 1, { log: true }), depth: int(2, 12, { step: 2 }) } }));
    expect(heartbeat_interval_ms).toBe(10000);
    expect(trial).toMatchObject({ number: 0, state: 'RUNNING', fixed_params: {} });
    expect(trial.params.lr).toBeGreaterThanOrEqual(1e-4);
    expect(trial.params.depth % 2).toBe(0);
    expect(trial.distributions.lr).toEqual({ type: 'float', low: 1e-4, high: 1, log: true, step: null });
    const kind = ok(await s.call('POST', trialPath(st.name, 0, '/suggest'), { name: 'kind', distribution: categorical(['gbdt', 'rf', null]) })).value;
    expect(['gbdt', 'rf', null]).toContain(kind);
    expect(ok(await s.call('POST', trialPath(st.name, 0, '/suggest'), { name: 'kind', distribution: categorical(['gbdt', 'rf', null]) })).value).toBe(kind);
    const batch = ok(await s.call('POST', trialPath(st.name, 0, '/suggest'), { search_space: { lr: float(1e-4, 1, { log: true }), n: int(1, 3) } })).params;
    expect(batch.lr).toBe(trial.params.lr);
    const told = ok(await s.call('POST', trialPath(st.name, 0, '/tell'), { values: 0.25 })).trial;
    expect(told).toMatchObject({ number: 0, state: 'COMPLETE', values: [0.25], params: { lr: trial.params.lr, depth: trial.params.depth, kind, n: batch.n } });
    expect(ok(await s.call('GET', trialPath(st.name, 0))).trial).toEqual(told);
    expect(ok(await s.call('GET', studyPath(st.name))).study).toMatchObject({ n_trials: 1, trial_counts: { COMPLETE: 1 } });
  });

  it('hands enqueued params to the next ask and answers trials, best trial(s) and importances', async () => {
    const s = server();
    const st = await makeStudy(s, { sampler: { name: 'tpe', options: { n_startup_trials: 3 } }, seed: 5 });
    ok(await s.call('POST', studyPath(st.name, '/enqueue'), { params: { x: 2 } }));
    ok(await s.call('POST', studyPath(st.name, '/enqueue'), { params: { x: 2 }, skip_if_exists: true }));
    const { trial } = ok(await s.call('POST', studyPath(st.name, '/ask'), {}));
    expect(trial.fixed_params).toEqual({ x: 2 });
    expect(ok(await s.call('POST', trialPath(st.name, trial.number, '/suggest'), { name: 'x', distribution: float(-5, 5) })).value).toBe(2);
    ok(await s.call('POST', trialPath(st.name, trial.number, '/tell'), { values: [0] }));
    for (let i = 0; i < 11; i++) await oneTrial(s, st.name);
    const best = ok(await s.call('GET', studyPath(st.name, '/best-trial'))).trial;
    expect(best).toMatchObject({ number: 0, values: [0], params: { x: 2 } });
    expect(ok(await s.call('GET', studyPath(st.name, '/best-trials'))).trials.map((t: any) => t.number)).toEqual([0]);
    const page1 = ok(await s.call('GET', studyPath(st.name, '/trials'), { states: 'COMPLETE', max_results: 5 }));
    expect([page1.trials.length, page1.total, page1.next_page_token]).toEqual([5, 12, '5']);
    const rest = ok(await s.call('GET', studyPath(st.name, '/trials'), { states: 'COMPLETE', page_token: page1.next_page_token }));
    expect(rest.trials.map((t: any) => t.number)).toEqual([5, 6, 7, 8, 9, 10, 11]);
    expect(rest.next_page_token).toBeUndefined();
    expect(Object.keys(ok(await s.call('GET', studyPath(st.name, '/importances'))).importances)).toEqual(['x']);
    expect(ok(await s.call('GET', studyPath(st.name, '/importances'), { evaluator: 'fanova' })).importances).toEqual({ x: 1 });
    const bad = await s.call('GET', studyPath(st.name, '/importances'), { evaluator: 'shap' });
    expect([bad.status, bad.body.message]).toEqual([400, expect.stringMatching(/evaluator/)]);
  });

  it('runs a trial in two requests: ask proposes every known param and the pruner view; update and tell carry what the worker did', async () => {
    const s = server();
    const experiment = uniqueName('exp');
    const st = await makeStudy(s, { experiment, sampler: 'random', pruner: { name: 'median', options: { n_startup_trials: 1 } } });
    // Trial 0 the define-by-run way, so the study knows lr, kind and a branch param.
    const first = ok(await s.call('POST', studyPath(st.name, '/ask'), {})).trial;
    ok(await s.call('POST', trialPath(st.name, first.number, '/suggest'), { search_space: { lr: float(1e-3, 1, { log: true }), kind: categorical(['a', 'b']), only_b: int(0, 3) } }));
    for (let step = 0; step < 2; step++) ok(await s.call('POST', trialPath(st.name, first.number, '/report'), { value: 1, step }));
    ok(await s.call('POST', trialPath(st.name, first.number, '/tell'), { values: [1] }));

    const asked = ok(await s.call('POST', studyPath(st.name, '/ask'), { propose: { extra: float(0, 1) } }));
    const n = asked.trial.number;
    expect(Object.keys(asked.proposals).sort()).toEqual(['extra', 'kind', 'lr', 'only_b']);
    expect(asked.proposals.lr.distribution).toMatchObject(float(1e-3, 1, { log: true }));
    expect(asked.trial.params).toEqual({}); // nothing recorded yet
    expect(asked.prune_view).toMatchObject({ kind: 'percentile', nComplete: 1, thresholds: [[0, 1], [1, 1]] });
    // Bad patches are 400s that write nothing: a value outside its distribution, a foreign system attr.
    const outside = await s.call('POST', trialPath(st.name, n, '/update'), { params: { lr: { distribution: float(1e-3, 1, { log: true }), value: 5 }, extra: { distribution: float(0, 1), value: 0.5 } } });
    expect([outside.status, outside.body.message]).toEqual([400, expect.stringMatching(/Parameter 'lr'.*outside/)]);
    const attr = await s.call('POST', trialPath(st.name, n, '/update'), { system_attrs: { fixed_params: {} } });
    expect([attr.status, attr.body.message]).toEqual([400, expect.stringMatching(/system_attrs.fixed_params/)]);
    const kindClash = await s.call('POST', trialPath(st.name, n, '/update'), { params: { kind: { distribution: float(0, 1), value: 0.5 } } });
    expect([kindClash.status, kindClash.body.message]).toEqual([400, expect.stringMatching(/Parameter 'kind' is .* in earlier trials/)]);
    expect(ok(await s.call('GET', trialPath(st.name, n))).trial.params).toEqual({});

    const upd = ok(await s.call('POST', trialPath(st.name, n, '/update'), {
      params: { lr: asked.proposals.lr, kind: { distribution: categorical(['a', 'b']), value: 'a' } },
      intermediate_values: [{ step: 0, value: 2 }],
      view_etag: asked.prune_view_etag,
    }));
    expect(upd.state).toBe('RUNNING');
    expect(upd.prune_view).toBeUndefined(); // no trial finished since: the worker's view is current
    expect(upd.prune_view_etag).toBe(asked.prune_view_etag);
    const told = ok(await s.call('POST', trialPath(st.name, n, '/tell'), { state: 'PRUNED', intermediate_values: [{ step: 1, value: 3 }], system_attrs: { constraints: [0.5] } })).trial;
    expect(told).toMatchObject({ state: 'PRUNED', values: [3], params: { lr: asked.proposals.lr.value, kind: 'a' }, system_attrs: { constraints: [0.5] } });
    expect(told.intermediate_values).toEqual([{ step: 0, value: 2 }, { step: 1, value: 3 }]);
    // Mirrored into the trial's run like the one-call-per-suggest path.
    const runId = told.system_attrs['trainyard.run_id'];
    expect((await fullHistory(s, runId, 'intermediate_value')).map((m: any) => [m.step, m.value])).toEqual([[0, 2], [1, 3]]);
    expect(Object.keys((await getRun(s, runId)).data.params.reduce((o: any, p: any) => ({ ...o, [p.key]: p.value }), {})).sort()).toEqual(['kind', 'lr']);
    const late = await s.call('POST', trialPath(st.name, n, '/update'), { intermediate_values: [{ step: 2, value: 1 }] });
    expect([late.status, late.body.error_code]).toEqual([400, 'INVALID_STATE']);
  });

  it("shows the sampler another worker's trial in flight at the values proposed to it (constant liar)", async () => {
    const s = server();
    const st = await makeStudy(s, { sampler: 'tpe', heartbeat_interval_ms: null });
    // Worker A is proposed x (a float) and has not sent anything back yet.
    const a = ok(await s.call('POST', studyPath(st.name, '/ask'), { propose: { x: float(0, 1) } }));
    expect(ok(await s.call('GET', trialPath(st.name, a.trial.number))).trial.params).toEqual({});
    // Worker B's sampler sees A at x: one kind per name already applies to it.
    const b = ok(await s.call('POST', studyPath(st.name, '/ask'), {})).trial;
    const clash = await s.call('POST', trialPath(st.name, b.number, '/suggest'), { name: 'x', distribution: categorical(['a', 'b']) });
    expect([clash.status, clash.body.message]).toEqual([400, expect.stringMatching(/Parameter 'x' is .* here but .*float.* in earlier trials/)]);
  });

  it('proposes a value for each range a dynamic parameter has had, each inside its range', async () => {
    const s = server();
    const st = await makeStudy(s, { sampler: { name: 'tpe', options: { n_startup_trials: 2 } }, heartbeat_interval_ms: null });
    for (const hi of [10, 20, 30, 20]) {
      const { trial } = ok(await s.call('POST', studyPath(st.name, '/ask'), { propose: true }));
      const units = { distribution: int(1, hi), value: Math.ceil(hi / 2) };
      ok(await s.call('POST', trialPath(st.name, trial.number, '/tell'), { values: [hi], params: { units } }));
    }
    const { proposals } = ok(await s.call('POST', studyPath(st.name, '/ask'), { propose: true }));
    const all = [proposals.units, ...proposals.units.others];
    expect(all.map((p: any) => p.distribution.high)).toEqual([20, 30, 10]); // most recent first
    for (const p of all) expect(p.value >= 1 && p.value <= p.distribution.high && Number.isInteger(p.value)).toBe(true);
  });

  it('prunes over HTTP: report answers should_prune, PRUNED keeps the last value', async () => {
    const s = server();
    const st = await makeStudy(s, { pruner: { name: 'median', options: { n_startup_trials: 2, n_warmup_steps: 0 } }, sampler: 'random' });
    for (const level of [1, 2]) {
      const { trial } = ok(await s.call('POST', studyPath(st.name, '/ask'), {}));
      for (let step = 0; step < 3; step++) expect(ok(await s.call('POST', trialPath(st.name, trial.number, '/report'), { value: level, step })).should_prune).toBe(false);
      ok(await s.call('POST', trialPath(st.name, trial.number, '/tell'), { values: [level] }));
    }
    const { trial } = ok(await s.call('POST', studyPath(st.name, '/ask'), {}));
    expect(ok(await s.call('POST', trialPath(st.name, trial.number, '/report'), { value: 9, step: 0 })).should_prune).toBe(true);
    const pruned = ok(await s.call('POST', trialPath(st.name, trial.number, '/tell'), { state: 'PRUNED' })).trial;
    expect(pruned).toMatchObject({ state: 'PRUNED', values: [9], intermediate_values: [{ step: 0, value: 9 }] });
  });

  it('fails a trial whose worker stopped beating and retries its params; a live worker keeps its trial', async () => {
    const s = server();
    const st = await makeStudy(s, { heartbeat_interval_ms: 100, sampler: 'random' });
    const dead = ok(await s.call('POST', studyPath(st.name, '/ask'), { search_space: { x: float(0, 1) } })).trial;
    const alive = ok(await s.call('POST', studyPath(st.name, '/ask'), {})).trial;
    for (let i = 0; i < 6; i++) {
      await new Promise((r) => setTimeout(r, 60));
      expect(ok(await s.call('POST', trialPath(st.name, alive.number, '/heartbeat'))).state).toBe('RUNNING');
    }
    const retry = ok(await s.call('POST', studyPath(st.name, '/ask'), {})).trial;
    expect(retry.fixed_params).toEqual({ x: dead.params.x });
    const failed = ok(await s.call('GET', trialPath(st.name, dead.number))).trial;
    expect(failed.state).toBe('FAIL');
    expect(failed.system_attrs.fail_reason).toMatch(/No heartbeat/);
    expect(ok(await s.call('POST', trialPath(st.name, dead.number, '/heartbeat'))).state).toBe('FAIL');
    const late = await s.call('POST', trialPath(st.name, dead.number, '/tell'), { values: [1] });
    expect([late.status, late.body.error_code]).toEqual([400, 'INVALID_STATE']);
    expect(ok(await s.call('GET', trialPath(st.name, alive.number))).trial.state).toBe('RUNNING');
  });

  it('takes warm-start trials, infinities included, and checks them all before writing', async () => {
    const s = server();
    const st = await makeStudy(s);
    const good = { state: 'COMPLETE', values: ['Infinity'], params: { x: 1 }, distributions: { x: float(0, 2) } };
    const bad = { ...good, params: { x: 7 } };
    const rejected = await s.call('POST', studyPath(st.name, '/trials'), { trials: [good, bad] });
    expect(rejected.status).toBe(400);
    expect(rejected.body.message).toMatch(/trials\[1\].*'x'/);
    expect(ok(await s.call('GET', studyPath(st.name, '/trials'))).total).toBe(0);
    expect(ok(await s.call('POST', studyPath(st.name, '/trials'), { trials: [good, { ...good, values: [0.5] }] })).numbers).toEqual([0, 1]);
    expect(ok(await s.call('GET', trialPath(st.name, 0))).trial.values).toEqual(['Infinity']);
  });

  it('mirrors trials as runs nested under the study run when the study names an experiment', async () => {
    const s = server();
    const experiment = uniqueName('exp');
    const st = await makeStudy(s, { experiment, sampler: 'random', pruner: 'median' });
    expect(st.experiment_id).toMatch(/^\d+$/);
    const parent = await getRun(s, st.parent_run_id);
    expect(parent.data.tags).toContainEqual({ key: 'trainyard.study', value: st.name });
    const { trial } = ok(await s.call('POST', studyPath(st.name, '/ask'), { search_space: { lr: float(0.01, 0.1) } }));
    ok(await s.call('POST', trialPath(st.name, trial.number, '/suggest'), { name: 'opt', distribution: categorical(['adam', 'sgd']) }));
    for (let step = 0; step < 3; step++) ok(await s.call('POST', trialPath(st.name, trial.number, '/report'), { value: 1 / (step + 1), step }));
    const told = ok(await s.call('POST', trialPath(st.name, trial.number, '/tell'), { values: [0.3] })).trial;
    const runId = told.system_attrs['trainyard.run_id'];
    const run = await getRun(s, runId);
    expect(run.info).toMatchObject({ status: 'FINISHED', experiment_id: st.experiment_id, run_name: `${st.name}-trial-0` });
    expect(run.data.tags).toEqual(expect.arrayContaining([{ key: 'mlflow.parentRunId', value: st.parent_run_id }, { key: 'trainyard.trial_state', value: 'COMPLETE' }]));
    expect(Object.fromEntries(run.data.params.map((p: any) => [p.key, p.value]))).toEqual({ lr: String(trial.params.lr), opt: told.params.opt });
    expect(run.data.metrics).toContainEqual(expect.objectContaining({ key: 'value', value: 0.3 }));
    expect((await fullHistory(s, runId, 'intermediate_value')).map((m: any) => [m.step, m.value])).toEqual([[0, 1], [1, 0.5], [2, 1 / 3]]);
    expect((await fullHistory(s, st.parent_run_id, 'best_value')).map((m: any) => [m.step, m.value])).toEqual([[0, 0.3]]);
    const off = await makeStudy(s, { experiment, track_trials: false });
    expect(off.parent_run_id).toBeNull();
  });
});
