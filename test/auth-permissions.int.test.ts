import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuthStore } from '../src/auth/index.js';
import { startServer, type RunningServer } from '../src/server/start-server.js';
import { createTestDatabase, DIALECTS, type TestDatabase } from './helpers/databases.js';

const basic = (u: string, p: string) => `Basic ${Buffer.from(`${u}:${p}`).toString('base64')}`;

describe.each(DIALECTS)('auth permissions (%s)', (dialect) => {
  let db: TestDatabase;
  let server: RunningServer;
  let aliceToken: string;
  const as = (auth: string) => async (path: string, body: unknown, method = 'POST') => {
    const res = await fetch(`${server.url}/api/2.0/mlflow${path}`, { method, headers: { authorization: auth, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    return { status: res.status, body: (await res.json()) as any };
  };
  beforeAll(async () => {
    db = await createTestDatabase(dialect);
    process.env.TRAINYARD_ADMIN_USERNAME = 'root';
    process.env.TRAINYARD_ADMIN_PASSWORD = 'root-password-1';
    server = await startServer({ host: '127.0.0.1', port: 0, home: db.home, db: db.url, auth: true, defaultPermission: 'NO_PERMISSIONS' });
    const store = new AuthStore(server.db);
    await store.createUser('bob', 'bob-password-1');
    const alice = await store.createUser('alice', 'alice-password-1');
    aliceToken = (await store.createToken(alice.id, 'laptop')).token;
  });
  afterAll(async () => {
    delete process.env.TRAINYARD_ADMIN_USERNAME;
    delete process.env.TRAINYARD_ADMIN_PASSWORD;
    await server?.close();
    await db?.drop();
  });

  it('the creator manages an experiment; another user is refused; user_id is the authenticated user', async () => {
    const bob = as(basic('bob', 'bob-password-1'));
    const alice = as(`Bearer ${aliceToken}`);
    const exp = await bob('/experiments/create', { name: 'bob-exp' });
    expect(exp.status).toBe(200);
    const run = await bob('/runs/create', { experiment_id: exp.body.experiment_id, user_id: 'mallory' });
    expect(run.status).toBe(200);
    expect(run.body.run.info.user_id).toBe('bob');
    const runId = run.body.run.info.run_id;
    expect((await bob('/runs/log-metric', { run_id: runId, key: 'm', value: 1, timestamp: 1 })).status).toBe(200);
    expect((await alice('/runs/log-metric', { run_id: runId, key: 'm', value: 2, timestamp: 2 })).status).toBe(403);
    expect((await alice('/runs/create', { experiment_id: exp.body.experiment_id })).status).toBe(403);
    const denied = await alice('/experiments/delete', { experiment_id: exp.body.experiment_id });
    expect(denied.status).toBe(403);
    expect(denied.body.error_code).toBe('PERMISSION_DENIED');
  });

  it('a token that is revoked or expired stops working', async () => {
    const store = new AuthStore(server.db);
    const alice = (await store.user('alice'))!;
    const { id, token } = await store.createToken(alice.id, 'temp');
    const call = as(`Bearer ${token}`);
    expect((await call('/experiments/create', { name: 'alice-exp' })).status).toBe(200);
    const listed = await store.listTokens(alice.id);
    expect(listed.find((t: any) => t.id === id)?.last_used_at).toBeGreaterThan(0);
    await store.revokeToken(alice.id, id);
    expect((await call('/experiments/create', { name: 'alice-exp-2' })).status).toBe(401);
  });

  it('stores only a salted slow hash of each password', async () => {
    const row = await server.db.one<{ password_hash: string }>("SELECT password_hash FROM auth_users WHERE username = 'bob'");
    expect(row!.password_hash).toMatch(/^scrypt\$16384\$8\$1\$/);
    expect(row!.password_hash).not.toContain('bob-password-1');
  });
});
