import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuthStore } from '../src/auth/index.js';
import type { RunningServer } from '../src/server/start-server.js';
import { startAuthServer } from './helpers/auth-server.js';
import { DIALECTS, type TestDatabase } from './helpers/databases.js';

const basic = (u: string, p: string) => `Basic ${Buffer.from(`${u}:${p}`).toString('base64')}`;

describe.each(DIALECTS)('auth permissions (%s)', (dialect) => {
  let db: TestDatabase;
  let server: RunningServer;
  let aliceToken: string;
  const as = (auth: string) => async (path: string, body: unknown, method = 'POST') => {
    const res = await fetch(`${server.url}/api/2.0/mlflow${path}`, { method, headers: { authorization: auth, 'content-type': 'application/json' }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
    return { status: res.status, body: (await res.json()) as any };
  };
  beforeAll(async () => {
    ({ db, server } = await startAuthServer(dialect, { defaultPermission: 'NO_PERMISSIONS' }));
    const store = new AuthStore(server.db);
    await store.createUser('bob', 'bob-password-1');
    const alice = await store.createUser('alice', 'alice-password-1');
    aliceToken = (await store.createToken(alice.id, 'laptop')).token;
  });
  afterAll(async () => {
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

  it("MLflow's auth REST API: admins create users, a manager grants READ, tokens are shown once", async () => {
    const root = as(basic('root', 'root-password-1'));
    const bob = as(basic('bob', 'bob-password-1'));
    const created = await root('/users/create', { username: 'carol', password: 'carol-password-1' });
    expect(created.status).toBe(200);
    expect(created.body.user).toMatchObject({ username: 'carol', is_admin: false });
    expect((await bob('/users/create', { username: 'eve', password: 'eve-password-1' })).status).toBe(403);
    const carol = as(basic('carol', 'carol-password-1'));
    const exp = await bob('/experiments/create', { name: 'shared-exp' });
    const id = exp.body.experiment_id;
    expect((await carol(`/experiments/get?experiment_id=${id}`, undefined, 'GET')).status).toBe(403);
    expect((await carol('/experiments/permissions/create', { experiment_id: id, username: 'carol', permission: 'MANAGE' })).status).toBe(403);
    const grant = await bob('/experiments/permissions/create', { experiment_id: id, username: 'carol', permission: 'READ' });
    expect(grant.body.experiment_permission).toMatchObject({ experiment_id: id, permission: 'READ' });
    expect((await carol(`/experiments/get?experiment_id=${id}`, undefined, 'GET')).status).toBe(200);
    expect((await carol('/runs/create', { experiment_id: id })).status).toBe(403);
    const got = await root('/users/get?username=carol', undefined, 'GET');
    expect(got.body.user.experiment_permissions).toEqual([{ experiment_id: id, user_id: got.body.user.id, permission: 'READ' }]);
    expect((await bob('/experiments/permissions/update', { experiment_id: id, username: 'carol', permission: 'EDIT' }, 'PATCH')).status).toBe(200);
    expect((await carol('/runs/create', { experiment_id: id })).status).toBe(200);
    expect((await bob('/experiments/permissions/create', { experiment_id: id, username: 'carol', permission: 'OWNER' })).status).toBe(400);

    const res = await fetch(`${server.url}/api/v1/auth/tokens`, { method: 'POST', headers: { authorization: basic('carol', 'carol-password-1'), 'content-type': 'application/json' }, body: JSON.stringify({ name: 'ci', expires_in_days: 30 }) });
    const { token } = (await res.json()) as { token: string };
    expect(token).toMatch(/^ty_/);
    const list = await fetch(`${server.url}/api/v1/auth/tokens`, { headers: { authorization: `Bearer ${token}` } });
    const listed = JSON.stringify(await list.json());
    expect(listed).toContain('"name":"ci"');
    expect(listed).not.toContain(token);
  });
});
