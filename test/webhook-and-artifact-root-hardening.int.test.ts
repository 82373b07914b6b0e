import { mkdtempSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startServer, type RunningServer } from '../src/server/start-server.js';
import { createTestDatabase, type TestDatabase } from './helpers/databases.js';

/**
 * Issue 12's SSRF and artifact-root findings, each against a real server: webhooks refuse
 * private targets at create and again at delivery, follow no redirect, never hand the target's
 * body to the caller, belong to their owner, and need their secret again when the URL changes;
 * experiments keep local artifacts only inside the server's roots.
 */
const API = '/api/2.0/mlflow';
const EVENTS = ['model_version.created'];

class Receiver {
  hits: string[] = [];
  private server!: Server;
  url = '';
  async start() {
    this.server = createServer((req, res) => {
      this.hits.push(req.url ?? '');
      req.resume();
      if (req.url === '/redirect') return res.writeHead(302, { location: `${this.url}/after-redirect` }).end();
      res.writeHead(200, { 'content-type': 'text/plain' }).end('INTERNAL-ONLY-SECRET-PAGE');
    });
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }
  stop() {
    return new Promise((r) => this.server.close(r));
  }
}

async function call(s: RunningServer, method: string, path: string, body?: unknown, user?: string) {
  const headers: Record<string, string> = {};
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (user) headers['x-trainyard-user'] = user;
  const res = await fetch(s.url + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as any };
}

describe('webhook hardening', () => {
  let db: TestDatabase;
  let db2: TestDatabase;
  let strict: RunningServer;
  let open: RunningServer;
  const receiver = new Receiver();
  beforeAll(async () => {
    process.env.TRAINYARD_WEBHOOK_RETRY_BASE_MS = '100';
    process.env.TRAINYARD_WEBHOOK_MAX_ATTEMPTS = '1';
    process.env.TRAINYARD_WEBHOOK_POLL_MS = '100';
    await receiver.start();
    db = await createTestDatabase('sqlite');
    db2 = await createTestDatabase('sqlite');
    strict = await startServer({ host: '127.0.0.1', port: 0, home: db.home, db: db.url });
    open = await startServer({ host: '127.0.0.1', port: 0, home: db2.home, db: db2.url, allowPrivateWebhooks: true });
  });
  afterAll(async () => {
    for (const k of ['TRAINYARD_WEBHOOK_RETRY_BASE_MS', 'TRAINYARD_WEBHOOK_MAX_ATTEMPTS', 'TRAINYARD_WEBHOOK_POLL_MS']) delete process.env[k];
    await strict?.close();
    await open?.close();
    await receiver.stop();
    await db?.drop();
    await db2?.drop();
  });

  it('refuses loopback, private, link-local and metadata targets with a 400 naming the flag', async () => {
    const targets = [receiver.url, 'http://localhost:9/x', 'http://169.254.169.254/latest/meta-data', 'http://[::1]:8080/', 'http://10.1.2.3/', 'http://192.168.0.10/',
      'http://[::ffff:127.0.0.1]/', 'http://0.0.0.0:80/', 'http://100.64.0.1/'];
    for (const url of targets) {
      const res = await call(strict, 'POST', `${API}/webhooks`, { name: 'h', url, events: EVENTS });
      expect(res.status, url).toBe(400);
      expect(res.body.message, url).toMatch(/--allow-private-webhooks/);
    }
    expect(receiver.hits).toEqual([]);
  });

  it('checks the address again at delivery (a name that re-resolved to loopback is refused, nothing is sent)', async () => {
    // A webhook accepted earlier whose target now points inside (as DNS rebinding would make it).
    await strict.db.run(
      "INSERT INTO webhooks (id, name, description, url, events, secret, status, creation_timestamp, last_updated_timestamp) VALUES ('wh-0rebind', 'r', NULL, ?, ?, NULL, 'ACTIVE', 1, 1)",
      [`${receiver.url}/rebound`, JSON.stringify(EVENTS)],
    );
    const tested = await call(strict, 'POST', `${API}/webhooks/wh-0rebind/test`, {});
    expect(tested.status).toBe(200);
    expect(tested.body.result.success).toBe(false);
    expect(tested.body.result.error_message).toMatch(/private|loopback/);
    expect(receiver.hits).toEqual([]);
  });

  it('test never returns the target’s body, and no redirect is followed', async () => {
    const hook = (await call(open, 'POST', `${API}/webhooks`, { name: 'inside', url: `${receiver.url}/page`, events: EVENTS }, 'alice')).body.webhook;
    const tested = await call(open, 'POST', `${API}/webhooks/${hook.webhook_id}/test`, {}, 'alice');
    expect(tested.body.result).toEqual({ success: true, response_status: 200 });
    expect(JSON.stringify(tested.body)).not.toContain('INTERNAL-ONLY');
    const redirecting = (await call(open, 'POST', `${API}/webhooks`, { name: 'redir', url: `${receiver.url}/redirect`, events: EVENTS }, 'alice')).body.webhook;
    const r = await call(open, 'POST', `${API}/webhooks/${redirecting.webhook_id}/test`, {}, 'alice');
    expect(r.body.result).toMatchObject({ success: false, response_status: 302 });
    expect(receiver.hits).toContain('/redirect');
    expect(receiver.hits).not.toContain('/after-redirect');
  });

  it('only the owner may change, test or delete a webhook; a new URL needs the secret again', async () => {
    const hook = (await call(open, 'POST', `${API}/webhooks`, { name: 'owned', url: `${receiver.url}/a`, events: EVENTS, secret: 'alice-secret' }, 'alice')).body.webhook;
    expect(hook.owner).toBe('alice');
    for (const [method, path, body] of [['PATCH', '', { url: `${receiver.url}/evil`, secret: 'mallory' }], ['POST', '/test', {}], ['DELETE', '', undefined]] as const) {
      const res = await call(open, method, `${API}/webhooks/${hook.webhook_id}${path}`, body, 'mallory');
      expect(res.status, `${method} ${path}`).toBe(403);
      expect(res.body.error_code).toBe('PERMISSION_DENIED');
    }
    const noSecret = await call(open, 'PATCH', `${API}/webhooks/${hook.webhook_id}`, { url: `${receiver.url}/b` }, 'alice');
    expect(noSecret.status).toBe(400);
    expect(noSecret.body.message).toMatch(/'secret' set again/);
    const moved = await call(open, 'PATCH', `${API}/webhooks/${hook.webhook_id}`, { url: `${receiver.url}/b`, secret: 'new-secret' }, 'alice');
    expect(moved.status).toBe(200);
    expect(moved.body.webhook.url).toBe(`${receiver.url}/b`);
    expect((await call(open, 'PATCH', `${API}/webhooks/${hook.webhook_id}`, { description: 'same url, no secret needed' }, 'alice')).status).toBe(200);
  });

  it('logs a failed delivery in one line, without the secret', async () => {
    const errors: string[] = [];
    const spy = vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => void errors.push(a.map(String).join(' ')));
    try {
      expect((await call(strict, 'POST', `${API}/webhooks`, { name: 'dead', url: 'http://hooks.invalid/x', events: ['registered_model.created'], secret: 'top-secret-value' })).status).toBe(200);
      expect((await call(strict, 'POST', `${API}/registered-models/create`, { name: 'logged-model' })).status).toBe(200);
      await vi.waitFor(() => expect(errors.some((e) => /webhook .* delivery .* failed/.test(e))).toBe(true), { timeout: 15_000, interval: 100 });
    } finally {
      spy.mockRestore();
    }
    const line = errors.find((e) => /webhook .* delivery/.test(e))!;
    expect(line).not.toContain('top-secret-value');
    expect(line.split('\n')).toHaveLength(1);
  });
});

