import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuthStore } from '../src/auth/index.js';
import { basic, startAuthServer, type AuthServer } from './helpers/auth-server.js';
import { DIALECTS } from './helpers/databases.js';

/**
 * Credentials sent with every request (issue 14: the HTTP side of a write). The server hashes a
 * Basic password once and keeps a token's last use to the minute, but every request still reads
 * the user or token row: a change made elsewhere on the same database (another server, the CLI:
 * here a second AuthStore, which shares nothing in memory with the server's) counts at once.
 */
describe.each(DIALECTS)('per-request credentials (%s)', (dialect) => {
  let s: AuthServer;
  let elsewhere: AuthStore;
  beforeAll(async () => {
    s = await startAuthServer(dialect, { defaultPermission: 'EDIT' });
    elsewhere = new AuthStore(s.server.db);
  });
  afterAll(async () => {
    await s?.close();
  });

  it('a Basic password verified before stops working as soon as it is changed, or the user deleted, elsewhere', async () => {
    await elsewhere.createUser('carol', 'carol-password-1');
    const old = basic('carol', 'carol-password-1');
    for (let i = 0; i < 3; i++) expect((await s.call(old, 'POST', '/api/2.0/mlflow/experiments/create', { name: `carol-${dialect}-${i}` })).status).toBe(200);
    expect((await s.call(basic('carol', 'carol-password-2'), 'GET', '/api/2.0/mlflow/experiments/search')).status).toBe(401);
    await elsewhere.updatePassword('carol', 'carol-password-2');
    expect((await s.call(old, 'GET', '/api/2.0/mlflow/experiments/search')).status).toBe(401);
    expect((await s.call(basic('carol', 'carol-password-2'), 'GET', '/api/2.0/mlflow/experiments/search')).status).toBe(200);
    await elsewhere.deleteUser('carol');
    expect((await s.call(basic('carol', 'carol-password-2'), 'GET', '/api/2.0/mlflow/experiments/search')).status).toBe(401);
  });

  it('an admin flag taken away elsewhere counts at the next request of a remembered Basic credential', async () => {
    await elsewhere.createUser('dave', 'dave-password-1', true);
    const dave = basic('dave', 'dave-password-1');
    expect((await s.call(dave, 'POST', '/api/2.0/mlflow/users/create', { username: `made-by-dave-${dialect}`, password: 'made-password-1' })).status).toBe(200);
    await elsewhere.setAdmin('dave', false);
    const refused = await s.call(dave, 'POST', '/api/2.0/mlflow/users/create', { username: `made-by-dave-2-${dialect}`, password: 'made-password-1' });
    expect(refused.status).toBe(403);
    expect(refused.body.error_code).toBe('PERMISSION_DENIED');
  });

  it('a token records its last use once a minute, not once a request, and a revoke elsewhere counts at once', async () => {
    const erin = await elsewhere.createUser('erin', 'erin-password-1');
    const { id, token } = await elsewhere.createToken(erin.id, 'ci');
    const bearer = `Bearer ${token}`;
    const lastUsed = async () => Number((await elsewhere.listTokens(erin.id) as { id: string; last_used_at: number | null }[]).find((t) => t.id === id)!.last_used_at);
    expect((await s.call(bearer, 'GET', '/api/2.0/mlflow/experiments/search')).status).toBe(200);
    const first = await lastUsed();
    expect(first).toBeGreaterThan(0);
    await new Promise((r) => setTimeout(r, 20));
    for (let i = 0; i < 3; i++) expect((await s.call(bearer, 'GET', '/api/2.0/mlflow/experiments/search')).status).toBe(200);
    expect(await lastUsed()).toBe(first);
    // A minute later (the stored value moved back) the next request records its use again.
    await s.server.db.run('UPDATE auth_tokens SET last_used_at = ? WHERE id = ?', [first - 61_000, id]);
    expect((await s.call(bearer, 'GET', '/api/2.0/mlflow/experiments/search')).status).toBe(200);
    expect(await lastUsed()).toBeGreaterThanOrEqual(first);
    await elsewhere.revokeToken(erin.id, id);
    expect((await s.call(bearer, 'GET', '/api/2.0/mlflow/experiments/search')).status).toBe(401);
  });
});
