import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { InvalidParameter } from '../core/errors.js';
import type { Fields } from '../core/request-fields.js';
import { MLFLOW_PREFIXES, type JsonRoute, type RequestContext } from '../core/route.js';

/**
 * The request body as fields, by MLflow's rules (reference §2) with one difference: malformed
 * JSON is a 400 naming the problem, where MLflow silently treats it as an empty body. A JSON
 * string holding JSON (double-encoded) is decoded again, as MLflow does.
 */
export function bodyFields(body: unknown): Fields {
  if (body === undefined || body === null) return {};
  let value: unknown = body;
  if (Buffer.isBuffer(body)) {
    if (!body.length) return {};
    try {
      value = JSON.parse(body.toString('utf8'));
    } catch (e) {
      throw new InvalidParameter(`Malformed JSON request body: ${(e as Error).message}`);
    }
  }
  if (typeof value === 'string') {
    try {
      value = JSON.parse(value);
    } catch {
      throw new InvalidParameter('Malformed JSON request body: expected a JSON object.');
    }
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new InvalidParameter('Malformed JSON request body: expected a JSON object.');
  return value as Fields;
}

export function fieldsOf(req: FastifyRequest): Fields {
  const params = (req.params ?? {}) as Fields;
  if (req.method === 'GET') return { ...(req.query as Fields), ...params };
  // Query-string fields also count on other methods (the UI sends some that way); the body wins.
  return { ...(req.query as Fields), ...bodyFields(req.body), ...params };
}

export function contextOf(req: FastifyRequest, authOn = false): RequestContext {
  const baseUrl = `${req.protocol}://${req.host}`;
  // With auth on the acting user is only ever the authenticated one (set by src/auth's hook).
  if (authOn) {
    const user = (req as FastifyRequest & { user?: string }).user;
    return { user, authenticated: user !== undefined, baseUrl };
  }
  // Auth off: X-Trainyard-User names the caller (registry reviews need two people), unverified.
  const header = req.headers['x-trainyard-user'];
  const user = typeof header === 'string' && header.trim() ? header.trim() : undefined;
  return { user, authenticated: false, baseUrl };
}

/** Registers JSON routes; MLflow-scoped ones under both of MLflow's prefixes. */
export function bindJsonRoutes(app: FastifyInstance, routes: JsonRoute[], opts: { authOn?: boolean } = {}): void {
  for (const route of routes) {
    const paths =
      route.scope === 'mlflow' ? MLFLOW_PREFIXES.map((p) => p + route.path) : route.scope === 'ajax' ? [MLFLOW_PREFIXES[1] + route.path] : [route.path];
    for (const url of paths) {
      app.route({
        method: route.methods,
        url,
        config: { auth: route.auth },
        handler: async (req: FastifyRequest, reply: FastifyReply) => {
          // A client that hangs up before its answer (a killed agent in a long poll) aborts the handler's wait.
          const gone = new AbortController();
          reply.raw.once('close', () => {
            if (!reply.raw.writableFinished) gone.abort('client went away');
          });
          const result = await route.handler(fieldsOf(req), { ...contextOf(req, opts.authOn), signal: gone.signal });
          if (typeof result === 'string') return reply.type('text/plain; charset=utf-8').send(result);
          return reply.send(result);
        },
      });
    }
  }
}
