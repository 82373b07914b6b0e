import type { FastifyInstance } from 'fastify';
import { InvalidParameter } from '../core/errors.js';
import type { Tracking } from './index.js';

/** How often one open stream looks for changes: one query per stream, whatever the run count. */
const TICK_MS = 1000;

interface RunState {
  status: string;
  signature: string;
}

/**
 * Server-sent events for a runs table: `GET /api/v1/experiments/:id/runs/events` sends a `run`
 * event `{ run_id, status, end_time?, metrics: [{ key, last, step, min, max }] }` whenever a
 * running run (or one that just stopped running) changes. The browser holds one connection; the
 * server reads only RUNNING runs' summaries, so a 100k-run experiment costs what its live runs do.
 */
export function runEventRoutes(t: Tracking) {
  return async (scope: FastifyInstance) => {
    // Open streams end when the server closes; otherwise app.close() would wait on them forever.
    const open = new Set<() => void>();
    scope.addHook('onClose', async () => {
      for (const end of open) end();
    });
    scope.get('/api/v1/experiments/:experiment_id/runs/events', { config: { auth: { resource: 'experiment', level: 'READ' } as const } }, async (req, reply) => {
      const id = (req.params as { experiment_id: string }).experiment_id;
      if (!/^\d+$/.test(id)) throw new InvalidParameter(`Invalid experiment id '${id}': expected digits.`);
      await t.experiments.get(id);
      reply.hijack();
      const res = reply.raw;
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive', 'x-accel-buffering': 'no' });
      res.write(': connected\n\n');
      const known = new Map<string, RunState>();
      let closed = false;
      let busy = false;
      const tick = async () => {
        if (closed || busy) return;
        busy = true;
        try {
          const watched = [...known.keys()];
          const rows = await t.db.all<{ run_uuid: string; status: string; end_time: number | null }>(
            `SELECT run_uuid, status, end_time FROM runs WHERE experiment_id = ? AND lifecycle_stage = 'active'
             AND (status = 'RUNNING'${watched.length ? ` OR run_uuid IN (${watched.map(() => '?').join(',')})` : ''})`,
            [Number(id), ...watched],
          );
          if (!rows.length) return;
          const ids = rows.map((r) => r.run_uuid);
          const metrics = await t.db.all<{ run_uuid: string; key: string; value: number; is_nan: number; step: number; min_value: number | null; max_value: number | null; count: number }>(
            `SELECT run_uuid, key, value, is_nan, step, min_value, max_value, count FROM latest_metrics WHERE count > 0 AND run_uuid IN (${ids.map(() => '?').join(',')}) ORDER BY key`,
            ids,
          );
          const byRun = new Map<string, { key: string; last: number | null; step: number; min: number | null; max: number | null; count: number }[]>();
          for (const m of metrics) {
            if (!byRun.has(m.run_uuid)) byRun.set(m.run_uuid, []);
            byRun.get(m.run_uuid)!.push({ key: m.key, last: Number(m.is_nan) ? null : Number(m.value), step: Number(m.step), min: m.min_value === null ? null : Number(m.min_value), max: m.max_value === null ? null : Number(m.max_value), count: Number(m.count) });
          }
          for (const r of rows) {
            const ms = byRun.get(r.run_uuid) ?? [];
            const signature = `${r.status}|${ms.map((m) => `${m.key}:${m.count}:${m.step}`).join(',')}`;
            const prev = known.get(r.run_uuid);
            if (prev?.signature === signature) continue;
            const event = { run_id: r.run_uuid, status: r.status, ...(r.end_time !== null ? { end_time: Number(r.end_time) } : {}), metrics: ms };
            res.write(`event: run\ndata: ${JSON.stringify(event)}\n\n`);
            if (r.status === 'RUNNING') known.set(r.run_uuid, { status: r.status, signature });
            else known.delete(r.run_uuid); // sent its final state; stop watching it
          }
        } catch (e) {
          if (!closed) res.write(`event: error\ndata: ${JSON.stringify({ message: (e as Error).message })}\n\n`);
        } finally {
          busy = false;
        }
      };
      const timer = setInterval(() => void tick(), TICK_MS);
      void tick();
      const end = () => {
        closed = true;
        clearInterval(timer);
        open.delete(end);
        res.end();
      };
      open.add(end);
      req.raw.on('close', end);
    });
  };
}
