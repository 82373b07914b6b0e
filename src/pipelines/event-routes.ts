/**
 * @module Live pipeline pages over server-sent events (the pattern of the runs table's stream):
 *
 * | Path | Query | Events |
 * |---|---|---|
 * | GET /api/v1/pipelines/runs/events | pipeline, max_results | `runs` { runs } (the list's first page) when it changed |
 * | GET /api/v1/pipelines/runs/:run/events | step, item (optional) | `run` { run, steps } when a state, attempt or cache hit changed; `log` { step, text, skipped, reset } with the step's log: its last 64 KB first, then what is appended |
 *
 * One read per tick per open page, whatever the number of runs; the browser never polls.
 * Under --auth the same rules as the JSON routes: a run's stream needs READ on it; the list keeps
 * only the runs the caller may read.
 */
import { InvalidParameter } from '../core/errors.js';
import { changes, eventStreamRoutes, type EventStreamRoute, type Send } from '../core/event-stream.js';
import type { StepEvent } from './scheduler/scheduler.js';
import type { PipelinesService } from './service.js';

const intParam = (v: string | undefined, name: string, max: number): number | undefined => {
  if (v === undefined || v === '') return undefined;
  if (!/^\d+$/.test(v) || Number(v) > max) throw new InvalidParameter(`Invalid value for parameter '${name}': expected an integer from 0 to ${max}.`);
  return Number(v);
};

export function pipelineEventRoutes(svc: PipelinesService) {
  // Each open run page listens to the scheduler; many pages are not a leak.
  svc.scheduler.setMaxListeners(Math.max(svc.scheduler.getMaxListeners(), 1000));
  const routes: EventStreamRoute[] = [
    {
      path: '/api/v1/pipelines/runs/events',
      auth: { anyUser: true },
      open: async (_p, q, readable) => {
        const maxResults = intParam(q.max_results, 'max_results', 1000) ?? 100;
        const pipeline = q.pipeline || undefined;
        const changed = changes();
        return async (send) => {
          const { runs } = await svc.list({ maxResults, ...(pipeline ? { pipeline } : {}) });
          const can = readable ? await readable('pipeline_run', runs.map((r) => r.run_id)) : undefined;
          changed(send, 'runs', { runs: can ? runs.filter((r) => can.has(r.run_id)) : runs });
        };
      },
    },
    {
      path: '/api/v1/pipelines/runs/:run/events',
      auth: { resource: 'pipeline_run', level: 'READ' },
      open: async (p, q) => {
        const id = p.run!;
        await svc.run(id); // a 404 before the stream opens
        const step = q.step || undefined;
        const item = intParam(q.item, 'item', 1_000_000);
        if (step) await svc.logChunk(id, step, item, 0, 0); // an unknown step is a 400 now, not an event later
        const changed = changes();
        let offset: number | undefined;
        const tick = async (send: Send) => {
          changed(send, 'run', await svc.run(id));
          if (!step) return;
          const chunk = await svc.logChunk(id, step, item, offset);
          if (chunk.text || chunk.reset || offset === undefined) send('log', { step, text: chunk.text, skipped: chunk.skipped, reset: chunk.reset || offset === undefined });
          offset = chunk.next;
        };
        // This server's scheduler says when one of the run's steps moves; the tick catches the rest.
        const wake = (poke: () => void) => {
          const onStep = (e: StepEvent) => e.runId === id && poke();
          const onRun = (r: { id: string }) => r.id === id && poke();
          svc.scheduler.on('step', onStep);
          svc.scheduler.on('run', onRun);
          return () => {
            svc.scheduler.off('step', onStep);
            svc.scheduler.off('run', onRun);
          };
        };
        return { tick, wake };
      },
    },
  ];
  return eventStreamRoutes(routes);
}
