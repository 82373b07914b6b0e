import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuthStore } from '../src/auth/index.js';
import { registeredRoutes, type RegisteredRoute } from '../src/server/app.js';
import type { RunningServer } from '../src/server/start-server.js';
import { startAuthServer } from './helpers/auth-server.js';
import { DIALECTS, type TestDatabase } from './helpers/databases.js';

/**
 * Every route the server registers (JSON routes and plugin routes, including ones other
 * branches add later) answers 401 without credentials and 403 to a signed-in user without the
 * permission. A route that declares no rule is admin-only, so it passes; a route reachable
 * without auth fails here. /health and /version are the only exceptions.
 */
const EXEMPT = new Set(['/health', '/version']);
/**
 * The only routes open without credentials, with what the probe gets: sign-in (400: the probe
 * sends no username/password) and the UI's static files. A new public route must be listed here.
 */
const PUBLIC_ROUTES = new Map([['POST /api/v1/auth/login', 400], ['GET /*', 200], ['GET /', 200]]);
/** Routes whose rule is "any signed-in user": they must still refuse anonymous callers. */
const basic = (u: string, p: string) => `Basic ${Buffer.from(`${u}:${p}`).toString('base64')}`;

const FIELDS = { experiment_id: '1', experiment_ids: ['1'], run_id: 'r', name: 'm', version: '1', study: 's', key: 'k', value: 'v', path: 'p' };

function concrete(url: string): string {
  return url.replace(/:[A-Za-z_]+/g, 'x').replace(/\*$/, 'a/b');
}

async function call(base: string, method: string, url: string, auth?: string) {
  const headers: Record<string, string> = {};
  if (auth) headers.authorization = auth;
  let target = base + concrete(url);
  const init: RequestInit = { method, headers };
  if (method === 'GET' || method === 'DELETE') {
    const qs = new URLSearchParams();
    for (const [k, v] of Object.entries(FIELDS)) for (const x of [v].flat()) qs.append(k, x);
    target += `?${qs}`;
  }
  if (method !== 'GET') {
    headers['content-type'] = 'application/json';
    init.body = JSON.stringify(FIELDS);
  }
  const res = await fetch(target, init);
  const text = await res.text();
  return { status: res.status, text };
}

describe.each(DIALECTS)('auth route coverage (%s)', (dialect) => {
  let db: TestDatabase;
  let server: RunningServer;
  beforeAll(async () => {
    ({ db, server } = await startAuthServer(dialect, { defaultPermission: 'NO_PERMISSIONS' }));
    await new AuthStore(server.db).createUser('bob', 'bob-password-1');
  });
  afterAll(async () => {
    await server?.close();
    await db?.drop();
  });

  it('enumerates the routes of every domain, plugins included', () => {
    const urls = registeredRoutes(server.app).map((r) => r.url);
    expect(urls).toContain('/api/2.0/mlflow/runs/create');
    expect(urls).toContain('/api/2.0/mlflow-artifacts/artifacts/*');
    expect(urls).toContain('/get-artifact');
    expect(urls).toContain('/api/v1/agents/:agent/claim');
    expect(urls.length).toBeGreaterThan(100);
  });

  it('answers 401 without credentials on every route but health and version', async () => {
    const open: string[] = [];
    for (const r of registeredRoutes(server.app)) {
      if (EXEMPT.has(r.url)) continue;
      const res = await call(server.url, r.method, r.url);
      const expected = PUBLIC_ROUTES.get(`${r.method} ${r.url}`);
      if (expected !== undefined) {
        expect(`${r.method} ${r.url} -> ${res.status}`).toBe(`${r.method} ${r.url} -> ${expected}`);
        continue;
      }
      if (res.status !== 401) open.push(`${r.method} ${r.url} -> ${res.status}`);
      else expect(JSON.parse(res.text).error_code).toBe('UNAUTHENTICATED');
    }
    expect(open).toEqual([]);
  });

  it('answers 401 to a wrong password and to an unknown token', async () => {
    expect((await call(server.url, 'POST', '/api/2.0/mlflow/experiments/create', basic('bob', 'wrong-password'))).status).toBe(401);
    expect((await call(server.url, 'POST', '/api/2.0/mlflow/experiments/create', 'Bearer ty_nope')).status).toBe(401);
  });

  it('answers 403 to a user without the permission on every route that needs one', async () => {
    const store = new AuthStore(server.db);
    const bob = (await store.user('bob'))!;
    const { token } = await store.createToken(bob.id, 'coverage');
    const wrong: string[] = [];
    // Routes that need a permission first: an any-user route (create) would grant bob MANAGE on what it makes.
    const routes = registeredRoutes(server.app).filter((r) => !EXEMPT.has(r.url));
    const anyUser = (r: RegisteredRoute) => ['anyUser', 'public'].includes(ruleOf(r));
    for (const r of [...routes.filter((x) => !anyUser(x)), ...routes.filter(anyUser)]) {
      const rule = ruleOf(r);
      const res = await call(server.url, r.method, r.url, `Bearer ${token}`);
      if (rule === 'anyUser' || rule === 'public') {
        if (res.status === 401 || res.status === 403) wrong.push(`${r.method} ${r.url} (any user) -> ${res.status}`);
      } else if (res.status !== 403) wrong.push(`${r.method} ${r.url} -> ${res.status} ${res.text.slice(0, 80)}`);
    }
    expect(wrong).toEqual([]);
  });

  it('lets an admin through by Basic', async () => {
    const res = await call(server.url, 'POST', '/api/2.0/mlflow/experiments/search', basic('root', 'root-password-1'));
    expect(res.status).toBe(200);
  });
});

/** The kind of rule a registered route declares. */
function ruleOf(r: RegisteredRoute): string {
  const auth = r.auth as Record<string, unknown> | undefined;
  if (!auth) return 'none';
  if ('anyUser' in auth) return 'anyUser';
  if ('public' in auth) return 'public';
  if ('admin' in auth) return 'admin';
  return 'resource';
}
