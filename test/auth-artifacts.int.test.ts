import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuthStore } from '../src/auth/index.js';
import type { RunningServer } from '../src/server/start-server.js';
import { startAuthServer } from './helpers/auth-server.js';
import { DIALECTS, type TestDatabase } from './helpers/databases.js';

/**
 * The mlflow-artifacts proxy and the run-aware artifact routes under --auth: each proxied path is
 * checked against the experiment that owns it (READ to get/list, EDIT to write, MANAGE to delete),
 * as a non-admin user with and without the permission; an experiment's whole folder cannot be deleted.
 */
const basic = (u: string, p: string) => `Basic ${Buffer.from(`${u}:${p}`).toString('base64')}`;
const ROOT = basic('root', 'root-password-1');
const BOB = basic('bob', 'bob-password-1');
const ALICE = basic('alice', 'alice-password-1');

describe.each(DIALECTS)('artifact permissions (%s)', (dialect) => {
  let db: TestDatabase;
  let server: RunningServer;
  let exp: string;
  let run: string;
  let other: string;
  const req = async (auth: string, method: string, path: string, body?: string) => {
    const res = await fetch(server.url + path, { method, headers: { authorization: auth, ...(body !== undefined ? { 'content-type': 'application/octet-stream' } : {}) }, ...(body !== undefined ? { body } : {}) });
    const text = await res.text();
    return { status: res.status, text };
  };
  const json = async (auth: string, path: string, body: unknown) => {
    const res = await fetch(`${server.url}/api/2.0/mlflow${path}`, { method: 'POST', headers: { authorization: auth, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    return { status: res.status, body: (await res.json()) as any };
  };
  const grant = (permission: string) => json(BOB, '/experiments/permissions/create', { experiment_id: exp, username: 'alice', permission });
  const A = '/api/2.0/mlflow-artifacts/artifacts';
  const file = () => `${A}/${exp}/${run}/artifacts/model/weights.txt`;

  beforeAll(async () => {
    ({ db, server } = await startAuthServer(dialect, { defaultPermission: 'NO_PERMISSIONS' }));
    const store = new AuthStore(server.db);
    await store.createUser('bob', 'bob-password-1');
    await store.createUser('alice', 'alice-password-1');
    exp = (await json(BOB, '/experiments/create', { name: 'bob-artifacts' })).body.experiment_id;
    run = (await json(BOB, '/runs/create', { experiment_id: exp })).body.run.info.run_id;
    other = (await json(ROOT, '/experiments/create', { name: 'root-only' })).body.experiment_id;
    expect((await req(BOB, 'PUT', file(), 'v1')).status).toBe(200);
  });
  afterAll(async () => {
    await server?.close();
    await db?.drop();
  });

  it('without a permission a user can neither read, list, write nor delete an experiment\'s files', async () => {
    const get = await req(ALICE, 'GET', file());
    expect(get.status).toBe(403);
    expect(JSON.parse(get.text)).toMatchObject({ error_code: 'PERMISSION_DENIED' });
    expect(JSON.parse(get.text).message).toContain(`artifact_path '${exp}/${run}/artifacts/model/weights.txt'`);
    expect((await req(ALICE, 'GET', `${A}?path=${exp}/${run}/artifacts`)).status).toBe(403);
    expect((await req(ALICE, 'PUT', file(), 'mallory')).status).toBe(403);
    expect((await req(ALICE, 'DELETE', file())).status).toBe(403);
    expect((await req(ALICE, 'POST', `/api/2.0/mlflow-artifacts/mpu/create/${exp}/${run}/artifacts/big.bin`, '{}')).status).toBe(403);
    expect((await req(ALICE, 'GET', `/api/2.0/mlflow/artifacts/list?run_id=${run}`)).status).toBe(403);
    expect((await req(ALICE, 'GET', `/get-artifact?run_id=${run}&path=model/weights.txt`)).status).toBe(403);
    expect((await req(ALICE, 'POST', `/ajax-api/2.0/mlflow/upload-artifact?run_uuid=${run}&path=x.txt`, 'x')).status).toBe(403);
    // Nothing was overwritten.
    expect((await req(BOB, 'GET', file())).text).toBe('v1');
  });

  it('READ lets a user get and list, not write or delete', async () => {
    expect((await grant('READ')).status).toBe(200);
    expect(await req(ALICE, 'GET', file())).toMatchObject({ status: 200, text: 'v1' });
    const listing = await req(ALICE, 'GET', `${A}?path=${exp}/${run}/artifacts/model`);
    expect(listing.status).toBe(200);
    expect(JSON.parse(listing.text).files.map((f: any) => f.path)).toEqual(['weights.txt']);
    expect((await req(ALICE, 'GET', `/api/2.0/mlflow/artifacts/list?run_id=${run}`)).status).toBe(200);
    expect(await req(ALICE, 'GET', `/get-artifact?run_id=${run}&path=model/weights.txt`)).toMatchObject({ status: 200, text: 'v1' });
    expect((await req(ALICE, 'PUT', file(), 'mallory')).status).toBe(403);
    expect((await req(ALICE, 'POST', `/ajax-api/2.0/mlflow/upload-artifact?run_uuid=${run}&path=x.txt`, 'x')).status).toBe(403);
    expect((await req(ALICE, 'DELETE', file())).status).toBe(403);
    // READ on one experiment says nothing about another's files.
    expect((await req(ROOT, 'PUT', `${A}/${other}/secret.txt`, 's')).status).toBe(200);
    expect((await req(ALICE, 'GET', `${A}/${other}/secret.txt`)).status).toBe(403);
  });

  it('EDIT lets a user write (single and multipart), not delete', async () => {
    expect((await grant('EDIT')).status).toBe(200);
    expect((await req(ALICE, 'PUT', `${A}/${exp}/${run}/artifacts/alice.txt`, 'from alice')).status).toBe(200);
    expect((await req(ALICE, 'POST', `/ajax-api/2.0/mlflow/upload-artifact?run_uuid=${run}&path=ui.txt`, 'ui')).status).toBe(200);
    const mpu = await req(ALICE, 'POST', `/api/2.0/mlflow-artifacts/mpu/create/${exp}/${run}/artifacts/big.bin`, '{"num_parts":1}');
    expect(mpu.status).toBe(200);
    const abort = await req(ALICE, 'POST', `/api/2.0/mlflow-artifacts/mpu/abort/${exp}/${run}/artifacts/big.bin`, JSON.stringify({ upload_id: JSON.parse(mpu.text).upload_id }));
    expect(abort.status).toBe(200);
    expect((await req(ALICE, 'DELETE', `${A}/${exp}/${run}/artifacts/alice.txt`)).status).toBe(403);
    expect((await req(BOB, 'GET', `${A}/${exp}/${run}/artifacts/alice.txt`)).text).toBe('from alice');
  });

  it('MANAGE lets a user delete files, but nobody deletes an experiment\'s whole folder', async () => {
    expect((await grant('MANAGE')).status).toBe(200);
    expect((await req(ALICE, 'DELETE', `${A}/${exp}/${run}/artifacts/alice.txt`)).status).toBe(200);
    expect((await req(BOB, 'GET', `${A}/${exp}/${run}/artifacts/alice.txt`)).status).toBe(404);
    for (const who of [ALICE, ROOT]) {
      const refused = await req(who, 'DELETE', `${A}/${exp}`);
      expect(refused.status).toBe(403);
      expect(JSON.parse(refused.text).message).toContain(`artifact root of experiment ${exp}`);
    }
    expect((await req(ROOT, 'DELETE', `${A}/${exp}/`)).status).toBe(403);
    expect((await req(BOB, 'GET', file())).text).toBe('v1');
  });

  it('a path no experiment owns is for admins only; traversal is a 400', async () => {
    expect((await req(ALICE, 'PUT', `${A}/99999/x.txt`, 'x')).status).toBe(403);
    expect((await req(ROOT, 'PUT', `${A}/99999/x.txt`, 'x')).status).toBe(200);
    const traversal = await req(ALICE, 'PUT', `${A}/${exp}/..%2f${other}/secret.txt`, 'x');
    expect(traversal.status).toBe(400);
    expect((await req(ROOT, 'GET', `${A}/${other}/secret.txt`)).text).toBe('s');
  });

  it("a registered version's files can be neither overwritten nor deleted while it exists", async () => {
    expect((await json(BOB, '/registered-models/create', { name: 'bob-model' })).status).toBe(200);
    const v = await json(BOB, '/model-versions/create', { name: 'bob-model', source: `runs:/${run}/model`, run_id: run });
    expect(v.status, JSON.stringify(v.body)).toBe(200);
    const over = await req(BOB, 'PUT', file(), 'v2');
    expect(over.status).toBe(403);
    expect(JSON.parse(over.text).message).toContain("model 'bob-model' version 1 is registered from these files");
    expect((await req(ROOT, 'DELETE', file())).status).toBe(403);
    expect((await req(ROOT, 'DELETE', `${A}/${exp}/${run}/artifacts/model`)).status).toBe(403);
    expect((await req(ROOT, 'DELETE', `${A}/${exp}/${run}`)).status).toBe(403);
    expect((await req(BOB, 'POST', `/ajax-api/2.0/mlflow/upload-artifact?run_uuid=${run}&path=model/weights.txt`, 'v3')).status).toBe(403);
    expect((await req(BOB, 'POST', `/api/2.0/mlflow-artifacts/mpu/create/${exp}/${run}/artifacts/model/weights.txt`, '{}')).status).toBe(403);
    expect((await req(BOB, 'GET', file())).text).toBe('v1');
    // The UI's version file preview checks the registered model's permission, not the experiment's.
    const preview = `/model-versions/get-artifact?name=bob-model&version=1&path=weights.txt`;
    expect((await req(ALICE, 'GET', preview)).status).toBe(403);
    expect((await json(BOB, '/registered-models/permissions/create', { name: 'bob-model', username: 'alice', permission: 'READ' })).status).toBe(200);
    expect(await req(ALICE, 'GET', preview)).toMatchObject({ status: 200, text: 'v1' });
    // Files beside the version's folder stay writable; once the version is gone, so are its files.
    expect((await req(BOB, 'PUT', `${A}/${exp}/${run}/artifacts/notes.txt`, 'n')).status).toBe(200);
    const del = await fetch(`${server.url}/api/2.0/mlflow/model-versions/delete`, { method: 'DELETE', headers: { authorization: BOB, 'content-type': 'application/json' }, body: JSON.stringify({ name: 'bob-model', version: '1' }) });
    expect(del.status).toBe(200);
    expect((await req(BOB, 'PUT', file(), 'v2')).status).toBe(200);
  });

  it('anonymous callers get 401 on every artifact route', async () => {
    for (const [m, p] of [['GET', file()], ['PUT', file()], ['DELETE', file()], ['GET', `/get-artifact?run_id=${run}&path=a`]] as const) {
      const res = await fetch(server.url + p, { method: m, ...(m === 'PUT' ? { body: 'x' } : {}) });
      expect(res.status).toBe(401);
    }
  });
});
