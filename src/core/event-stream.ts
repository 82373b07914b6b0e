/**
 * @module Server-sent events for a live page: one connection per page, one cheap read per tick
 * on the server, an event only when something changed. The pattern of the runs table's stream
 * (src/tracking/run-events.ts), written once for the pipelines and jobs streams.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { RouteAuth } from './route.js';

export type Send = (event: string, data: unknown) => void;

/** Called every tick; `send` writes an event. Returning a promise is fine: ticks never overlap. */
export type Tick = (send: Send) => Promise<void>;

/** Auth on, caller not an admin: which of these resources the caller may read (the JSON routes' `ctx.readable`). */
export type Readable = (kind: string, ids: string[]) => Promise<Set<string>>;

export interface EventStreamRoute {
  path: string;
  auth: RouteAuth;
  /** Validates the request (throws a 4xx before any byte is sent) and returns the tick. */
  open: (params: Record<string, string>, query: Record<string, string | undefined>, readable?: Readable) => Promise<Tick | { tick: Tick; wake: (poke: () => void) => () => void }>;
  tickMs?: number;
}

/** Registers GET routes that answer `text/event-stream`. Open streams end when the server closes. */
export function eventStreamRoutes(routes: EventStreamRoute[]) {
  return async (scope: FastifyInstance) => {
    const open = new Set<() => void>();
    scope.addHook('onClose', async () => {
      for (const end of open) end();
    });
    for (const r of routes) {
      scope.get(r.path, { config: { auth: r.auth } }, async (req: FastifyRequest, reply: FastifyReply) => {
        const opened = await r.open(req.params as Record<string, string>, (req.query ?? {}) as Record<string, string | undefined>, (req as FastifyRequest & { readable?: Readable }).readable);
        // `wake` subscribes to the domain's in-process changes: a tick runs at once instead of at
        // the next interval. The interval stays for changes other processes write to the store.
        const tick = typeof opened === 'function' ? opened : opened.tick;
        reply.hijack();
        const res = reply.raw;
        res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive', 'x-accel-buffering': 'no' });
        res.write(': connected\n\n');
        let closed = false;
        let busy = false;
        let quiet = 0;
        const send: Send = (event, data) => {
          if (!closed) res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
          quiet = 0;
        };
        const run = async () => {
          if (closed || busy) return;
          busy = true;
          try {
            await tick(send);
            // A comment now and then keeps proxies from closing an idle stream.
            if (++quiet >= 15 && !closed) (res.write(': keep-alive\n\n'), (quiet = 0));
          } catch (e) {
            send('error', { message: (e as Error).message });
          } finally {
            busy = false;
          }
          if (again) {
            again = false;
            void run();
          }
        };
        const timer = setInterval(() => void run(), r.tickMs ?? 500);
        let again = false;
        const poke = () => {
          if (busy) again = true;
          else void run();
        };
        const unsubscribe = typeof opened === 'function' ? undefined : opened.wake(poke);
        void run();
        const end = () => {
          if (closed) return;
          closed = true;
          unsubscribe?.();
          clearInterval(timer);
          open.delete(end);
          res.end();
        };
        open.add(end);
        req.raw.on('close', end);
      });
    }
  };
}

/** A tick helper: sends `event` with `value` only when its JSON differs from the last one sent. */
export function changes(): (send: Send, event: string, value: unknown) => void {
  let last = '';
  return (send, event, value) => {
    const text = JSON.stringify(value);
    if (text === last) return;
    last = text;
    send(event, value);
  };
}
