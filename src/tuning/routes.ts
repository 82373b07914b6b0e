/**
 * @module The tuning API over HTTP: any language can create a study and take part in it with
 * ask/tell. The sampler runs on the server; a worker only runs its objective.
 *
 * Studies are addressed by name (`:study`, URL-encoded), trials by number. Errors are
 * `{ error_code, message }` with 400 for bad input (the message names the field or parameter) and
 * 404 for an unknown study or trial. Every write is one transaction: a rejected request writes
 * nothing.
 *
 * | Method | Path | Body / query | Answer |
 * |---|---|---|---|
 * | POST | /api/v1/studies | name, direction or directions, sampler, pruner, seed, heartbeat_interval_ms, max_retry, experiment, track_trials, user_attrs, load_if_exists | { study } |
 * | GET | /api/v1/studies | max_results, page_token | { studies, next_page_token? } |
 * | GET, DELETE | /api/v1/studies/:study | | { study } / {} |
 * | POST | /api/v1/studies/:study/enqueue | params, user_attrs, skip_if_exists | {} |
 * | POST | /api/v1/studies/:study/ask | search_space?, propose? | { trial, heartbeat_interval_ms, study_stopped?, proposals?, prune_view?, prune_view_etag? } |
 * | POST | /api/v1/studies/:study/trials/:number/suggest | name + distribution, or search_space | { value } / { params } |
 * | POST | /api/v1/studies/:study/trials/:number/report | value, step | { should_prune } |
 * | POST | /api/v1/studies/:study/trials/:number/update | params, intermediate_values, user_attrs, system_attrs, view_etag | { state, prune_view?, prune_view_etag? } |
 * | POST | /api/v1/studies/:study/trials/:number/tell | values (or value), state, fail_reason, skip_if_finished, + update's fields | { trial } |
 * | POST | /api/v1/studies/:study/trials/:number/heartbeat | | { state } |
 * | GET | /api/v1/studies/:study/trials/:number | | { trial } |
 * | GET | /api/v1/studies/:study/trials | states, max_results, page_token | { trials, total, next_page_token? } |
 * | POST | /api/v1/studies/:study/trials | trials (warm start: finished or WAITING) | { numbers } |
 * | GET | /api/v1/studies/:study/best-trial, /best-trials | | { trial } / { trials } |
 * | GET | /api/v1/studies/:study/importances | evaluator (ped-anova, fanova), objective, params, target_quantile, n_steps, n_trees, seed | { importances } |
 *
 * Two ways to run a trial. Define-by-run over the wire: `suggest` draws one value per request and
 * `report` answers the pruner's decision (the Python client). Or two requests per trial (the TS
 * SDK): `ask` with `propose: true` (or a search space of names to add) also answers `proposals`, a
 * value drawn now for every parameter the study has seen (`{ name: { distribution, value } }`,
 * recorded only once the worker says it used it; `others` holds values for the other ranges a
 * dynamic parameter had), and `prune_view`, the pruner's rule condensed
 * to JSON (pruners/prune-view.ts). The worker suggests locally (its own uniform draw for a name or
 * distribution without a proposal), decides pruning locally from the view, and sends what it did
 * as `params` / `intermediate_values` / attrs with `update` (which answers a fresh view; it is
 * left out when `view_etag` matches) or with `tell`, in tell's one transaction. A proposal with
 * `distribution: null` (a GridSampler point) is the value whatever the worker suggests it with.
 * `study_stopped: true` means the sampler has nothing left (grid exhausted): start no more trials.
 *
 * A distribution is `{ "type": "float" | "int", "low", "high", "log"?, "step"? }` or
 * `{ "type": "categorical", "choices": [...] }`.
 *
 * Heartbeats: in a study with `heartbeat_interval_ms` (default 10000; null turns them off) a
 * trial starts with a beat at ask, its worker beats every interval, and a trial silent for two
 * intervals is failed at the next ask and its params enqueued again (up to `max_retry`, default 1,
 * times). A worker that cannot beat must create its study with `heartbeat_interval_ms: null`.
 *
 * @example
 * // one worker step with curl, define-by-run:
 * // POST /api/v1/studies {"name":"s","direction":"minimize","sampler":"tpe"}
 * // POST /api/v1/studies/s/ask {}                                  -> {"trial":{"number":0,...}}
 * // POST /api/v1/studies/s/trials/0/suggest {"name":"x","distribution":{"type":"float","low":-5,"high":5}} -> {"value":1.7}
 * // POST /api/v1/studies/s/trials/0/tell {"values":[2.89]}
 */
