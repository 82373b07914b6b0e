import Fastify, { type FastifyInstance, type FastifyReply } from 'fastify';
import { InvalidParameter, isAppError } from '../core/errors.js';
import type { JsonRoute } from '../core/route.js';
import { VERSION } from '../core/version.js';
import { installAuth, type AuthOptions } from '../auth/index.js';
import { actingUser, bindJsonRoutes, fieldsOf } from './bind-routes.js';
import { installRequestGuards, type RequestGuardOptions } from './request-guards.js';
import { installHttpAudit } from '../audit/index.js';
import type { Database } from '../store/index.js';
import { randomUUID } from 'node:crypto';

export interface AppParts {
  /** JSON routes of every domain. */
  routes: JsonRoute[];
  /** Extra plugins (artifact streaming, UI) that need raw request/response access. */
  plugins?: ((app: FastifyInstance) => Promise<void> | void)[];
  logger?: boolean;
  /** Authentication and permissions (`trainyard server --auth`); absent = auth off. */
  auth?: AuthOptions;
  /** Host allow-list, CORS origins, cross-site form refusal (the server always installs them). */
  guards?: RequestGuardOptions;
  /** The store every write's audit record goes to (src/audit); absent = no audit log. */
  audit?: { db: Database };
}

/** One registered route, as the auth coverage test enumerates them. */
export interface RegisteredRoute {
  method: string;
  url: string;
  /** The rule the route declared (absent: admins only when auth is on). */
  auth?: JsonRoute['auth'];
}

/** Every route the app registered (JSON routes and plugin routes alike), filled by an onRoute hook. */
export const ROUTES = Symbol('trainyard.routes');

/** Large enough for a dataset profile (16 MB, reference §4) inside a log-inputs body. */
const JSON_BODY_LIMIT = 32 * 1024 * 1024;

/**
 * Assembles the HTTP app from the domains' routes. Holds no business rules: request parsing,
 * MLflow's error format and the health/version endpoints only.
 */
