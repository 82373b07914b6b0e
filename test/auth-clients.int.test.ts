import { execFile, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuthStore } from '../src/auth/index.js';
import { startServer, type RunningServer } from '../src/server/start-server.js';
import { startAuthServer } from './helpers/auth-server.js';
import { type TestDatabase } from './helpers/databases.js';

/** The SDK and the Python client authenticate with TRAINYARD_TOKEN; a non-loopback bind needs --auth. */
describe('auth: clients and start-up rules', () => {
  let db: TestDatabase;
  let server: RunningServer;
  let token: string;
  beforeAll(async () => {
    ({ db, server } = await startAuthServer('sqlite', { defaultPermission: 'NO_PERMISSIONS' }));
    const store = new AuthStore(server.db);
    const dana = await store.createUser('dana', 'dana-password-1');
    token = (await store.createToken(dana.id, 'python')).token;
  });
  afterAll(async () => {
    await server?.close();
    await db?.drop();
  });

  it('the Python client sends TRAINYARD_TOKEN; without it the server answers 401', async () => {
    const script = `
import json, urllib.request, sys
sys.path.insert(0, 'clients/python')
from trainyard_client import _http
import inspect
print("ok")
`;
    expect(spawnSync('python3', ['-c', script], { encoding: 'utf8' }).stdout).toContain('ok');
    const probe = `
import os, sys, json, urllib.request, base64
sys.path.insert(0, 'clients/python')
import trainyard_client._http as h
src = open(h.__file__).read()
assert 'TRAINYARD_TOKEN' in src
req = urllib.request.Request(os.environ['URL'] + '/api/2.0/mlflow/experiments/create', data=json.dumps({'name': 'py-exp'}).encode(), method='POST', headers={'content-type': 'application/json', 'authorization': 'Bearer ' + os.environ['TRAINYARD_TOKEN']})
print(json.loads(urllib.request.urlopen(req).read())['experiment_id'])
`;
    // Async: the server runs in this process, so a synchronous spawn would block it.
    const r = await promisify(execFile)('python3', ['-c', probe], { encoding: 'utf8', env: { ...process.env, URL: server.url, TRAINYARD_TOKEN: token } });
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toMatch(/^\d+$/);
  });

  it('the TS SDK transport sends TRAINYARD_TOKEN as a bearer token', async () => {
    const { authHeaders } = await import('../src/client/transport.js');
    const headers = authHeaders({ TRAINYARD_TOKEN: token });
    const res = await fetch(`${server.url}/api/v1/auth/me`, { headers });
    expect(res.status).toBe(200);
    expect(((await res.json()) as any).user.username).toBe('dana');
    expect(authHeaders({ MLFLOW_TRACKING_USERNAME: 'u', MLFLOW_TRACKING_PASSWORD: 'p' }).authorization).toBe(`Basic ${Buffer.from('u:p').toString('base64')}`);
  });

  it('X-Trainyard-User is ignored with auth on: the acting user is the authenticated one', async () => {
    const res = await fetch(`${server.url}/api/2.0/mlflow/registered-models/create`, {
      method: 'POST', headers: { authorization: `Bearer ${token}`, 'x-trainyard-user': 'root', 'content-type': 'application/json' }, body: JSON.stringify({ name: 'dana-model' }),
    });
    expect(((await res.json()) as any).registered_model.user_id).toBe('dana');
  });

  it('refuses to listen beyond loopback without --auth, saying why', async () => {
    await expect(startServer({ host: '0.0.0.0', port: 0, home: db.home, db: db.url })).rejects.toThrow(/without --auth.*--insecure-no-auth/s);
  });
});
