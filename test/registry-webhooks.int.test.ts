import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifySignature } from '../src/registry/index.js';
import { DIALECTS } from './helpers/databases.js';
import { createModel, createVersion, runWithModel } from './helpers/registry-factories.js';
import { ok, uniqueName } from './helpers/tracking-factories.js';
import { useServer } from './helpers/use-server.js';

// Short backoff so a retry happens within the test; read when the server builds its registry.
process.env.TRAINYARD_WEBHOOK_RETRY_BASE_MS = '150';
process.env.TRAINYARD_WEBHOOK_MAX_ATTEMPTS = '3';
process.env.TRAINYARD_WEBHOOK_POLL_MS = '200';
// The receiver listens on loopback, which webhooks refuse by default (SSRF).
process.env.TRAINYARD_WEBHOOK_ALLOW_PRIVATE = 'true';

interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  at: number;
}

/** A real HTTP receiver on loopback. `/fail-once/...` answers 500 to the first delivery of each id. */
class Receiver {
  readonly got: Received[] = [];
  private server!: Server;
  private failedIds = new Set<string>();
  url = '';

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const rec = { path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), at: Date.now() };
        this.got.push(rec);
        const id = String(req.headers['x-mlflow-delivery-id']);
        if (rec.path.startsWith('/always-500')) return void res.writeHead(500).end('boom');
        if (rec.path.startsWith('/gone')) return void res.writeHead(410).end('gone');
        if (rec.path.startsWith('/fail-once') && !this.failedIds.has(id)) {
          this.failedIds.add(id);
          return void res.writeHead(503).end('warming up');
        }
        res.writeHead(200, { 'content-type': 'text/plain' }).end('thanks');
      });
    });
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  stop(): Promise<void> {
    return new Promise((r) => this.server.close(() => r()));
  }

  on(prefix: string): Received[] {
    return this.got.filter((g) => g.path.startsWith(prefix));
  }
}

