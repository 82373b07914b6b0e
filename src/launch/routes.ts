/**
 * @module The jobs API over HTTP. A job is supervised by the process that launched it
 * (`trainyard launch`, `ty.launch`); that process claims the id and reports here, and anyone can
 * list, read, follow the logs of and cancel it. With `--auth` a job has its own grants: whoever
 * claims a new job id manages it; READ to see it and its logs, EDIT to cancel it or to supervise it
 * (claiming an existing id again, the supervisor's reports). (Placing jobs on agents builds on this later.)
 *
 * | Method | Path | Body / query | Answer |
 * |---|---|---|---|
 * | GET | /api/v1/jobs | state, max_results, page_token | { jobs, next_page_token? } |
 * | GET | /api/v1/jobs/:job_id | | { job } with events (every transition, hang, straggler, checkpoint) |
 * | GET | /api/v1/jobs/:job_id/logs | | { run_id, files: [{ attempt, rank, stream, artifact_path }] } |
 * | POST | /api/v1/jobs/:job_id/cancel | | { job } |
 * | POST | /api/v1/jobs | job_id?, spec, supervisor { nonce, pid, host } | { job, resumed } (supervisors) |
 * | POST | /api/v1/jobs/:job_id/{run,transition,events,heartbeat,checkpoint} | nonce + fields | supervisors' reports |
 * | POST | /api/v1/jobs/:job_id/live-logs | nonce, attempt, chunks [{ rank, stream, offset, text }] | {} (the running attempt's new log lines) |
 */
import { InvalidParameter } from '../core/errors.js';
import { objectAt, optEnum, optInt, optString, reqInt, reqString, type Fields } from '../core/request-fields.js';
import type { JsonRoute, RouteAuth } from '../core/route.js';
import { validateSpec, type LaunchInput } from './job-spec.js';
import type { JobsService } from './jobs-service.js';
import type { JobLiveLogs, LiveLogChunk } from './live-logs.js';
import { JOB_STATES, type JobState } from './recorder.js';

const J = '/api/v1/jobs';
const id = (f: Fields) => reqString(f, 'job_id');
const nonce = (f: Fields) => reqString(f, 'nonce');
const obj = (f: Fields, name: string) => (f[name] === undefined || f[name] === null ? {} : objectAt(f[name], name));

const READ: RouteAuth = { resource: 'job', level: 'READ' };
const EDIT: RouteAuth = { resource: 'job', level: 'EDIT' };
/** The id a claim names: `job_id`, else the spec's; none means the server picks a fresh one. */
const claimedId = (f: Fields): string | undefined => {
  if (typeof f.job_id === 'string') return f.job_id;
  const spec = f.spec as { job_id?: unknown; jobId?: unknown } | undefined;
  const v = spec && typeof spec === 'object' ? (spec.job_id ?? spec.jobId) : undefined;
  return typeof v === 'string' ? v : undefined;
};

export function launchRoutes(jobs: JobsService, liveLogs?: JobLiveLogs): JsonRoute[] {
  const post = (path: string, handler: JsonRoute['handler'], auth: RouteAuth = EDIT): JsonRoute => ({ methods: ['POST'], scope: 'absolute', path, auth, handler });
  const get = (path: string, handler: JsonRoute['handler'], auth: RouteAuth = READ): JsonRoute => ({ methods: ['GET'], scope: 'absolute', path, auth, handler });
  return [
    post(J, async (f) => {
      const spec = validateSpec(obj(f, 'spec') as unknown as LaunchInput);
      const sup = obj(f, 'supervisor');
      const pid = reqInt(sup, 'pid', { min: 1 });
      const job = await jobs.claim({ jobId: optString(f, 'job_id') ?? spec.jobId, spec: spec as unknown as Record<string, unknown>, supervisor: { nonce: reqString(sup, 'nonce'), pid, host: reqString(sup, 'host') } });
      const { resumed, ...rest } = job;
      return { job: rest, resumed };
    }, { resource: 'job', level: 'EDIT', from: claimedId, orCreate: { id: (r) => r?.job?.job_id } }),
    get(J, async (f, ctx) => {
      const page = await jobs.list({ state: optEnum(f, 'state', JOB_STATES) as JobState | undefined, maxResults: optInt(f, 'max_results', { min: 1, max: 1000 }), pageToken: optString(f, 'page_token') });
      if (!ctx.readable) return page;
      // A page keeps only the jobs the caller may read (it can come back shorter; the token still pages on).
      const can = await ctx.readable('job', page.jobs.map((j) => j.job_id));
      return { ...page, jobs: page.jobs.filter((j) => can.has(j.job_id)) };
    }, { anyUser: true }),
    get(`${J}/:job_id`, async (f) => ({ job: await jobs.get(id(f)) })),
    get(`${J}/:job_id/logs`, async (f) => {
      const job = await jobs.get(id(f));
      const files = (job.events ?? []).filter((e) => e.kind === 'logs').flatMap((e) => (e.detail.files as unknown[]) ?? []);
      return { run_id: job.run_id, files };
    }),
    post(`${J}/:job_id/cancel`, async (f) => ({ job: await jobs.cancel(id(f)) })),
    post(`${J}/:job_id/run`, async (f) => {
      await jobs.setRun(id(f), nonce(f), reqString(f, 'run_id'), reqString(f, 'experiment_id'));
      return {};
    }),
    post(`${J}/:job_id/transition`, async (f) => {
      const state = optEnum(f, 'state', JOB_STATES);
      if (!state) throw new InvalidParameter(`Missing value for required parameter 'state'.`);
      return { job: await jobs.transition(id(f), nonce(f), state, optInt(f, 'attempt', { min: 0 }) ?? null, obj(f, 'detail')) };
    }),
    post(`${J}/:job_id/events`, async (f) => {
      await jobs.event(id(f), nonce(f), reqString(f, 'kind'), optInt(f, 'attempt', { min: 0 }) ?? null, obj(f, 'detail'));
      return {};
    }),
    post(`${J}/:job_id/live-logs`, async (f) => {
      const attempt = reqInt(f, 'attempt', { min: 0 });
      if (!Array.isArray(f.chunks)) throw new InvalidParameter(`Invalid value for parameter 'chunks': expected a list of { rank, stream, offset, text }.`);
      await jobs.assertSupervisor(id(f), nonce(f));
      liveLogs?.append(id(f), attempt, f.chunks as LiveLogChunk[]);
      return {};
    }),
    post(`${J}/:job_id/heartbeat`, async (f) => jobs.heartbeat(id(f), nonce(f))),
    post(`${J}/:job_id/checkpoint`, async (f) => {
      await jobs.checkpoint(id(f), nonce(f), { step: reqInt(f, 'step', { min: 0 }), path: reqString(f, 'path'), sha256: reqString(f, 'sha256') });
      return {};
    }),
  ];
}
