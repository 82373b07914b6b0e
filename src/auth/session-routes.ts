import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError, InvalidParameter } from '../core/errors.js';
import type { AuthStore } from './auth-store.js';
import type { AuthedRequest } from './auth-hook.js';
import { sessionCookie } from './cookies.js';
import type { SessionStore } from './sessions.js';
import { SignInFailures } from './sign-in-failures.js';

const LOGIN_BODY_LIMIT = 64 * 1024;
function credentials(req: FastifyRequest): { username: string; password: string } {
  // JSON only: a cross-site HTML form (text/plain, urlencoded, multipart) cannot sign a browser in.
  const type = String(req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== 'application/json') throw new InvalidParameter(`Sign-in needs a JSON body {"username", "password"} with Content-Type: application/json (got '${type.slice(0, 60) || 'none'}').`);
  const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
  if (raw.length > LOGIN_BODY_LIMIT) throw new InvalidParameter(`Sign-in body over ${LOGIN_BODY_LIMIT} bytes.`);
  let body: unknown;
  try {
    body = JSON.parse(raw.toString('utf8') || '{}');
  } catch {
    throw new InvalidParameter('Malformed JSON request body: expected {"username": "...", "password": "..."}.');
  }
  const b = (body && typeof body === 'object' && !Array.isArray(body) ? body : {}) as Record<string, unknown>;
  for (const field of ['username', 'password'] as const) {
    if (typeof b[field] !== 'string' || !b[field]) throw new InvalidParameter(`Missing value for required parameter '${field}'.`);
  }
  return { username: b.username as string, password: b.password as string };
}

/**
 * The UI's sign-in: `POST /api/v1/auth/login` checks a password and sets the session cookie;
 * `GET /api/v1/auth/session` names the signed-in user and the session's CSRF token;
 * `POST /api/v1/auth/logout` revokes the session and clears the cookie.
 */
export function sessionRoutes(store: AuthStore, sessions: SessionStore, opts: { secureCookies?: boolean } = {}) {
  const secure = (req: FastifyRequest) => Boolean(opts.secureCookies) || req.protocol === 'https' || req.headers['x-forwarded-proto'] === 'https';
  const userJson = (u: { username: string; is_admin: boolean }) => ({ username: u.username, is_admin: u.is_admin });
  const failures = new SignInFailures(store.db);
  return async (scope: FastifyInstance) => {
    scope.post('/api/v1/auth/login', { config: { auth: { public: true } } }, async (req, reply: FastifyReply) => {
      const { username, password } = credentials(req);
      const wait = await failures.blockedFor(username);
      if (wait > 0) {
        return reply.status(429).header('retry-after', String(Math.ceil(wait / 1000))).send({ error_code: 'RESOURCE_EXHAUSTED', message: `Too many failed sign-ins for '${username.slice(0, 100)}': try again in ${Math.ceil(wait / 1000)} s.` });
      }
      const user = await store.checkPassword(username, password);
      if (!user) {
        await failures.fail(username);
        throw new AppError('UNAUTHENTICATED', 'Wrong username or password.');
      }
      await failures.succeed(username);
      const { secret, session } = await sessions.create(user);
      reply.header('set-cookie', sessionCookie(secret, { maxAgeS: (session.expiresAt - Date.now()) / 1000, secure: secure(req) }));
      reply.header('cache-control', 'no-store');
      return reply.send({ user: userJson(user), csrf_token: session.csrfToken, expires_at: session.expiresAt });
    });
    scope.get('/api/v1/auth/session', { config: { auth: { anyUser: true } } }, async (req, reply) => {
      const r = req as AuthedRequest;
      reply.header('cache-control', 'no-store');
      return reply.send({ user: r.authUser ? userJson(r.authUser) : null, ...(r.session ? { csrf_token: r.session.csrfToken, expires_at: r.session.expiresAt } : {}) });
    });
    scope.post('/api/v1/auth/logout', { config: { auth: { anyUser: true } } }, async (req, reply) => {
      const r = req as AuthedRequest;
      if (r.session) await sessions.revoke(r.session.id);
      reply.header('set-cookie', sessionCookie('', { maxAgeS: 0, secure: secure(req) }));
      return reply.send({});
    });
  };
}