describe('artifact roots', () => {
  let db: TestDatabase;
  let server: RunningServer;
  const extra = mkdtempSync(join(tmpdir(), 'ty-extra-root-'));
  beforeAll(async () => {
    db = await createTestDatabase('sqlite');
    server = await startServer({ host: '127.0.0.1', port: 0, home: db.home, db: db.url, allowedArtifactRoots: [extra, 's3://team-bucket/ml'] });
  });
  afterAll(async () => {
    await server?.close();
    await db?.drop();
  });

  it('refuses local locations outside the roots with a 400 naming them; accepts those inside and remote ones', async () => {
    const refused = ['/etc', '/tmp/anywhere', 'file:///etc/passwd-dir', 'relative/dir', './here', `${extra}-sibling`, `file://${extra}/../x`];
    for (const [i, loc] of refused.entries()) {
      const res = await call(server, 'POST', `${API}/experiments/create`, { name: `bad-${i}`, artifact_location: loc });
      expect(res.status, loc).toBe(400);
      expect(res.body.message, loc).toMatch(/artifact_location/);
      if (!loc.includes('..')) expect(res.body.message, loc).toContain(extra);
    }
    const accepted = [`${extra}/team-a`, `file://${extra}/team-b`, join(db.home, 'artifacts', 'mine'), 's3://team-bucket/ml/x', 's3://other-bucket/direct', 'gs://b/p'];
    for (const [i, loc] of accepted.entries()) {
      const res = await call(server, 'POST', `${API}/experiments/create`, { name: `good-${i}`, artifact_location: loc });
      expect(res.status, loc).toBe(200);
    }
  });

  it('an experiment row naming a folder outside the roots (made before) is never read or written', async () => {
    await server.db.run("INSERT INTO experiments (name, artifact_location, lifecycle_stage, creation_time, last_update_time) VALUES ('legacy', '/etc', 'active', 1, 1)");
    const exp = (await call(server, 'GET', `${API}/experiments/get-by-name?experiment_name=legacy`)).body.experiment.experiment_id;
    const run = (await call(server, 'POST', `${API}/runs/create`, { experiment_id: exp })).body.run.info.run_id;
    const listed = await call(server, 'GET', `${API}/artifacts/list?run_id=${run}`);
    expect(listed.status).toBe(400);
    expect(listed.body.message).toMatch(/outside the server's artifact roots/);
  });
});
