import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuthStore } from '../src/auth/index.js';
import { startServer, type RunningServer } from '../src/server/start-server.js';
import { startAuthServer } from './helpers/auth-server.js';
import { DIALECTS, type TestDatabase } from './helpers/databases.js';
import { CLI } from './helpers/server-process.js';

/** Teams: a permission granted to a team reaches its members; a member's own grant still decides. */
const basic = (u: string, p: string) => `Basic ${Buffer.from(`${u}:${p}`).toString('base64')}`;
const ROOT = basic('root', 'root-password-1');
const ALICE = basic('alice', 'alice-password-1');
const BOB = basic('bob', 'bob-password-1');
const CAROL = basic('carol', 'carol-password-1');
const DAVE = basic('dave', 'dave-password-1');

describe.each(DIALECTS)('teams (%s)', (dialect) => {
  let db: TestDatabase;
  let server: RunningServer;
  const call = async (auth: string, method: string, path: string, body?: unknown) => {
    const res = await fetch(server.url + path, { method, headers: { authorization: auth, 'content-type': 'application/json' }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
    return { status: res.status, body: (await res.json()) as any };
  };
  let exp: string;
  beforeAll(async () => {
    ({ db, server } = await startAuthServer(dialect, { defaultPermission: 'NO_PERMISSIONS' }));
    const store = new AuthStore(server.db);
    for (const u of ['alice', 'bob', 'carol', 'dave']) await store.createUser(u, `${u}-password-1`);
    exp = (await call(ALICE, 'POST', '/api/2.0/mlflow/experiments/create', { name: 'alice-team-exp' })).body.experiment_id;
  });
  afterAll(async () => {
    await server?.close();
    await db?.drop();
  });

  it('admins make teams; a manager grants the team; members get it, others do not', async () => {
    expect((await call(BOB, 'POST', '/api/v1/teams', { name: 'ml' })).status).toBe(403);
    expect((await call(ROOT, 'POST', '/api/v1/teams', { name: 'ml' })).status).toBe(200);
    expect((await call(ROOT, 'POST', '/api/v1/teams', { name: 'ml' })).body.error_code).toBe('RESOURCE_ALREADY_EXISTS');
    for (const u of ['bob', 'carol']) expect((await call(ROOT, 'POST', '/api/v1/teams/ml/members', { username: u })).status).toBe(200);
    const get = (auth: string) => call(auth, 'GET', `/api/2.0/mlflow/experiments/get?experiment_id=${exp}`);
    expect((await get(BOB)).status).toBe(403);
    // Only someone who manages the experiment may grant a team on it.
    expect((await call(DAVE, 'POST', '/api/v1/teams/ml/experiment-permissions', { experiment_id: exp, permission: 'READ' })).status).toBe(403);
    const granted = await call(ALICE, 'POST', '/api/v1/teams/ml/experiment-permissions', { experiment_id: exp, permission: 'READ' });
    expect(granted.status).toBe(200);
    expect(granted.body.team).toMatchObject({ name: 'ml', members: ['bob', 'carol'], experiment_permissions: [{ experiment_id: exp, permission: 'READ' }] });
    expect((await get(BOB)).status).toBe(200);
    expect((await get(CAROL)).status).toBe(200);
    expect((await get(DAVE)).status).toBe(403);
    const run = (await call(ALICE, 'POST', '/api/2.0/mlflow/runs/create', { experiment_id: exp })).body.run.info.run_id;
    const log = (auth: string) => call(auth, 'POST', '/api/2.0/mlflow/runs/log-metric', { run_id: run, key: 'm', value: 1, timestamp: 1 });
    expect((await log(BOB)).status).toBe(403);
    expect((await call(ALICE, 'POST', '/api/v1/teams/ml/experiment-permissions', { experiment_id: exp, permission: 'EDIT' })).status).toBe(200);
    expect((await log(BOB)).status).toBe(200);
  });

  it("a member's own grant decides over the team's; leaving the team or revoking ends access", async () => {
    expect((await call(ALICE, 'POST', '/api/2.0/mlflow/experiments/permissions/create', { experiment_id: exp, username: 'carol', permission: 'NO_PERMISSIONS' })).status).toBe(200);
    expect((await call(CAROL, 'GET', `/api/2.0/mlflow/experiments/get?experiment_id=${exp}`)).status).toBe(403);
    expect((await call(ROOT, 'DELETE', '/api/v1/teams/ml/members/bob')).status).toBe(200);
    expect((await call(BOB, 'GET', `/api/2.0/mlflow/experiments/get?experiment_id=${exp}`)).status).toBe(403);
    expect((await call(ROOT, 'POST', '/api/v1/teams/ml/members', { username: 'bob' })).status).toBe(200);
    expect((await call(ALICE, 'DELETE', `/api/v1/teams/ml/experiment-permissions?experiment_id=${exp}`)).status).toBe(200);
    expect((await call(BOB, 'GET', `/api/2.0/mlflow/experiments/get?experiment_id=${exp}`)).status).toBe(403);
  });

  it('team grants on registered models; bad input is a 4xx naming the problem', async () => {
    expect((await call(ALICE, 'POST', '/api/2.0/mlflow/registered-models/create', { name: 'alice-model' })).status).toBe(200);
    expect((await call(BOB, 'GET', '/api/2.0/mlflow/registered-models/get?name=alice-model')).status).toBe(403);
    expect((await call(ALICE, 'POST', '/api/v1/teams/ml/registered-model-permissions', { name: 'alice-model', permission: 'read' })).status).toBe(200);
    expect((await call(BOB, 'GET', '/api/2.0/mlflow/registered-models/get?name=alice-model')).status).toBe(200);
    const bad = await call(ALICE, 'POST', '/api/v1/teams/ml/registered-model-permissions', { name: 'alice-model', permission: 'WRITE' });
    expect(bad.status).toBe(400);
    expect(bad.body.message).toContain("'permission'");
    expect((await call(ALICE, 'POST', '/api/v1/teams/nope/registered-model-permissions', { name: 'alice-model', permission: 'READ' })).status).toBe(404);
    expect((await call(ROOT, 'POST', '/api/v1/teams', { name: 'bad name!' })).status).toBe(400);
    expect((await call(ROOT, 'POST', '/api/v1/teams/ml/members', { username: 'ghost' })).status).toBe(404);
    expect((await call(BOB, 'GET', '/api/v1/teams')).body.teams).toEqual([{ name: 'ml', members: ['bob', 'carol'] }]);
  });
});

function cli(args: string[], env: NodeJS.ProcessEnv, stdin?: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(process.execPath, [CLI, ...args], { env: { ...process.env, ...env } }, (err, stdout, stderr) => resolve({ code: err ? (err as { code?: number }).code ?? 1 : 0, stdout, stderr }));
    child.stdin?.end(stdin ?? '');
  });
}