import { InvalidParameter } from '../core/errors.js';
import { objectAt, optArray, optBool, optEnum, optInt, optString, parseDouble, reqInt, reqName, reqString, type Fields } from '../core/request-fields.js';
import type { JsonRoute } from '../core/route.js';
import type { CategoricalChoice } from './distributions.js';
import type { JsonValue, StudyDirection, TrialState } from './frozen-trial.js';
import { fixedParamsOf } from './service/remote-trials.js';
import { parseWorkerPatch } from './service/worker-patch.js';
import type { StudyService } from './service/study-service.js';
import { IMPORTANCE_EVALUATORS } from './importance/param-importances.js';
import { askedJson, parseDistribution, parseSearchSpace, parseTrialInput, studyJson, trialJson } from './study-json.js';

const S = '/api/v1/studies';
const ST = `${S}/:study`;
const T = `${ST}/trials/:number`;
const STATES: readonly TrialState[] = ['RUNNING', 'COMPLETE', 'PRUNED', 'FAIL', 'WAITING'];
const DIRECTIONS: readonly StudyDirection[] = ['minimize', 'maximize'];

const study = (f: Fields) => reqString(f, 'study');
const number = (f: Fields) => reqInt(f, 'number', { min: 0 });
const optObject = (f: Fields, name: string) => (f[name] === undefined || f[name] === null ? undefined : objectAt(f[name], name));

function directions(f: Fields): StudyDirection[] {
  const one = optEnum(f, 'direction', DIRECTIONS, { caseInsensitive: true });
  const many = optArray(f, 'directions');
  if (one && many) throw new InvalidParameter(`Give 'direction' or 'directions', not both.`);
  if (!many) return [one ?? 'minimize'];
  return many.map((d, i) => {
    const v = typeof d === 'string' ? d.toLowerCase() : d;
    if (v !== 'minimize' && v !== 'maximize') throw new InvalidParameter(`Parameter 'directions[${i}]' must be 'minimize' or 'maximize', got ${JSON.stringify(d)}.`);
    return v;
  });
}

/** `values` (a number or a list) or `value`; doubles may be strings such as "Infinity". */
function objectiveValues(f: Fields): number | number[] | undefined {
  if (f.values !== undefined && f.values !== null && f.value !== undefined && f.value !== null) throw new InvalidParameter(`Give 'values' or 'value', not both.`);
  if (f.value !== undefined && f.value !== null) return parseDouble(f.value, 'value');
  if (f.values === undefined || f.values === null) return undefined;
  if (!Array.isArray(f.values)) return parseDouble(f.values, 'values');
  return f.values.map((v, i) => parseDouble(v, `values[${i}]`));
}

/** Offset pagination over an in-memory list (trials are cached per study, so a page is a slice). */
function page<T>(items: readonly T[], f: Fields, max: number): { items: T[]; next?: string } {
  const size = optInt(f, 'max_results', { min: 1, max }) ?? max;
  const token = optString(f, 'page_token');
  const start = token ? Number(token) : 0;
  if (!Number.isSafeInteger(start) || start < 0) throw new InvalidParameter(`Invalid value '${token}' for parameter 'page_token'.`);
  const slice = items.slice(start, start + size);
  return start + size < items.length ? { items: slice, next: String(start + size) } : { items: slice };
}

