import Fastify, { type FastifyInstance } from 'fastify';
import { isAppError } from '../core/errors.js';
import type { JsonRoute } from '../core/route.js';
import { VERSION } from '../core/version.js';
import { installAuth, type AuthOptions } from '../auth/index.js';
import { installHttpAudit } from '../audit/index.js';
import type { Database } from '../store/index.js';
import { randomUUID } from 'node:crypto';
import { bindJsonRoutes, contextOf, fieldsOf } from './bind-routes.js';

export interface AppParts {
  /** JSON routes of every domain. */
  routes: JsonRoute[];
  /** Extra plugins (artifact streaming, UI) that need raw request/response access. */
  plugins?: ((app: FastifyInstance) => Promise<void> | void)[];
  logger?: boolean;
  /** Authentication and permissions (`trainyard server --auth`); absent = auth off. */
  auth?: AuthOptions;
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
    routerOptions: { ignoreTrailingSlash: true },
    // Every request has an id (the client's X-Request-Id when it is a sane token), echoed back and kept in the audit log.
    requestIdHeader: false,
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && /^[\w.:-]{1,128}$/.test(given) ? given : randomUUID();
    },
  });
  app.addHook('onRequest', async (req, reply) => {
    reply.header('x-request-id', req.id);
  });

  // Bodies arrive as raw buffers whatever their Content-Type (curl's -d sends form encoding);
  // bind-routes parses them so malformed JSON gets MLflow's error format.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: JSON_BODY_LIMIT }, (_req, body, done) => done(null, body));

  app.setErrorHandler((err, req, reply) => {
    if (isAppError(err)) return reply.status(err.status).send({ error_code: err.code, message: err.message });
    const fe = err as { statusCode?: number; code?: string; message: string };
    if (fe.statusCode && fe.statusCode >= 400 && fe.statusCode < 500) {
      const code = fe.statusCode === 413 ? 'INVALID_PARAMETER_VALUE' : fe.statusCode === 404 ? 'ENDPOINT_NOT_FOUND' : 'BAD_REQUEST';
      return reply.status(fe.statusCode === 413 ? 400 : fe.statusCode).send({ error_code: code, message: fe.message });
    }
    // Never leak SQL or stack traces to clients (MLflow does, reference §7 #5); log them here.
    req.log.error(err);
    if (!parts.logger) console.error(`[trainyard] ${req.method} ${req.url}:`, err);
    return reply.status(500).send({ error_code: 'INTERNAL_ERROR', message: 'Internal error; the server log has the details.' });
  });

  app.setNotFoundHandler((req, reply) => {
    reply.status(404).send({ error_code: 'ENDPOINT_NOT_FOUND', message: `No endpoint ${req.method} ${req.url.split('?')[0]}` });
  });

  const registered: RegisteredRoute[] = [];
  (app as unknown as Record<symbol, RegisteredRoute[]>)[ROUTES] = registered;
  app.addHook('onRoute', (r) => {
    for (const method of [r.method].flat()) if (method !== 'HEAD') registered.push({ method, url: r.url, auth: (r.config as { auth?: JsonRoute['auth'] } | undefined)?.auth });
  });
  if (parts.auth) installAuth(app, parts.auth, (req) => {
    try {
      return fieldsOf(req);
    } catch {
      return {};
    }
  });

  if (parts.audit) installHttpAudit(app, { db: parts.audit.db, who: (req) => { const c = contextOf(req, Boolean(parts.auth)); return { user: c.user, verified: Boolean(c.authenticated) }; } });

  app.get('/health', async (_req, reply) => reply.type('text/plain').send('OK'));
  app.get('/version', async (_req, reply) => reply.type('text/plain').send(VERSION));

  bindJsonRoutes(app, parts.routes, { authOn: Boolean(parts.auth) });
  for (const plugin of parts.plugins ?? []) await app.register(async (scope) => plugin(scope));
  return app;
}

/** The routes an app built by buildApp registered. */
export function registeredRoutes(app: FastifyInstance): RegisteredRoute[] {
  return (app as unknown as Record<symbol, RegisteredRoute[]>)[ROUTES] ?? [];
}
