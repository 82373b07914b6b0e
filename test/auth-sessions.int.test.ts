import { request as httpRequest } from 'node:http';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuthStore } from '../src/auth/index.js';
import { startServer, type RunningServer } from '../src/server/start-server.js';
import { startAuthServer } from './helpers/auth-server.js';
import { createTestDatabase, DIALECTS, type TestDatabase } from './helpers/databases.js';

/**
 * Browser sessions (the UI's sign-in) and the browser guards: an HttpOnly SameSite=Lax cookie
 * stored hashed, CSRF token on cookie writes, cross-site form POSTs refused, Host allow-list
 * (DNS rebinding), CORS closed unless listed.
 */
async function login(base: string, username: string, password: string, headers: Record<string, string> = {}) {
  const res = await fetch(`${base}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ username, password }) });
  return { status: res.status, body: (await res.json()) as any, cookie: res.headers.get('set-cookie') ?? '' };
}
const cookieValue = (setCookie: string) => setCookie.split(';')[0]!;

/** A raw request, so the Host header can be anything (fetch always sends the URL's host). */
function rawGet(base: string, path: string, host: string): Promise<{ status: number; body: string }> {
  const u = new URL(base);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: u.hostname, port: u.port, path, method: 'GET', headers: { host } }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe.each(DIALECTS)('browser sessions (%s)', (dialect) => {
  let db: TestDatabase;
  let server: RunningServer;
  const countExperiments = async (name: string) => Number((await server.db.one<{ n: number }>('SELECT COUNT(*) AS n FROM experiments WHERE name = ?', [name]))!.n);
  beforeAll(async () => {
    ({ db, server } = await startAuthServer(dialect, { defaultPermission: 'NO_PERMISSIONS' }));
    await new AuthStore(server.db).createUser('bob', 'bob-password-1');
  });
  afterAll(async () => {
    await server?.close();
    await db?.drop();
  });

  it('refuses wrong passwords and bad sign-in bodies with MLflow error JSON', async () => {
    expect(await login(server.url, 'bob', 'wrong-password')).toMatchObject({ status: 401, body: { error_code: 'UNAUTHENTICATED', message: 'Wrong username or password.' }, cookie: '' });
    expect(await login(server.url, 'nobody', 'whatever-pass')).toMatchObject({ status: 401 });
    const missing = await fetch(`${server.url}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"username":"bob"}' });
    expect(missing.status).toBe(400);
    expect(await missing.json()).toMatchObject({ error_code: 'INVALID_PARAMETER_VALUE', message: "Missing value for required parameter 'password'." });
    const form = await fetch(`${server.url}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'username=bob&password=bob-password-1' });
    expect(form.status).toBe(400);
    expect(form.headers.get('set-cookie')).toBeNull();
    const bad = await fetch(`${server.url}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '[1' });
    expect(bad.status).toBe(400);
  });

  it('signs in with an HttpOnly SameSite=Lax cookie kept only as a hash; the session names the user', async () => {
    const res = await login(server.url, 'bob', 'bob-password-1');
    expect(res.status).toBe(200);
    expect(res.body.user).toEqual({ username: 'bob', is_admin: false });
    expect(res.cookie).toMatch(/^trainyard_session=[\w-]{40,}; Path=\/; HttpOnly; SameSite=Lax; Max-Age=\d+$/);
    expect(res.cookie).not.toContain('Secure');
    const secret = cookieValue(res.cookie).split('=')[1]!;
    const rows = await server.db.all<{ secret_hash: string }>('SELECT secret_hash FROM auth_sessions');
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.every((r) => r.secret_hash !== secret && !r.secret_hash.includes(secret))).toBe(true);
    const session = await fetch(`${server.url}/api/v1/auth/session`, { headers: { cookie: cookieValue(res.cookie) } });
    expect(await session.json()).toMatchObject({ user: { username: 'bob' }, csrf_token: res.body.csrf_token });
  });

  it('cookie writes need the CSRF token; a cross-site form POST is refused and writes nothing', async () => {
    const { cookie, body } = await login(server.url, 'bob', 'bob-password-1');
    const post = (headers: Record<string, string>, name: string, contentType = 'application/json') =>
      fetch(`${server.url}/api/2.0/mlflow/experiments/create`, { method: 'POST', headers: { cookie: cookieValue(cookie), 'content-type': contentType, ...headers }, body: JSON.stringify({ name }) });
    const noToken = await post({}, 'csrf-none');
    expect(noToken.status).toBe(403);
    expect((await noToken.json()).message).toContain('X-Trainyard-CSRF');
    expect((await post({ 'x-trainyard-csrf': 'wrong' }, 'csrf-wrong')).status).toBe(403);
    // What an attacker's page can send: a text/plain form POST, cookie attached by the browser.
    const form = await post({ origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' }, 'csrf-form', 'text/plain');
    expect(form.status).toBe(415);
    expect((await form.json()).error_code).toBe('BAD_REQUEST');
    for (const name of ['csrf-none', 'csrf-wrong', 'csrf-form']) expect(await countExperiments(name)).toBe(0);
    const ok = await post({ 'x-trainyard-csrf': body.csrf_token }, 'csrf-ok');
    expect(ok.status).toBe(200);
    expect(await countExperiments('csrf-ok')).toBe(1);
    // Reads need no token.
    expect((await fetch(`${server.url}/api/2.0/mlflow/experiments/search?max_results=5`, { headers: { cookie: cookieValue(cookie) } })).status).toBe(200);
  });

  it('logout revokes the session; an expired session is refused', async () => {
    const { cookie, body } = await login(server.url, 'bob', 'bob-password-1');
    const c = cookieValue(cookie);
    const out = await fetch(`${server.url}/api/v1/auth/logout`, { method: 'POST', headers: { cookie: c, 'x-trainyard-csrf': body.csrf_token, 'content-type': 'application/json' }, body: '{}' });
    expect(out.status).toBe(200);
    expect(out.headers.get('set-cookie')).toContain('Max-Age=0');
    expect((await fetch(`${server.url}/api/v1/auth/session`, { headers: { cookie: c } })).status).toBe(401);
    const again = await login(server.url, 'bob', 'bob-password-1');
    await server.db.run('UPDATE auth_sessions SET expires_at = ? WHERE revoked_at IS NULL', [Date.now() - 1]);
    expect((await fetch(`${server.url}/api/v1/auth/session`, { headers: { cookie: cookieValue(again.cookie) } })).status).toBe(401);
  });

  it('refuses sign-in for a username after 10 wrong passwords in a row', async () => {
    await new AuthStore(server.db).createUser('carol', 'carol-password-1');
    for (let i = 0; i < 10; i++) expect((await login(server.url, 'carol', `guess-${i}-xx`)).status).toBe(401);
    const blocked = await login(server.url, 'carol', 'carol-password-1');
    expect(blocked.status).toBe(429);
    expect(blocked.body).toMatchObject({ error_code: 'RESOURCE_EXHAUSTED' });
    expect(blocked.cookie).toBe('');
    // Another user is not affected.
    expect((await login(server.url, 'bob', 'bob-password-1')).status).toBe(200);
  });

  it('counts failed sign-ins across server processes on one store', async () => {
    await new AuthStore(server.db).createUser('dave', 'dave-password-1');
    // A second replica on the same database (its own artifact home): a guesser alternating between the two still stops at 10.
    const other = await startServer({ host: '127.0.0.1', port: 0, home: mkdtempSync(join(tmpdir(), 'ty-replica-')), db: db.url, auth: true, defaultPermission: 'NO_PERMISSIONS' });
    try {
      for (let i = 0; i < 10; i++) expect((await login(i % 2 ? other.url : server.url, 'dave', `guess-${i}-xx`)).status).toBe(401);
      expect((await login(server.url, 'dave', 'dave-password-1')).status).toBe(429);
      expect((await login(other.url, 'dave', 'dave-password-1')).status).toBe(429);
    } finally {
      await other.close();
    }
  });

  it('answers only known Host names (DNS rebinding)', async () => {
    const port = new URL(server.url).port;
    expect((await rawGet(server.url, '/health', `127.0.0.1:${port}`)).status).toBe(200);
    expect((await rawGet(server.url, '/health', `localhost:${port}`)).status).toBe(200);
    const evil = await rawGet(server.url, '/api/2.0/mlflow/experiments/search', `rebind.evil.example:${port}`);
    expect(evil.status).toBe(403);
    expect(JSON.parse(evil.body)).toMatchObject({ error_code: 'PERMISSION_DENIED' });
    expect(JSON.parse(evil.body).message).toContain('--allowed-hosts rebind.evil.example');
  });
});

