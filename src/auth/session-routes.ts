import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError, InvalidParameter } from '../core/errors.js';
import type { AuthStore } from './auth-store.js';
import type { AuthedRequest } from './auth-hook.js';
import { sessionCookie } from './cookies.js';
import type { SessionStore } from './sessions.js';

const LOGIN_BODY_LIMIT = 64 * 1024;
/** Failed sign-ins allowed per username per window before it is refused for the rest of the window. */
const MAX_FAILURES = 10;
const FAILURE_WINDOW_MS = 5 * 60_000;

/**
 * Slows password guessing from the sign-in page: after MAX_FAILURES wrong passwords for one
 * username within the window, sign-in for it answers 429 until the window ends. In memory, per
 * server process: the scrypt cost already bounds the rate, this bounds the total.
 */
class FailedSignIns {
  private readonly byUser = new Map<string, { count: number; since: number }>();
  blockedFor(username: string, now = Date.now()): number {
    const f = this.byUser.get(username);
    if (!f || now - f.since > FAILURE_WINDOW_MS) return 0;
    return f.count >= MAX_FAILURES ? f.since + FAILURE_WINDOW_MS - now : 0;
  }
  fail(username: string, now = Date.now()): void {
    const f = this.byUser.get(username);
    if (!f || now - f.since > FAILURE_WINDOW_MS) this.byUser.set(username, { count: 1, since: now });
    else f.count += 1;
    if (this.byUser.size > 10_000) this.byUser.delete(this.byUser.keys().next().value!);
  }
  succeed(username: string): void {
    this.byUser.delete(username);
  }
}

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
  const failures = new FailedSignIns();
  return async (scope: FastifyInstance) => {
    scope.post('/api/v1/auth/login', { config: { auth: { public: true } } }, async (req, reply: FastifyReply) => {
      const { username, password } = credentials(req);
      const wait = failures.blockedFor(username);
      if (wait > 0) {
        return reply.status(429).header('retry-after', String(Math.ceil(wait / 1000))).send({ error_code: 'RESOURCE_EXHAUSTED', message: `Too many failed sign-ins for '${username.slice(0, 100)}': try again in ${Math.ceil(wait / 1000)} s.` });
      }
      const user = await store.checkPassword(username, password);
      if (!user) {
        failures.fail(username);
        throw new AppError('UNAUTHENTICATED', 'Wrong username or password.');
      }
      failures.succeed(username);
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