async function waitFor<T>(fn: () => T | undefined | Promise<T | undefined>, what: string, ms = 10_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe.each(DIALECTS)('webhooks on %s', (dialect) => {
  const server = useServer(dialect);
  const receiver = new Receiver();
  beforeAll(() => receiver.start());
  afterAll(() => receiver.stop());

  const hook = async (path: string, events: unknown[], extra: Record<string, unknown> = {}) =>
    ok(await server().mlflow('POST', '/webhooks', { name: uniqueName('hook'), url: `${receiver.url}${path}`, events, ...extra })).webhook;

  it('delivers model_version.created with a valid HMAC-SHA256 signature', async () => {
    const s = server();
    const path = `/signed/${uniqueName()}`;
    const wh = await hook(path, ['model_version.created'], { secret: 's3cret' });
    expect(wh).toMatchObject({ url: `${receiver.url}${path}`, events: [{ entity: 'MODEL_VERSION', action: 'CREATED' }], status: 'ACTIVE' });
    expect(wh.secret).toBeUndefined();
    const run = await runWithModel(s);
    const name = await createModel(s);
    await createVersion(s, name, `runs:/${run.runId}/model`);
    const [got] = await waitFor(() => (receiver.on(path).length ? receiver.on(path) : undefined), 'the delivery');
    const id = String(got!.headers['x-mlflow-delivery-id']);
    const ts = Number(got!.headers['x-mlflow-timestamp']);
    expect(got!.headers['content-type']).toBe('application/json');
    expect(verifySignature('s3cret', id, ts, got!.body, String(got!.headers['x-mlflow-signature']))).toBe(true);
    expect(verifySignature('wrong', id, ts, got!.body, String(got!.headers['x-mlflow-signature']))).toBe(false);
    expect(verifySignature('s3cret', id, ts, got!.body.replace(name, 'other'), String(got!.headers['x-mlflow-signature']))).toBe(false);
    const payload = JSON.parse(got!.body);
    expect(payload).toMatchObject({ entity: 'model_version', action: 'created', data: { name, version: '1', source: `runs:/${run.runId}/model`, run_id: run.runId } });
    const log = ok(await s.call('GET', `/api/v1/webhooks/${wh.webhook_id}/deliveries`)).deliveries;
    await waitFor(async () => ok(await s.call('GET', `/api/v1/webhooks/${wh.webhook_id}/deliveries`)).deliveries[0]?.status === 'DELIVERED', 'DELIVERED');
    expect(log[0]).toMatchObject({ delivery_id: id, event: 'model_version.created' });
  });

  it('retries with backoff after the receiver first fails, and logs each attempt', async () => {
    const s = server();
    const path = `/fail-once/${uniqueName()}`;
    const wh = await hook(path, ['model_version_alias.created', 'promotion.requested', 'promotion.approved'], { secret: 'k' });
    const run = await runWithModel(s);
    const name = await createModel(s);
    await createVersion(s, name, `runs:/${run.runId}/model`);
    ok(await s.mlflow('POST', '/registered-models/alias', { name, alias: 'champion', version: '1' }));
    const arrivals = await waitFor(() => (receiver.on(path).length >= 2 ? receiver.on(path) : undefined), 'the retry');
    expect(arrivals[0]!.headers['x-mlflow-delivery-id']).toBe(arrivals[1]!.headers['x-mlflow-delivery-id']);
    expect(arrivals[1]!.at - arrivals[0]!.at).toBeGreaterThanOrEqual(140);
    // The retry is signed afresh (new timestamp) and still verifies.
    const r = arrivals[1]!;
    expect(verifySignature('k', String(r.headers['x-mlflow-delivery-id']), Number(r.headers['x-mlflow-timestamp']), r.body, String(r.headers['x-mlflow-signature']))).toBe(true);
    expect(JSON.parse(r.body)).toMatchObject({ entity: 'model_version_alias', action: 'created', data: { name, alias: 'champion', version: '1' } });
    const delivered = await waitFor(async () => {
      const d = ok(await s.call('GET', `/api/v1/webhooks/${wh.webhook_id}/deliveries`)).deliveries[0];
      return d?.status === 'DELIVERED' ? d : undefined;
    }, 'DELIVERED after a retry');
    expect(delivered.attempts).toBe(2);
    expect(delivered.attempt_log.map((a: any) => [a.attempt, a.status_code])).toEqual([[1, 503], [2, 200]]);
    expect(delivered.attempt_log[0].error).toContain('503');
  });

  it('gives up after the configured attempts, and does not retry a permanent 4xx', async () => {
    const s = server();
    const down = await hook(`/always-500/${uniqueName()}`, ['registered_model.created']);
    const gone = await hook(`/gone/${uniqueName()}`, ['registered_model.created']);
    await createModel(s);
    const failed = await waitFor(async () => {
      const d = ok(await s.call('GET', `/api/v1/webhooks/${down.webhook_id}/deliveries`)).deliveries[0];
      return d?.status === 'FAILED' ? d : undefined;
    }, 'FAILED after 3 attempts');
    expect(failed.attempts).toBe(3);
    expect(failed.last_status).toBe(500);
    const g = await waitFor(async () => {
      const d = ok(await s.call('GET', `/api/v1/webhooks/${gone.webhook_id}/deliveries`)).deliveries[0];
      return d?.status === 'FAILED' ? d : undefined;
    }, 'FAILED on 410');
    expect(g.attempts).toBe(1);
    // Stop these two from catching later tests' events.
    ok(await s.mlflow('PATCH', `/webhooks/${down.webhook_id}`, { status: 'DISABLED' }));
    ok(await s.mlflow('DELETE', `/webhooks/${gone.webhook_id}`));
  });

  it('announces promotion requests and approvals; a disabled webhook and a rolled-back change send nothing', async () => {
    const s = server();
    const path = `/promo/${uniqueName()}`;
    const wh = await hook(path, ['promotion.requested', 'promotion.approved', 'promotion.rejected', 'model_version.created']);
    const off = await hook(`/off/${uniqueName()}`, ['promotion.requested'], { status: 'DISABLED' });
    const run = await runWithModel(s);
    const name = await createModel(s);
    await createVersion(s, name, `runs:/${run.runId}/model`);
    expect((await s.mlflow('POST', '/model-versions/create', { name, source: `runs:/${'f'.repeat(32)}/model` })).status).toBe(404); // no such run
    const req = ok(await s.call('POST', `/api/v1/models/${encodeURIComponent(name)}/promotions`, { version: '1', alias: 'champion', user: 'ana' })).request;
    ok(await s.call('POST', `/api/v1/models/${encodeURIComponent(name)}/promotions/${req.request_id}/approve`, { user: 'bo' }));
    const got = await waitFor(() => (receiver.on(path).length >= 3 ? receiver.on(path) : undefined), 'three events');
    await new Promise((r) => setTimeout(r, 300));
    const events = receiver.on(path).map((g) => JSON.parse(g.body)).map((p) => `${p.entity}.${p.action}`);
    expect(events.sort()).toEqual(['model_version.created', 'promotion.approved', 'promotion.requested']);
    expect(JSON.parse(got.find((g) => g.body.includes('"approved"'))!.body).data).toMatchObject({ request_id: req.request_id, approved_by: 'bo', target: '@champion' });
    expect(receiver.on(off.url.slice(receiver.url.length))).toEqual([]);
    expect(wh.webhook_id).toMatch(/^wh-/);
  });

  it('creates, reads, lists, updates, tests and deletes webhooks with MLflow-shaped answers and 400/404s', async () => {
    const s = server();
    const wh = await hook('/crud', ['model_version.created', { entity: 'MODEL_VERSION_ALIAS', action: 'created' }], { description: 'ci trigger', secret: 'x' });
    expect(wh.events).toEqual([{ entity: 'MODEL_VERSION', action: 'CREATED' }, { entity: 'MODEL_VERSION_ALIAS', action: 'CREATED' }]);
    expect(ok(await s.mlflow('GET', `/webhooks/${wh.webhook_id}`)).webhook).toEqual(wh);
    const patched = ok(await s.mlflow('PATCH', `/webhooks/${wh.webhook_id}`, { description: 'changed', events: ['promotion.approved'] })).webhook;
    expect(patched).toMatchObject({ description: 'changed', events: [{ entity: 'PROMOTION', action: 'APPROVED' }], url: wh.url });
    const listed = ok(await s.mlflow('GET', '/webhooks', { max_results: 1 }));
    expect(listed.webhooks).toHaveLength(1);
    expect(listed.next_page_token).toBeDefined();
    const test = ok(await s.mlflow('POST', `/webhooks/${wh.webhook_id}/test`, {}));
    expect(test.result).toMatchObject({ success: true, response_status: 200 });
    expect(test.result.response_body).toBeUndefined();
    const bad: Record<string, unknown>[] = [
      { url: `${receiver.url}/x`, events: ['model_version.created'] },
      { name: 'n', events: ['model_version.created'] },
      { name: 'n', url: 'ftp://example.com/x', events: ['model_version.created'] },
      { name: 'n', url: 'not a url', events: ['model_version.created'] },
      { name: 'n', url: `${receiver.url}/x` },
      { name: 'n', url: `${receiver.url}/x`, events: [] },
      { name: 'n', url: `${receiver.url}/x`, events: ['model.exploded'] },
      { name: 'n', url: `${receiver.url}/x`, events: ['model_version.created'], status: 'PAUSED' },
    ];
    for (const body of bad) {
      const res = await s.mlflow('POST', '/webhooks', body);
      expect({ body, status: res.status }).toEqual({ body, status: 400 });
    }
    ok(await s.mlflow('DELETE', `/webhooks/${wh.webhook_id}`));
    for (const [m, p] of [['GET', ''], ['PATCH', ''], ['DELETE', ''], ['POST', '/test']] as const) {
      expect((await s.mlflow(m, `/webhooks/${wh.webhook_id}${p}`, {})).status).toBe(404);
    }
    expect((await s.call('GET', `/api/v1/webhooks/${wh.webhook_id}/deliveries`)).status).toBe(404);
  });
});