describe('browser guards with auth off', () => {
  let db: TestDatabase;
  let server: RunningServer;
  beforeAll(async () => {
    db = await createTestDatabase('sqlite');
    server = await startServer({ host: '127.0.0.1', port: 0, home: db.home, db: db.url, allowedHosts: ['ml.example.org'], corsOrigins: ['https://app.example.org'], publicUrl: 'https://trainyard.example.org' });
  });
  afterAll(async () => {
    await server?.close();
    await db?.drop();
  });

  it('a cross-site text/plain form POST is refused and writes nothing; curl-style posts still work', async () => {
    const form = await fetch(`${server.url}/api/2.0/mlflow/experiments/create`, { method: 'POST', headers: { 'content-type': 'text/plain', origin: 'https://evil.example' }, body: '{"name":"from-evil"}' });
    expect(form.status).toBe(415);
    const beacon = await fetch(`${server.url}/api/2.0/mlflow/experiments/create`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', 'sec-fetch-site': 'cross-site' }, body: '{"name":"from-evil"}' });
    expect(beacon.status).toBe(415);
    const none = await server.db.one<{ n: number }>("SELECT COUNT(*) AS n FROM experiments WHERE name = 'from-evil'");
    expect(Number(none!.n)).toBe(0);
    // curl -d sends form encoding and no Origin: not a browser, served as before.
    const curl = await fetch(`${server.url}/api/2.0/mlflow/experiments/create`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: '{"name":"from-curl"}' });
    expect(curl.status).toBe(200);
  });

  it('CORS answers only listed origins', async () => {
    const listed = await fetch(`${server.url}/api/2.0/mlflow/experiments/search?max_results=1`, { headers: { origin: 'https://app.example.org' } });
    expect(listed.headers.get('access-control-allow-origin')).toBe('https://app.example.org');
    const other = await fetch(`${server.url}/api/2.0/mlflow/experiments/search?max_results=1`, { headers: { origin: 'https://evil.example' } });
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
    const preflight = await fetch(`${server.url}/api/2.0/mlflow/experiments/create`, { method: 'OPTIONS', headers: { origin: 'https://app.example.org', 'access-control-request-method': 'POST' } });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-headers')).toContain('content-type');
    const evilPreflight = await fetch(`${server.url}/api/2.0/mlflow/experiments/create`, { method: 'OPTIONS', headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' } });
    expect(evilPreflight.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('--allowed-hosts and --public-url names are served; others are not', async () => {
    expect((await rawGet(server.url, '/health', 'ml.example.org')).status).toBe(200);
    expect((await rawGet(server.url, '/health', 'trainyard.example.org')).status).toBe(200);
    expect((await rawGet(server.url, '/health', 'other.example.org')).status).toBe(403);
  });
});

describe('session cookie behind https', () => {
  it('is Secure when --public-url is https', async () => {
    const db = await createTestDatabase('sqlite');
    process.env.TRAINYARD_ADMIN_USERNAME = 'root';
    process.env.TRAINYARD_ADMIN_PASSWORD = 'root-password-1';
    const server = await startServer({ host: '127.0.0.1', port: 0, home: db.home, db: db.url, auth: true, publicUrl: 'https://trainyard.example.org' });
    try {
      const res = await login(server.url, 'root', 'root-password-1');
      expect(res.status).toBe(200);
      expect(res.cookie).toMatch(/HttpOnly; SameSite=Lax; Max-Age=\d+; Secure$/);
    } finally {
      delete process.env.TRAINYARD_ADMIN_USERNAME;
      delete process.env.TRAINYARD_ADMIN_PASSWORD;
      await server.close();
      await db.drop();
    }
  });
});
