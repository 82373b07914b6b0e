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
import type { JsonRoute } from '../core/route.js';
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

export function pipelineRoutes(svc: PipelinesService, schedules: PipelineSchedules): JsonRoute[] {
  const base = '/api/v1/pipelines';
  return [
    {
      methods: ['POST'],
      scope: 'absolute',
      path: `${base}/runs`,
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
      handler: async (f) => {
        const pipeline = optString(f, 'pipeline');
        const pageToken = optString(f, 'page_token');
        return svc.list({ maxResults: optInt(f, 'max_results', { min: 1, max: 1000 }) ?? 50, ...(pipeline ? { pipeline } : {}), ...(pageToken ? { pageToken } : {}) });
      },
    },
    { methods: ['GET'], scope: 'absolute', path: `${base}/runs/:run`, handler: async (f) => svc.run(reqString(f, 'run')) },
    {
      methods: ['GET'],
      scope: 'absolute',
      path: `${base}/runs/:run/logs`,
      handler: async (f) => svc.logs(reqString(f, 'run'), reqString(f, 'step'), optInt(f, 'item', { min: 0 }), optInt(f, 'tail', { min: 1, max: 100_000 }) ?? 200),
    },
    { methods: ['GET'], scope: 'absolute', path: `${base}/runs/:run/lineage`, handler: async (f) => svc.lineage(reqString(f, 'run')) },
    { methods: ['POST'], scope: 'absolute', path: `${base}/runs/:run/cancel`, handler: async (f) => ({ run: await svc.cancel(reqString(f, 'run')) }) },
    {
      methods: ['POST'],
      scope: 'absolute',
      path: `${base}/runs/:run/resume`,
      handler: async (f) => {
        const steps = stepsField(f);
        return { run: await svc.resume(reqString(f, 'run'), steps) };
      },
    },
    {
      methods: ['POST'],
      scope: 'absolute',
      path: `${base}/schedules`,
      handler: async (f) => {
        const params = paramsField(f);
        const executor = optString(f, 'executor');
        const cache = optBool(f, 'cache');
        return { schedule: await schedules.create({ file: reqString(f, 'file'), cron: reqString(f, 'cron'), ...(params ? { params } : {}), ...(executor ? { executor } : {}), ...(cache !== undefined ? { cache } : {}) }) };
      },
    },
    { methods: ['GET'], scope: 'absolute', path: `${base}/schedules`, handler: async () => ({ schedules: await schedules.list() }) },
    { methods: ['DELETE'], scope: 'absolute', path: `${base}/schedules/:schedule`, handler: async (f) => (await schedules.delete(reqString(f, 'schedule')), {}) },
    { methods: ['GET'], scope: 'absolute', path: `${base}/artifacts`, handler: async (f) => svc.artifactsByDigest(reqString(f, 'digest')) },
  ];
}