export async function buildApp(parts: AppParts): Promise<FastifyInstance> {
  const app = Fastify({
    logger: parts.logger ?? false,
    bodyLimit: JSON_BODY_LIMIT,
    // A path parameter (an id, a name) longer than this is a 414 in MLflow's error format.
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 1000 },
    // Router-level refusals (an over-long parameter, a malformed URL) in MLflow's error format.
    frameworkErrors: (err, _req, reply: FastifyReply) => {
      const status = (err as { statusCode?: number }).statusCode ?? 400;
      const message = status === 414 ? `Request URI too long: a path parameter is over 1000 characters.` : `Malformed request URL.`;
      reply.status(status).send({ error_code: status === 414 ? 'INVALID_PARAMETER_VALUE' : 'BAD_REQUEST', message });
    },
    // Errors Node's HTTP parser raises before Fastify sees a request (headers or URL too large).
    clientErrorHandler: (err, socket) => {
      if ((err as NodeJS.ErrnoException).code === 'ECONNRESET' || socket.destroyed || !socket.writable) return socket.destroy();
      const code = (err as NodeJS.ErrnoException).code;
      const [status, message] = code === 'HPE_HEADER_OVERFLOW' ? [431, 'Request headers (or the URL) are too large: at most 16 KB.']
        : code === 'ERR_HTTP_REQUEST_TIMEOUT' ? [408, 'Request timed out.'] : [400, 'Malformed HTTP request.'];
      const body = JSON.stringify({ error_code: status === 431 ? 'INVALID_PARAMETER_VALUE' : 'BAD_REQUEST', message });
      socket.end(`HTTP/1.1 ${status} ${status === 431 ? 'Request Header Fields Too Large' : status === 408 ? 'Request Timeout' : 'Bad Request'}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
    },
    // Every request has an id (the client's X-Request-Id when it is a sane token), echoed back and kept in the audit log.
    requestIdHeader: false,
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && /^[\w.:-]{1,128}$/.test(given) ? given : randomUUID();
    },
  });
  // Hooks on every request are callback-style, not async: an async hook costs a promise and a
  // microtask turn per request, and with AsyncLocalStorage on (src/audit) every promise pays its hooks.
  app.addHook('onRequest', (req, reply, done) => {
    reply.header('x-request-id', req.id);
    done();
  });

  // Bodies arrive as raw buffers whatever their Content-Type (curl's -d sends form encoding);
  // bind-routes parses them so malformed JSON gets MLflow's error format.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: JSON_BODY_LIMIT }, (_req, body, done) => done(null, body));

  app.setErrorHandler((err, req, reply) => {
    if (isAppError(err)) {
      // An error may carry headers of its answer (a 416's Content-Range).
      const headers = (err as { headers?: Record<string, string> }).headers;
      if (headers) reply.headers(headers);
      return reply.status(err.status).send({ error_code: err.code, message: clipMessage(err.message) });
    }
    const fe = err as { statusCode?: number; code?: string; message: string };
    if (fe.statusCode && fe.statusCode >= 400 && fe.statusCode < 500) {
      const code = fe.statusCode === 413 ? 'INVALID_PARAMETER_VALUE' : fe.statusCode === 404 ? 'ENDPOINT_NOT_FOUND' : 'BAD_REQUEST';
      return reply.status(fe.statusCode === 413 ? 400 : fe.statusCode).send({ error_code: code, message: clipMessage(fe.message) });
    }
    // Never leak SQL or stack traces to clients (MLflow does, reference §7 #5); log them here.
    req.log.error(err);
    if (!parts.logger) console.error(`[trainyard] ${req.method} ${req.url}:`, err);
    return reply.status(500).send({ error_code: 'INTERNAL_ERROR', message: 'Internal error; the server log has the details.' });
  });

  // An answer given before the body was read (an over-size upload refused on its Content-Length):
  // the rest of the body is read and dropped, so a client that sends it all before reading the
  // answer (requests, urllib) gets the answer instead of a stalled socket or a broken pipe. Past
  // DRAIN_LIMIT the connection is closed instead.
  app.addHook('onSend', (req, reply, payload, done) => {
    const raw = req.raw;
    if (reply.statusCode >= 400 && !raw.complete && !raw.destroyed) {
      // Fastify closes the connection after a body error; a body we can drain keeps it open instead.
      if (Number(req.headers['content-length'] ?? 0) <= DRAIN_LIMIT) reply.removeHeader('connection');
      let drained = 0;
      raw.on('data', (chunk: Buffer) => {
        drained += chunk.length;
        if (drained > DRAIN_LIMIT) raw.socket?.destroy();
      });
      raw.resume();
    }
    done(null, payload);
  });

  app.setNotFoundHandler((req, reply) => {
    // A known path asked with the wrong method is a 405 naming the methods it has (not a 404).
    const path = req.url.split('?')[0]!;
    // A GET whose path parameter was over the router's limit falls through to the UI's catch-all.
    if (path.split('/').some((segment) => segment.length > 1000)) {
      return reply.status(414).send({ error_code: 'INVALID_PARAMETER_VALUE', message: 'Request URI too long: a path parameter is over 1000 characters.' });
    }
    const allow = ALL_METHODS.filter((method) => {
      const found = method !== req.method && app.findRoute({ method, url: path });
      // The UI's catch-all (GET /*) matches every path; it does not make a path known.
      return found && !(found.params as Record<string, string>)['*']?.startsWith(path.slice(1, 40));
    });
    if (allow.length) {
      return reply.status(405).header('allow', allow.join(', ')).send({ error_code: 'BAD_REQUEST', message: `Method ${req.method} is not allowed on ${clipUrl(path)}: use ${allow.join(' or ')}.` });
    }
    reply.status(404).send({ error_code: 'ENDPOINT_NOT_FOUND', message: `No endpoint ${req.method} ${clipUrl(path)}` });
  });

  const registered: RegisteredRoute[] = [];
  (app as unknown as Record<symbol, RegisteredRoute[]>)[ROUTES] = registered;
  app.addHook('onRoute', (r) => {
    for (const method of [r.method].flat()) if (method !== 'HEAD') registered.push({ method, url: r.url, auth: (r.config as { auth?: JsonRoute['auth'] } | undefined)?.auth });
  });
  if (parts.guards) installRequestGuards(app, parts.guards);
  if (parts.auth) installAuth(app, parts.auth, (req) => {
    try {
      return fieldsOf(req);
    } catch {
      return {};
    }
  });

  if (parts.audit) installHttpAudit(app, { db: parts.audit.db, who: (req) => { const c = actingUser(req, Boolean(parts.auth)); return { user: c.user, verified: c.authenticated }; } });

  app.get('/health', async (_req, reply) => reply.type('text/plain').send('OK'));
  app.get('/version', async (_req, reply) => reply.type('text/plain').send(VERSION));

  bindJsonRoutes(app, parts.routes, { authOn: Boolean(parts.auth) });
  for (const plugin of parts.plugins ?? []) {
    await app.register(async (scope) => {
      // Streaming routes take one value per query key; a repeated key is a 400, not a 500 deep inside.
      scope.addHook('preValidation', async (req) => {
        for (const [key, value] of Object.entries((req.query ?? {}) as Record<string, unknown>)) {
          if (Array.isArray(value)) throw new InvalidParameter(`Query parameter '${key.slice(0, 100)}' is given ${value.length} times: give it once.`);
        }
      });
      return plugin(scope);
    });
  }
  return app;
}

/** Errors echo at most a short prefix of what they were sent (a 1 MB name is not sent back). */
function clipMessage(message: string): string {
  return message.length > 1000 ? `${message.slice(0, 1000)}... (message cut at 1000 of ${message.length} characters)` : message;
}

const DRAIN_LIMIT = 256 * 1024 * 1024;

const ALL_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;

/** A URL for an error message: errors never echo more than a short prefix of the input. */
function clipUrl(path: string): string {
  return path.length > 200 ? `${path.slice(0, 200)}... (${path.length} characters)` : path;
}

/** The routes an app built by buildApp registered. */
export function registeredRoutes(app: FastifyInstance): RegisteredRoute[] {
  return (app as unknown as Record<symbol, RegisteredRoute[]>)[ROUTES] ?? [];
}