describe('trainyard users / teams CLI', () => {
  const home = mkdtempSync(join(tmpdir(), 'trainyard-users-cli-'));
  const env = { TRAINYARD_HOME: home, TRAINYARD_DB: '', TRAINYARD_ADMIN_USERNAME: '', TRAINYARD_ADMIN_PASSWORD: '' };
  afterAll(() => rmSync(home, { recursive: true, force: true }));

  it('makes the first admin, a team and a token that a --auth server accepts', async () => {
    expect(await cli(['users', 'create', 'ops', '--admin', '--password-stdin'], env, 'ops-password-1\n')).toMatchObject({ code: 0, stdout: "Created admin 'ops'.\n" });
    expect((await cli(['users', 'create', 'eve', '--password-stdin'], env, 'short\n'))).toMatchObject({ code: 1, stderr: expect.stringContaining('at least 8 characters') });
    expect((await cli(['users', 'create', 'eve', '--password-stdin'], env, 'eve-password-1\n')).code).toBe(0);
    expect((await cli(['teams', 'create', 'ml'], env)).code).toBe(0);
    expect((await cli(['teams', 'add', 'ml', 'eve'], env)).stdout).toContain('added eve');
    expect((await cli(['teams', 'grant', 'ml', '--experiment', '0', '--permission', 'edit'], env)).stdout).toContain('EDIT on experiment 0');
    expect((await cli(['teams', 'grant', 'ml', '--study', 'churn', '--permission', 'read'], env)).stdout).toContain('READ on study churn');
    expect((await cli(['teams', 'grant', 'ml', '--permission', 'READ'], env))).toMatchObject({ code: 1, stderr: expect.stringContaining('--experiment <id> or --model <name>') });
    expect(JSON.parse((await cli(['teams', 'list', '--json'], env)).stdout)).toEqual({ teams: [{ name: 'ml', members: ['eve'] }] });
    const users = JSON.parse((await cli(['users', 'list', '--json'], env)).stdout).users;
    expect(users.map((u: any) => [u.username, u.is_admin])).toEqual([['eve', false], ['ops', true]]);
    const token = (await cli(['users', 'token', 'eve'], env)).stdout.trim();
    expect(token).toMatch(/^ty_/);

    const server = await startServer({ host: '127.0.0.1', port: 0, home, auth: true, defaultPermission: 'NO_PERMISSIONS' });
    try {
      const asEve = await fetch(`${server.url}/api/2.0/mlflow/runs/create`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify({ experiment_id: '0' }) });
      expect(asEve.status).toBe(200); // EDIT on experiment 0 through team ml
      expect((await fetch(`${server.url}/api/2.0/mlflow/users/create`, { method: 'POST', headers: { authorization: basic('ops', 'ops-password-1'), 'content-type': 'application/json' }, body: '{"username":"fay","password":"fay-password-1"}' })).status).toBe(200);
    } finally {
      await server.close();
    }
  });
});
