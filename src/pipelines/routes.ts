/**
 * @module Pipelines over HTTP (JSON). A client compiles its file (TypeScript through tsx, or
 * YAML) and posts the spec; the server validates it again and runs it.
 *
 * | Method | Path | Body / query | Answer |
 * |---|---|---|---|
 * | POST | /api/v1/pipelines/runs | spec, params, executor, cache | { run } |
 * | GET | /api/v1/pipelines/runs | pipeline, max_results, page_token | { runs, next_page_token? } |
 * | GET | /api/v1/pipelines/runs/:run | | { run, steps } |
 * | GET | /api/v1/pipelines/runs/:run/logs | step, item, tail | { lines, path } |
 * | GET | /api/v1/pipelines/runs/:run/lineage | | { artifacts } |
 * | POST | /api/v1/pipelines/runs/:run/cancel | | { run } |
 * | POST | /api/v1/pipelines/runs/:run/resume | steps (retry these and what follows) | { run } |
 * | POST | /api/v1/pipelines/schedules | file (on the server's machine), cron, params, executor | { schedule } |
 * | GET | /api/v1/pipelines/schedules | | { schedules } |
 * | DELETE | /api/v1/pipelines/schedules/:schedule | | {} |
 * | GET | /api/v1/pipelines/artifacts | digest | { artifacts } (which runs and steps made or read it) |
 */
import { InvalidParameter } from '../core/errors.js';
import { optBool, optInt, optString, reqString, type Fields } from '../core/request-fields.js';
import type { JsonRoute, RouteAuth } from '../core/route.js';
import type { PipelinesService } from './service.js';
import type { PipelineSchedules } from './schedules/schedules.js';

function paramsField(f: Fields): Record<string, unknown> | undefined {
  const v = f.params;
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'object' || Array.isArray(v)) throw new InvalidParameter("Invalid value for parameter 'params': expected an object of name -> value.");
  return v as Record<string, unknown>;
}

function stepsField(f: Fields): string[] | undefined {
  const v = f.steps;
  if (v === undefined || v === null) return undefined;
  const list = Array.isArray(v) ? v : [v];
  if (!list.every((x) => typeof x === 'string')) throw new InvalidParameter("Invalid value for parameter 'steps': expected a list of step names.");
  return list as string[];
}

/**
 * Who may do what with `--auth` (README, "Permissions on studies, pipelines and jobs"): a run
 * belongs to whoever started it (MANAGE) or to the schedule that fired it; READ to see a run, its
 * logs and lineage, EDIT to cancel or resume it. A schedule: its creator manages it, READ to see
 * it (and the runs it fires), MANAGE to delete it. Starting, resuming or scheduling a run also
 * needs the compute grant (`compute: true`): its commands run on this server's executors.
 */
const runRule = (level: 'READ' | 'EDIT'): RouteAuth => ({ resource: 'pipeline_run', level });

export function pipelineRoutes(svc: PipelinesService, schedules: PipelineSchedules): JsonRoute[] {
  const base = '/api/v1/pipelines';
  return [
    {
      methods: ['POST'],
      scope: 'absolute',
      path: `${base}/runs`,
      auth: { anyUser: true, compute: true, creates: { resource: 'pipeline_run', id: (r) => r?.run?.run_id } },
      handler: async (f) => {
        const executor = optString(f, 'executor');
        const cache = optBool(f, 'cache');
        const params = paramsField(f);
        return { run: await svc.submit(f.spec, { ...(params ? { params } : {}), ...(executor ? { executor } : {}), ...(cache !== undefined ? { cache } : {}) }) };
      },
    },
    {
      methods: ['GET'],
      scope: 'absolute',
      path: `${base}/runs`,
      auth: { anyUser: true },
      handler: async (f, ctx) => {
        const pipeline = optString(f, 'pipeline');
        const pageToken = optString(f, 'page_token');
        const page = await svc.list({ maxResults: optInt(f, 'max_results', { min: 1, max: 1000 }) ?? 50, ...(pipeline ? { pipeline } : {}), ...(pageToken ? { pageToken } : {}) });
        if (!ctx.readable) return page;
        // A page keeps only the runs the caller may read (it can come back shorter; the token still pages on).
        const can = await ctx.readable('pipeline_run', page.runs.map((r) => r.run_id));
        return { ...page, runs: page.runs.filter((r) => can.has(r.run_id)) };
      },
    },
    { methods: ['GET'], scope: 'absolute', path: `${base}/runs/:run`, auth: runRule('READ'), handler: async (f) => svc.run(reqString(f, 'run')) },
    {
      methods: ['GET'],
      scope: 'absolute',
      path: `${base}/runs/:run/logs`,
      auth: runRule('READ'),
      handler: async (f) => svc.logs(reqString(f, 'run'), reqString(f, 'step'), optInt(f, 'item', { min: 0 }), optInt(f, 'tail', { min: 1, max: 100_000 }) ?? 200),
    },
    { methods: ['GET'], scope: 'absolute', path: `${base}/runs/:run/lineage`, auth: runRule('READ'), handler: async (f) => svc.lineage(reqString(f, 'run')) },
    { methods: ['POST'], scope: 'absolute', path: `${base}/runs/:run/cancel`, auth: runRule('EDIT'), handler: async (f) => ({ run: await svc.cancel(reqString(f, 'run')) }) },
    {
      methods: ['POST'],
      scope: 'absolute',
      path: `${base}/runs/:run/resume`,
      // A resume runs steps again: EDIT on the run and compute now (a grant may have been taken back).
      auth: { ...runRule('EDIT'), compute: true },
      handler: async (f) => {
        const steps = stepsField(f);
        return { run: await svc.resume(reqString(f, 'run'), steps) };
      },
    },
    {
      methods: ['POST'],
      scope: 'absolute',
      path: `${base}/schedules`,
      auth: { anyUser: true, compute: true, creates: { resource: 'pipeline_schedule', id: (r) => r?.schedule?.schedule_id } },
      handler: async (f) => {
        const params = paramsField(f);
        const executor = optString(f, 'executor');
        const cache = optBool(f, 'cache');
        return { schedule: await schedules.create({ file: reqString(f, 'file'), cron: reqString(f, 'cron'), ...(params ? { params } : {}), ...(executor ? { executor } : {}), ...(cache !== undefined ? { cache } : {}) }) };
      },
    },
    { methods: ['GET'], scope: 'absolute', path: `${base}/schedules`, auth: { anyUser: true }, handler: async (_f, ctx) => {
      const all = await schedules.list();
      if (!ctx.readable) return { schedules: all };
      const can = await ctx.readable('pipeline_schedule', all.map((s) => s.schedule_id));
      return { schedules: all.filter((s) => can.has(s.schedule_id)) };
    } },
    { methods: ['DELETE'], scope: 'absolute', path: `${base}/schedules/:schedule`, auth: { resource: 'pipeline_schedule', level: 'MANAGE' }, handler: async (f) => (await schedules.delete(reqString(f, 'schedule')), {}) },
    { methods: ['GET'], scope: 'absolute', path: `${base}/artifacts`, auth: { anyUser: true }, handler: async (f, ctx) => {
      const found = await svc.artifactsByDigest(reqString(f, 'digest'));
      if (!ctx.readable) return found;
      // Which runs made or read a file: only the runs the caller may read.
      const runs = (found.artifacts as { run_id: string }[]).map((a) => a.run_id);
      const can = await ctx.readable('pipeline_run', [...new Set(runs)]);
      return { artifacts: (found.artifacts as { run_id: string }[]).filter((a) => can.has(a.run_id)) };
    } },
  ];
}
