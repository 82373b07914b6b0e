import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuthStore } from '../src/auth/index.js';
import { loadPipelineFile } from '../src/pipelines/index.js';
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

const FIELDS = { experiment_id: '1', experiment_ids: ['1'], run_id: 'r', name: 'm', version: '1', study: 's', key: 'k', value: 'v', path: 'p', resource: 'study:x' };

/**
 * Trainyard's own domains: each of their routes must declare a rule (none = admins only would
 * shut every other user out), and is probed on resources that exist (study `x`, job `x`, a real
 * pipeline run and schedule), so a 403 is the permission's answer and not a missing resource's.
 */
const NATIVE = /^\/api\/v1\/(studies|pipelines|jobs|rendezvous|permissions)(\/|$)/;
const ids: Record<string, string> = {};

function concrete(url: string): string {
  return url.replace(/:([A-Za-z_]+)/g, (_, name: string) => ids[name] ?? 'x').replace(/\*$/, 'a/b');
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
  const ac = new AbortController();
  const res = await fetch(target, { ...init, signal: ac.signal });
  // A live stream that opened (200, text/event-stream) never ends: its status is the answer.
  if (res.headers.get('content-type')?.startsWith('text/event-stream')) {
    ac.abort();
    return { status: res.status, text: '' };
  }
  const text = await res.text();
  return { status: res.status, text };
}

describe.each(DIALECTS)('auth route coverage (%s)', (dialect) => {
  let db: TestDatabase;
  let server: RunningServer;
  beforeAll(async () => {
    const env = await startAuthServer(dialect, { defaultPermission: 'NO_PERMISSIONS' });
    ({ db, server } = env);
    await env.store.createUser('bob', 'bob-password-1');
    // The resources the native routes are probed on, made by the admin (bob has nothing on them).
    const made = async (method: string, path: string, body: Record<string, unknown>) => {
      const res = await env.call(env.admin, method, path, body);
      expect(res.status, `${path}: ${JSON.stringify(res.body).slice(0, 200)}`).toBe(200);
      return res.body;
    };
    await made('POST', '/api/v1/studies', { name: 'x' });
    await made('POST', '/api/v1/jobs', { job_id: 'x', spec: { command: ['t.py'] }, supervisor: { nonce: 'n', pid: process.pid, host: 'h' } });
    const dir = mkdtempSync(join(tmpdir(), 'ty-coverage-'));
    const file = join(dir, 'covered.yaml');
    writeFileSync(file, 'name: covered\nsteps:\n  wait:\n    command: sleep 30\n');
    ids.run = (await made('POST', '/api/v1/pipelines/runs', { spec: (await loadPipelineFile(file)).spec, executor: 'local' })).run.run_id;
    ids.schedule = (await made('POST', '/api/v1/pipelines/schedules', { file, cron: '0 3 * * *' })).schedule.schedule_id;
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
    const anyUser = (r: RegisteredRoute) => ['anyUser', 'public', 'orCreate'].includes(ruleOf(r));
    for (const r of [...routes.filter((x) => !anyUser(x)), ...routes.filter(anyUser)]) {
      let rule = ruleOf(r);
      // Joining an existing job's rendezvous (job `x` exists) needs EDIT; creating a new study or job does not.
      if (rule === 'orCreate') rule = /:job_id|:study/.test(r.url) ? 'resource' : 'anyUser';
      const res = await call(server.url, r.method, r.url, `Bearer ${token}`);
      if (rule === 'anyUser' || rule === 'public') {
        if (res.status === 401 || res.status === 403) wrong.push(`${r.method} ${r.url} (any user) -> ${res.status}`);
      } else if (res.status !== 403) wrong.push(`${r.method} ${r.url} -> ${res.status} ${res.text.slice(0, 80)}`);
    }
    expect(wrong).toEqual([]);
  });

  it('gives every studies / pipelines / jobs / rendezvous route its own rule, checked per resource', async () => {
    const native = registeredRoutes(server.app).filter((r) => NATIVE.test(r.url));
    expect(native.length).toBeGreaterThan(35);
    // No route of these domains is left admin-only by omission.
    expect(native.filter((r) => ruleOf(r) === 'none' || ruleOf(r) === 'admin').map((r) => `${r.method} ${r.url}`)).toEqual([]);
    // A user granted MANAGE on each probed resource is let through every route (4xx from the
    // handler at most); one without a grant is refused on every route naming a resource.
    const store = new AuthStore(server.db);
    const carol = await store.createUser('carol', 'carol-password-1');
    const { token } = await store.createToken(carol.id, 'coverage');
    for (const [kind, id] of [['study', 'x'], ['study', FIELDS.name], ['job', 'x'], ['pipeline_run', ids.run!], ['pipeline_schedule', ids.schedule!], ['compute', 'server']] as const) await store.grant(kind, id, carol.id, 'MANAGE');
    const refused: string[] = [];
    // Deletes last: they remove what the other routes are probed on.
    const ordered = [...native.filter((r) => r.method !== 'DELETE'), ...native.filter((r) => r.method === 'DELETE')];
    for (const r of ordered) {
      const res = await call(server.url, r.method, r.url, `Bearer ${token}`);
      if (res.status === 401 || res.status === 403 || res.status >= 500) refused.push(`${r.method} ${r.url} -> ${res.status} ${res.text.slice(0, 120)}`);
    }
    expect(refused).toEqual([]);
  });

  it('asks for the compute grant on exactly the routes that start commands on the executors or agents', () => {
    const compute = registeredRoutes(server.app).filter((r) => (r.auth as { compute?: boolean } | undefined)?.compute).map((r) => `${r.method} ${r.url}`).sort();
    expect(compute).toEqual(['POST /api/v1/pipelines/runs', 'POST /api/v1/pipelines/runs/:run/resume', 'POST /api/v1/pipelines/schedules', 'POST /api/v1/rendezvous/:job_id/place']);
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
  // Starting commands needs the compute grant on top of the rule: refused to a user without it.
  if (auth.compute) return 'resource';
  if ('anyUser' in auth) return 'anyUser';
  if ('public' in auth) return 'public';
  if ('admin' in auth) return 'admin';
  // Open to any user for a resource that does not exist yet; else a resource rule.
  if ('orCreate' in auth && auth.orCreate) return 'orCreate';
  return 'resource';
}