/** Every tuning endpoint (see the module comment for the table). */
export function tuningRoutes(svc: StudyService): JsonRoute[] {
  return [
    { methods: ['POST'], scope: 'absolute', path: S, auth: { resource: 'study', level: 'EDIT', from: (f) => (typeof f.name === 'string' ? f.name : undefined), orCreate: { id: (r) => r?.study?.name } }, handler: async (f) => ({
      study: studyJson(await svc.create({
        name: reqName(f, 'name'),
        directions: directions(f),
        sampler: f.sampler ?? undefined,
        pruner: f.pruner ?? undefined,
        seed: optInt(f, 'seed'),
        heartbeatIntervalMs: f.heartbeat_interval_ms === null ? null : optInt(f, 'heartbeat_interval_ms'),
        maxRetry: optInt(f, 'max_retry', { min: 0 }),
        experiment: optString(f, 'experiment'),
        trackTrials: optBool(f, 'track_trials'),
        userAttrs: optObject(f, 'user_attrs') as Record<string, JsonValue> | undefined,
        loadIfExists: optBool(f, 'load_if_exists'),
      })),
    }) },
    { methods: ['GET'], scope: 'absolute', path: S, auth: { anyUser: true }, handler: async (f, ctx) => {
      let all = await svc.list();
      if (ctx.readable) {
        const can = await ctx.readable('study', all.map((s) => s.record.name));
        all = all.filter((s) => can.has(s.record.name));
      }
      const p = page(all, f, 1000);
      return { studies: p.items.map(studyJson), ...(p.next ? { next_page_token: p.next } : {}) };
    } },
    { methods: ['GET'], scope: 'absolute', path: ST, auth: { resource: 'study', level: 'READ' }, handler: async (f) => ({ study: studyJson(await svc.get(study(f))) }) },
    { methods: ['DELETE'], scope: 'absolute', path: ST, auth: { resource: 'study', level: 'MANAGE' }, handler: async (f) => (await svc.delete(study(f)), {}) },
    { methods: ['POST'], scope: 'absolute', path: `${ST}/enqueue`, auth: { resource: 'study', level: 'EDIT' }, handler: async (f) => {
      const params = objectAt(f.params ?? null, 'params') as Record<string, CategoricalChoice>;
      await svc.enqueue(study(f), params, { userAttrs: optObject(f, 'user_attrs') as Record<string, JsonValue> | undefined, skipIfExists: optBool(f, 'skip_if_exists') });
      return {};
    } },
    { methods: ['POST'], scope: 'absolute', path: `${ST}/ask`, auth: { resource: 'study', level: 'EDIT' }, handler: async (f) => {
      const propose = f.propose === undefined || f.propose === null || f.propose === false ? null : f.propose === true ? [] : parseSearchSpace(f.propose, 'propose');
      const r = await svc.ask(study(f), parseSearchSpace(f.search_space, 'search_space'), propose);
      return {
        trial: askedJson(r.trial, fixedParamsOf(r.trial)),
        heartbeat_interval_ms: r.study.config.heartbeat_interval_ms,
        ...(r.stop ? { study_stopped: true } : {}),
        ...(r.proposals ? { proposals: r.proposals } : {}),
        ...(r.prune ? { prune_view: r.prune.view, prune_view_etag: r.prune.etag } : {}),
      };
    } },
    { methods: ['POST'], scope: 'absolute', path: `${T}/suggest`, auth: { resource: 'study', level: 'EDIT' }, handler: async (f) => {
      if (f.search_space !== undefined && f.search_space !== null) return { params: await svc.suggest(study(f), number(f), parseSearchSpace(f.search_space, 'search_space')) };
      const name = reqName(f, 'name');
      const values = await svc.suggest(study(f), number(f), [{ name, distribution: parseDistribution(name, f.distribution ?? null, 'distribution') }]);
      return { value: values[name] };
    } },
    { methods: ['POST'], scope: 'absolute', path: `${T}/report`, auth: { resource: 'study', level: 'EDIT' }, handler: async (f) => {
      if (f.value === undefined || f.value === null) throw new InvalidParameter(`Missing value for required parameter 'value'.`);
      return { should_prune: await svc.report(study(f), number(f), parseDouble(f.value, 'value'), reqInt(f, 'step', { min: 0 })) };
    } },
    { methods: ['POST'], scope: 'absolute', path: `${T}/update`, auth: { resource: 'study', level: 'EDIT' }, handler: async (f) => {
      const r = await svc.update(study(f), number(f), parseWorkerPatch(f), optString(f, 'view_etag'));
      return { state: r.state, ...(r.prune ? { prune_view: r.prune.view, prune_view_etag: r.prune.etag } : {}) };
    } },
    { methods: ['POST'], scope: 'absolute', path: `${T}/tell`, auth: { resource: 'study', level: 'EDIT' }, handler: async (f) => {
      const values = objectiveValues(f);
      const trial = await svc.tell(study(f), number(f), {
        ...(values !== undefined ? { values } : {}),
        state: optEnum(f, 'state', ['COMPLETE', 'PRUNED', 'FAIL'] as const, { caseInsensitive: true }),
        failReason: optString(f, 'fail_reason'),
        skipIfFinished: optBool(f, 'skip_if_finished'),
      }, parseWorkerPatch(f));
      return { trial: trialJson(trial) };
    } },
    { methods: ['POST'], scope: 'absolute', path: `${T}/heartbeat`, auth: { resource: 'study', level: 'EDIT' }, handler: async (f) => ({ state: await svc.heartbeat(study(f), number(f)) }) },
    { methods: ['GET'], scope: 'absolute', path: T, auth: { resource: 'study', level: 'READ' }, handler: async (f) => ({ trial: trialJson(await svc.trial(study(f), number(f))) }) },
    { methods: ['GET'], scope: 'absolute', path: `${ST}/trials`, auth: { resource: 'study', level: 'READ' }, handler: async (f) => {
      const states = optArray(f, 'states')?.map((s, i) => {
        const v = String(s).toUpperCase() as TrialState;
        if (!STATES.includes(v)) throw new InvalidParameter(`Parameter 'states[${i}]' must be one of ${STATES.join(', ')}, got ${JSON.stringify(s)}.`);
        return v;
      });
      const all = await svc.trials(study(f), states);
      const p = page(all, f, 10_000);
      return { trials: p.items.map(trialJson), total: all.length, ...(p.next ? { next_page_token: p.next } : {}) };
    } },
    { methods: ['POST'], scope: 'absolute', path: `${ST}/trials`, auth: { resource: 'study', level: 'EDIT' }, handler: async (f) => {
      const list = optArray(f, 'trials');
      if (!list?.length) throw new InvalidParameter(`Parameter 'trials' must be a non-empty list of trials.`);
      return { numbers: await svc.addTrials(study(f), list.map((t, i) => parseTrialInput(t, `trials[${i}]`))) };
    } },
    { methods: ['GET'], scope: 'absolute', path: `${ST}/best-trial`, auth: { resource: 'study', level: 'READ' }, handler: async (f) => ({ trial: trialJson(await svc.bestTrial(study(f))) }) },
    { methods: ['GET'], scope: 'absolute', path: `${ST}/best-trials`, auth: { resource: 'study', level: 'READ' }, handler: async (f) => ({ trials: (await svc.bestTrials(study(f))).map(trialJson) }) },
    { methods: ['GET'], scope: 'absolute', path: `${ST}/importances`, auth: { resource: 'study', level: 'READ' }, handler: async (f) => {
      const q = (name: string) => (f[name] === undefined ? undefined : parseDouble(f[name], name));
      const params = optArray(f, 'params')?.map(String);
      const evaluator = optEnum(f, 'evaluator', IMPORTANCE_EVALUATORS, { caseInsensitive: true });
      const importances = await svc.importances(study(f), {
        objective: optInt(f, 'objective', { min: 0 }),
        ...(evaluator ? { evaluator } : {}),
        ...(optInt(f, 'n_trees', { min: 1, max: 1000 }) !== undefined ? { nTrees: optInt(f, 'n_trees', { min: 1, max: 1000 }) } : {}),
        ...(optInt(f, 'seed') !== undefined ? { seed: optInt(f, 'seed') } : {}),
        ...(params ? { params } : {}),
        ...(q('target_quantile') !== undefined ? { targetQuantile: q('target_quantile') } : {}),
        ...(optInt(f, 'n_steps', { min: 2 }) !== undefined ? { nSteps: optInt(f, 'n_steps', { min: 2 }) } : {}),
      });
      return { importances };
    } },
  ];
}
