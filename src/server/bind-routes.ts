import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { noteAuditFields, noteAuditResult } from '../audit/index.js';
import { InvalidParameter } from '../core/errors.js';
import { MAX_JSON_DEPTH, valueDepth } from '../core/json-text.js';
import { isMetricsBinary } from '../core/metric-batch-binary.js';
import type { Fields } from '../core/request-fields.js';
import { BINARY_BODY, JsonText, MLFLOW_PREFIXES, type JsonRoute, type RequestContext } from '../core/route.js';

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
    value = parseBody(body.toString('utf8'));
  }
  if (typeof value === 'string') value = parseBody(value);
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new InvalidParameter('Malformed JSON request body: expected a JSON object.');
  return value as Fields;
}

function parseBody(text: string): unknown {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new InvalidParameter(`Malformed JSON request body: ${(e as Error).message.slice(0, 200)}`);
  }
  // A double-encoded body (a JSON string) is checked when its inner text is parsed.
  if (valueDepth(value) > MAX_JSON_DEPTH) throw new InvalidParameter(`Malformed JSON request body: it is nested more than ${MAX_JSON_DEPTH} levels deep.`);
  return value;
}

/** The fields of a request, parsed once (the auth hook reads them before the handler does). */
const FIELDS = Symbol('trainyard.fields');
type ParsedRequest = FastifyRequest & { [FIELDS]?: Fields };

export function fieldsOf(req: FastifyRequest): Fields {
  return ((req as ParsedRequest)[FIELDS] ??= parseFields(req));
}

function parseFields(req: FastifyRequest): Fields {
  const params = (req.params ?? {}) as Fields;
  if (req.method === 'GET') return { ...(req.query as Fields), ...params };
  // A binary metric batch is not JSON: the route that reads it (log-batch) finds the buffer under
  // BINARY_BODY, its other fields (run_id) in the query string.
  if (isMetricsBinary(req.headers['content-type']) && Buffer.isBuffer(req.body)) return { ...(req.query as Fields), ...params, [BINARY_BODY]: req.body };
  // Query-string fields also count on other methods (the UI sends some that way); the body wins.
  // The common case, a JSON body alone (an SDK's write), is the parsed object itself: it is ours.
  const body = bodyFields(req.body);
  if (isEmpty(req.query) && isEmpty(params)) return body;
  return { ...(req.query as Fields), ...body, ...params };
}

function isEmpty(o: unknown): boolean {
  if (!o) return true;
  for (const _ in o as object) return false;
  return true;
}

/** The acting user of a request: with auth on only ever the authenticated one (set by src/auth's hook). */
export function actingUser(req: FastifyRequest, authOn = false): { user?: string; authenticated: boolean } {
  if (authOn) {
    const user = (req as FastifyRequest & { user?: string }).user;
    return { user, authenticated: user !== undefined };
  }
  // Auth off: X-Trainyard-User names the caller (registry reviews need two people), unverified.
  const header = req.headers['x-trainyard-user'];
  const user = typeof header === 'string' && header.trim() ? header.trim() : undefined;
  return { user, authenticated: false };
}

export function contextOf(req: FastifyRequest, authOn = false): RequestContext {
  const baseUrl = `${req.protocol}://${req.host}`;
  const { user, authenticated } = actingUser(req, authOn);
  if (authOn) {
    const r = req as FastifyRequest & { authUser?: { is_admin?: boolean }; readable?: RequestContext['readable'] };
    return { user, authenticated, isAdmin: Boolean(r.authUser?.is_admin), ...(r.readable ? { readable: r.readable } : {}), baseUrl };
  }
  return { user, authenticated, baseUrl };
}

/**
 * Aborts when the client goes away before its answer was sent. Node stops reading a socket while
 * its request is handled, so a client's FIN or reset would go unseen until the answer is written:
 * the socket is read again (its body is complete by now) to notice it. Made on first use, by the
 * routes that can stop early (searches).
 */
function disconnectSignal(req: FastifyRequest, reply: FastifyReply): AbortSignal {
  const ac = new AbortController();
  const gone = () => {
    if (!reply.raw.writableFinished) ac.abort();
  };
  reply.raw.once('close', gone);
  const socket = req.raw.socket;
  if (socket) {
    socket.once('end', gone);
    socket.once('close', gone);
    socket.resume();
    // A kept-alive socket serves many requests (an agent's claims): drop this one's listeners once it is answered.
    reply.raw.once('finish', () => {
      socket.off('end', gone);
      socket.off('close', gone);
    });
  }
  return ac.signal;
}

/**
 * The route's context with `signal` made on first use. A class with the getter on its prototype:
 * defining an accessor on each request's object (as before) cost ~5 µs a request.
 */
class HttpRequestContext implements RequestContext {
  user?: string;
  authenticated?: boolean;
  isAdmin?: boolean;
  readable?: RequestContext['readable'];
  baseUrl: string;
  #signal?: AbortSignal;
  readonly #req: FastifyRequest;
  readonly #reply: FastifyReply;
  constructor(ctx: RequestContext, req: FastifyRequest, reply: FastifyReply) {
    this.user = ctx.user;
    this.authenticated = ctx.authenticated;
    if (ctx.isAdmin !== undefined) this.isAdmin = ctx.isAdmin;
    if (ctx.readable) this.readable = ctx.readable;
    this.baseUrl = ctx.baseUrl;
    this.#req = req;
    this.#reply = reply;
  }
  get signal(): AbortSignal {
    return (this.#signal ??= disconnectSignal(this.#req, this.#reply));
  }
}

function withSignal(ctx: RequestContext, req: FastifyRequest, reply: FastifyReply): RequestContext {
  return new HttpRequestContext(ctx, req, reply);
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
          const fields = fieldsOf(req);
          noteAuditFields(fields);
          const result = await route.handler(fields, withSignal(contextOf(req, opts.authOn), req, reply));
          noteAuditResult(result);
          if (typeof result === 'string') return reply.type('text/plain; charset=utf-8').send(result);
          if (result instanceof JsonText) return reply.type('application/json; charset=utf-8').send(result.text);
          return reply.send(result);
        },
      });
    }
  }
}
