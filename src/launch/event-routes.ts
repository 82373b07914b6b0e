/**
 * @module Live jobs pages over server-sent events (the pattern of the runs table's stream):
 *
 * | Path | Query | Events |
 * |---|---|---|
 * | GET /api/v1/jobs/events | state, max_results | `jobs` { jobs } (the list's first page) when it changed |
 * | GET /api/v1/jobs/:job_id/events | attempt, rank, stream (optional) | `job` { job } when its state, attempts, restarts, ranks or events changed; `log` { text, skipped, reset } of that rank's live log: its last 64 KB first, then what is appended |
 *
 * Under --auth the same rules as the jobs' JSON routes: a job's stream needs READ on it; the list
 * keeps only the jobs the caller may read.
 */
import { InvalidParameter } from '../core/errors.js';
import { changes, eventStreamRoutes, type EventStreamRoute } from '../core/event-stream.js';
import type { JobsService } from './jobs-service.js';
import type { JobLiveLogs } from './live-logs.js';
import { JOB_STATES, type JobState } from './recorder.js';

const intParam = (v: string | undefined, name: string, max: number): number | undefined => {
  if (v === undefined || v === '') return undefined;
  if (!/^\d+$/.test(v) || Number(v) > max) throw new InvalidParameter(`Invalid value for parameter '${name}': expected an integer from 0 to ${max}.`);
  return Number(v);
};

export function jobEventRoutes(jobs: JobsService, liveLogs: JobLiveLogs) {
  const routes: EventStreamRoute[] = [
    {
      path: '/api/v1/jobs/events',
      auth: { anyUser: true },
      tickMs: 1000,
      open: async (_p, q, readable) => {
        const state = q.state || undefined;
        if (state && !JOB_STATES.includes(state as JobState)) throw new InvalidParameter(`Invalid value for parameter 'state': use one of ${JOB_STATES.join(', ')}.`);
        const maxResults = intParam(q.max_results, 'max_results', 1000) ?? 200;
        const changed = changes();
        return async (send) => {
          const page = await jobs.list({ maxResults, ...(state ? { state: state as JobState } : {}) });
          const can = readable ? await readable('job', page.jobs.map((j) => j.job_id)) : undefined;
          changed(send, 'jobs', can ? { ...page, jobs: page.jobs.filter((j) => can.has(j.job_id)) } : page);
        };
      },
    },
    {
      path: '/api/v1/jobs/:job_id/events',
      auth: { resource: 'job', level: 'READ' },
      open: async (p, q) => {
        const id = p.job_id!;
        await jobs.get(id); // a 404 before the stream opens
        const attempt = intParam(q.attempt, 'attempt', 1_000_000);
        const rank = intParam(q.rank, 'rank', 100_000);
        const stream = q.stream || 'stderr';
        if (stream !== 'stdout' && stream !== 'stderr') throw new InvalidParameter(`Invalid value for parameter 'stream': expected stdout or stderr.`);
        if ((attempt === undefined) !== (rank === undefined)) throw new InvalidParameter(`Give both 'attempt' and 'rank' to follow a rank's log, or neither.`);
        const changed = changes();
        let offset: number | undefined;
        return async (send) => {
          changed(send, 'job', { job: await jobs.get(id) });
          if (attempt === undefined || rank === undefined) return;
          const chunk = liveLogs.read(id, attempt, rank, stream, offset);
          if (chunk.text || chunk.reset || offset === undefined) send('log', { text: chunk.text, skipped: chunk.skipped, reset: chunk.reset || offset === undefined });
          offset = chunk.next;
        };
      },
    },
  ];
  return eventStreamRoutes(routes);
}
