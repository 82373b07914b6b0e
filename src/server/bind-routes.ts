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

function fieldsOf(req: FastifyRequest): Fields {
  const params = (req.params ?? {}) as Fields;
  if (req.method === 'GET') return { ...(req.query as Fields), ...params };
  // Query-string fields also count on other methods (the UI sends some that way); the body wins.
  return { ...(req.query as Fields), ...bodyFields(req.body), ...params };
}

export function contextOf(req: FastifyRequest): RequestContext {
  // Until auth lands, X-Trainyard-User names the caller (registry reviews need two people);
  // an authenticated user, once set by auth, takes precedence.
  const header = req.headers['x-trainyard-user'];
  const user = (req as FastifyRequest & { user?: string }).user ?? (typeof header === 'string' && header.trim() ? header.trim() : undefined);
  return { user, baseUrl: `${req.protocol}://${req.host}` };
}

/** Registers JSON routes; MLflow-scoped ones under both of MLflow's prefixes. */
export function bindJsonRoutes(app: FastifyInstance, routes: JsonRoute[]): void {
  for (const route of routes) {
    const paths =
      route.scope === 'mlflow' ? MLFLOW_PREFIXES.map((p) => p + route.path) : route.scope === 'ajax' ? [MLFLOW_PREFIXES[1] + route.path] : [route.path];
    for (const url of paths) {
      app.route({
        method: route.methods,
        url,
        handler: async (req: FastifyRequest, reply: FastifyReply) => {
          const result = await route.handler(fieldsOf(req), contextOf(req));
          if (typeof result === 'string') return reply.type('text/plain; charset=utf-8').send(result);
          return reply.send(result);
        },
      });
    }
  }
}
