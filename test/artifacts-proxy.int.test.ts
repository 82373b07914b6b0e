import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Trainyard } from '../src/client/index.js';
import { startTestServer, type TestServer } from './helpers/server.js';

const A = '/api/2.0/mlflow-artifacts/artifacts';

/** A raw request, so paths reach the server exactly as written (fetch would normalise `..`). */
function raw(server: TestServer, method: string, path: string, body?: string): Promise<{ status: number; body: any }> {
  const url = new URL(server.url);
  return new Promise((resolve, reject) => {
    const req = request({ host: url.hostname, port: url.port, method, path, headers: body ? { 'content-type': 'application/octet-stream' } : {} }, (res) => {
      let text = '';
      res.on('data', (d) => (text += d));
      res.on('end', () => {
        let parsed: unknown = text;
        try {
          parsed = JSON.parse(text);
        } catch {
          /* file bodies */
        }
        resolve({ status: res.statusCode!, body: parsed });
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('artifact proxy and run artifact endpoints', () => {
  let server: TestServer;
  let home: string;
  let outside: string;

  beforeAll(async () => {
    server = await startTestServer('sqlite');
    home = (server.server as any).home ?? '';
    outside = mkdtempSync(join(tmpdir(), 'ty-outside-'));
    writeFileSync(join(outside, 'secret.txt'), 'top secret');
  });
  afterAll(async () => {
    await server.stop();
    rmSync(outside, { recursive: true, force: true });
  });

  it('stores, lists, ranges and deletes files, with the sha256 recorded and served', async () => {
    const body = 'hello artifacts\n'.repeat(1000);
    const put = await fetch(`${server.url}${A}/1/r1/artifacts/model/weights.bin`, { method: 'PUT', body });
    expect(put.status).toBe(200);
    const sha = createHash('sha256').update(body).digest('hex');
    expect(put.headers.get('x-trainyard-sha256')).toBe(sha);
    const get = await fetch(`${server.url}${A}/1/r1/artifacts/model/weights.bin`);
    expect(get.headers.get('content-disposition')).toContain('attachment');
    expect(get.headers.get('x-content-type-options')).toBe('nosniff');
    expect(get.headers.get('x-trainyard-sha256')).toBe(sha);
    expect(await get.text()).toBe(body);
    const part = await fetch(`${server.url}${A}/1/r1/artifacts/model/weights.bin`, { headers: { range: 'bytes=6-14' } });
    expect(part.status).toBe(206);
    expect(await part.text()).toBe('artifacts');
    const list = await server.call('GET', `${A}?path=1/r1/artifacts/model`);
    expect(list.body.files).toEqual([{ path: 'weights.bin', is_dir: false, file_size: body.length }]);
    expect((await server.call('DELETE', `${A}/1/r1/artifacts/model/weights.bin`)).status).toBe(200);
    expect((await server.call('GET', `${A}/1/r1/artifacts/model/weights.bin`)).status).toBe(404);
  });

  it('answers a missing file with 404 RESOURCE_DOES_NOT_EXIST, not 500', async () => {
    const res = await server.call('GET', `${A}/1/nope/artifacts/missing.bin`);
    expect(res.status).toBe(404);
    expect(res.body.error_code).toBe('RESOURCE_DOES_NOT_EXIST');
  });

  for (const [label, path] of [
    ['dot-dot', `${A}/../../etc/passwd`],
    ['encoded dot-dot', `${A}/1/%2e%2e/%2e%2e/%2e%2e/x.txt`],
    ['double-encoded dot-dot', `${A}/1/%252e%252e/%252e%252e/x.txt`],
    ['encoded slash traversal', `${A}/1/..%2f..%2f..%2fx.txt`],
    ['backslash traversal', `${A}/1/..%5c..%5cx.txt`],
    ['absolute path', `${A}/%2Fetc%2Fpasswd`],
    ['NUL byte', `${A}/1/a%00.txt`],
  ] as const) {
    it(`rejects ${label} with 400 and writes nothing`, async () => {
      const put = await raw(server, 'PUT', path, 'evil');
      expect(put.status, JSON.stringify(put.body)).toBe(400);
      expect(put.body.error_code).toBe('INVALID_PARAMETER_VALUE');
      const get = await raw(server, 'GET', path);
      expect(get.status).toBe(400);
      expect(readFileSync(join(outside, 'secret.txt'), 'utf8')).toBe('top secret');
      expect(existsSync('/etc/x.txt')).toBe(false);
    });
  }

  it('rejects a path through a symlink that leaves the store, and touches nothing', async () => {
    const root = join((await import('../src/core/config.js')).defaultHome({ TRAINYARD_HOME: server.server.db.description.replace(/^sqlite:/, '').replace(/\/trainyard\.db$/, '') }), 'artifacts');
    mkdirSync(join(root, '1'), { recursive: true });
    symlinkSync(outside, join(root, '1', 'escape'));
    const get = await raw(server, 'GET', `${A}/1/escape/secret.txt`);
    expect(get.status).toBe(400);
    const put = await raw(server, 'PUT', `${A}/1/escape/secret.txt`, 'overwritten');
    expect(put.status).toBe(400);
    expect(readFileSync(join(outside, 'secret.txt'), 'utf8')).toBe('top secret');
  });

  it('multipart upload: create, upload parts to the returned URLs, complete', async () => {
    const path = `1/r2/artifacts/big.bin`;
    const created = await server.call('POST', `/api/2.0/mlflow-artifacts/mpu/create/${path}`, { path, num_parts: 2 });
    expect(created.status).toBe(200);
    const parts = [];
    const chunks = [Buffer.alloc(5 * 1024 * 1024, 1), Buffer.from('tail')];
    for (const cred of created.body.credentials) {
      const res = await fetch(cred.url, { method: 'PUT', body: chunks[cred.part_number - 1] });
      expect(res.status).toBe(200);
      parts.push({ part_number: cred.part_number, etag: res.headers.get('etag'), url: cred.url });
    }
    const done = await server.call('POST', `/api/2.0/mlflow-artifacts/mpu/complete/${path}`, { path, upload_id: created.body.upload_id, parts });
    expect(done.status).toBe(200);
    const got = Buffer.from(await (await fetch(`${server.url}${A}/${path}`)).arrayBuffer());
    expect(got.equals(Buffer.concat(chunks))).toBe(true);
  });

  it('artifacts/list and get-artifact resolve a run, with 404 for an unknown run and 400 for traversal', async () => {
    const { body } = await server.mlflow('POST', '/runs/create', { experiment_id: '0' });
    const run = body.run.info;
    await fetch(`${server.url}${A}/${run.artifact_uri.replace('mlflow-artifacts:/', '')}/plots/loss.png`, { method: 'PUT', body: 'png' });
    const list = await server.mlflow('GET', '/artifacts/list', { run_id: run.run_id, path: 'plots' } as any);
    expect(list.body).toEqual({ root_uri: run.artifact_uri, files: [{ path: 'plots/loss.png', is_dir: false, file_size: 3 }] });
    const top = await server.call('GET', `/ajax-api/2.0/mlflow/artifacts/list?run_id=${run.run_id}`);
    expect(top.body.files).toEqual([{ path: 'plots', is_dir: true }]);
    expect(await (await fetch(`${server.url}/get-artifact?run_id=${run.run_id}&path=plots/loss.png`)).text()).toBe('png');
    expect((await server.call('GET', `/api/2.0/mlflow/artifacts/list?run_id=nope`)).status).toBe(404);
    expect((await server.call('GET', `/api/2.0/mlflow/artifacts/list?run_id=${run.run_id}&path=../..`)).status).toBe(400);
  });

  it('lets the SDK verify a download and detect a tampered file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ty-verify-'));
    const ty = new Trainyard({ uri: server.url, capture: false });
    try {
      writeFileSync(join(dir, 'model.bin'), 'weights v1');
      const run = await ty.startRun();
      await run.logArtifact(join(dir, 'model.bin'));
      await run.end();
      const conn = await ty.connection();
      const ok = await conn.artifacts.downloadTo(run.info.artifact_uri, 'model.bin', join(dir, 'out', 'model.bin'));
      expect(ok.sha256).toBe(createHash('sha256').update('weights v1').digest('hex'));
      // Tamper with the stored file behind the server's back.
      const stored = join(server.server.db.description.replace(/^sqlite:/, '').replace(/trainyard\.db$/, ''), 'artifacts', run.info.artifact_uri.replace('mlflow-artifacts:/', ''), 'model.bin');
      writeFileSync(stored, 'weights v2');
      await expect(conn.artifacts.downloadTo(run.info.artifact_uri, 'model.bin', join(dir, 'out', 'bad.bin'))).rejects.toThrow(/failed verification/);
      expect(existsSync(join(dir, 'out', 'bad.bin'))).toBe(false);
    } finally {
      await ty.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
