import { connect as netConnect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registeredRoutes } from '../src/server/app.js';
import { startServer, type RunningServer } from '../src/server/start-server.js';
import { createTestDatabase, DIALECTS, type TestDatabase } from './helpers/databases.js';

/**
 * The bad-input sweep of issue 12 over every registered route (other branches' routes
 * included), on both dialects: deep JSON, NUL bytes, integers past 2^63, huge names, repeated
 * query keys, non-object bodies. The bar is zero 5xx, MLflow's error JSON on every 4xx, and no
 * error echoing more than ~1 KB of what it was sent.
 */
const NAMED_FIELDS = ['experiment_id', 'run_id', 'run_uuid', 'name', 'new_name', 'key', 'value', 'study', 'path', 'version', 'alias', 'stage', 'job_id',
  'webhook_id', 'model_id', 'metric_key', 'tag_key', 'username', 'password', 'filter', 'filter_string', 'run_name', 'description', 'artifact_location',
  'source', 'url', 'text', 'body', 'state', 'nonce', 'cron', 'file', 'model_json', 'upload_id', 'page_token', 'order_by', 'comment'];
const NUMBER_FIELDS = ['timestamp', 'step', 'max_results', 'start_time', 'end_time', 'number', 'pid', 'attempt', 'part_number', 'num_parts', 'value', 'version',
  'experiment_id', 'trial', 'max_timestamp_millis', 'min_timestamp_millis'];

const deep = (n: number) => '['.repeat(n) + ']'.repeat(n);
const HUGE = 'n'.repeat(100_000);
const BIG_INT = '92233720368547758080';

interface Payload {
  name: string;
  /** Raw JSON body (POST/PUT/PATCH/DELETE) . */
  body?: (ids: Ids) => string;
  /** Query string (every method). */
  query?: (ids: Ids) => string;
  /** What to put in place of path parameters. */
  param?: string;
}
interface Ids {
  exp: string;
  run: string;
}

const objectOf = (fields: string[], v: string) => `{${fields.map((f) => `${JSON.stringify(f)}:${v}`).join(',')}}`;
const withIds = (ids: Ids, fields: string[], v: string) => `{"experiment_id":"${ids.exp}","run_id":"${ids.run}","experiment_ids":["${ids.exp}"],${objectOf(fields.filter((f) => !['experiment_id', 'run_id'].includes(f)), v).slice(1)}`;

const PAYLOADS: Payload[] = [
  { name: 'JSON nested 5,000 deep in every field', body: () => objectOf(NAMED_FIELDS, deep(5000)) },
  { name: 'JSON nested 5,000 deep as the body', body: () => deep(5000) },
  { name: 'JSON nested 5,000 deep next to real ids', body: (ids) => withIds(ids, NAMED_FIELDS, `{"a":${deep(5000)}}`) },
  { name: 'NUL in every name', body: () => objectOf(NAMED_FIELDS, JSON.stringify('a\u0000b')), param: 'a%00b', query: () => NAMED_FIELDS.map((f) => `${f}=a%00b`).join('&') },
  { name: 'NUL next to real ids', body: (ids) => withIds(ids, NAMED_FIELDS, JSON.stringify('a\u0000b')) },
  { name: 'integers past 2^63', body: () => objectOf(NUMBER_FIELDS, BIG_INT), param: BIG_INT, query: () => NUMBER_FIELDS.map((f) => `${f}=${BIG_INT}`).join('&') },
  { name: 'integers past 2^63 as strings next to real ids', body: (ids) => withIds(ids, NUMBER_FIELDS, JSON.stringify(BIG_INT)) },
  { name: '100 KB names', body: () => objectOf(NAMED_FIELDS, JSON.stringify(HUGE)), param: 'p'.repeat(900) },
  { name: '100 KB names next to real ids', body: (ids) => withIds(ids, NAMED_FIELDS, JSON.stringify(HUGE)) },
  { name: 'repeated query keys', query: (ids) => [...NAMED_FIELDS, ...NUMBER_FIELDS].flatMap((f) => [`${f}=1`, `${f}=2`]).join('&') + `&run_id=${ids.run}&run_id=${ids.run}` },
  { name: 'wrong types everywhere', body: () => objectOf([...NAMED_FIELDS, ...NUMBER_FIELDS], '{"x":[1,{"y":null}]}') },
  { name: 'a JSON string, a number, null as the body', body: () => '"just a string"' },
];

function concrete(url: string, param = 'x'): string {
  return url.replace(/:[A-Za-z_]+/g, param).replace(/\*$/, `${param}/b`);
}

describe.each(DIALECTS)('bad-input sweep over every route (%s)', (dialect) => {
  let db: TestDatabase;
  let server: RunningServer;
  const ids: Ids = { exp: '', run: '' };

  beforeAll(async () => {
    db = await createTestDatabase(dialect);
    server = await startServer({ host: '127.0.0.1', port: 0, home: db.home, db: db.url });
    const post = async (p: string, b: unknown) => (await fetch(server.url + p, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(b) })).json() as Promise<any>;
    ids.exp = (await post('/api/2.0/mlflow/experiments/create', { name: 'sweep' })).experiment_id;
    ids.run = (await post('/api/2.0/mlflow/runs/create', { experiment_id: ids.exp })).run.info.run_id;
    await fetch(`${server.url}/api/2.0/mlflow-artifacts/artifacts/${ids.exp}/${ids.run}/artifacts/f.txt`, { method: 'PUT', body: 'hello' });
  });
  afterAll(async () => {
    await server?.close();
    await db?.drop();
  });

  it.each(PAYLOADS)('$name: no 5xx, MLflow error JSON, short errors', async (p) => {
    const wrong: string[] = [];
    for (const r of registeredRoutes(server.app)) {
      if (r.url === '/*' || r.url === '/') continue;
      let url = server.url + concrete(r.url, p.param);
      if (p.query) url += `?${p.query(ids)}`;
      const init: RequestInit = { method: r.method };
      if (p.body && r.method !== 'GET') init.body = p.body(ids);
      if (!p.body && !p.query) continue;
      if (r.method === 'GET' && !p.query && !p.param) continue;
      if (init.body) init.headers = { 'content-type': 'application/json' };
      const res = await fetch(url, init);
      // A live stream that opened took the input (its checks run before the first byte): close it.
      if (res.ok && res.headers.get('content-type')?.startsWith('text/event-stream')) {
        await res.body?.cancel();
        continue;
      }
      const text = await res.text();
      if (res.status >= 500) wrong.push(`${r.method} ${r.url} -> ${res.status} ${text.slice(0, 160)}`);
      else if (res.status >= 400) {
        let body: any;
        try {
          body = JSON.parse(text);
        } catch {
          body = undefined;
        }
        if (typeof body?.error_code !== 'string' || typeof body?.message !== 'string') wrong.push(`${r.method} ${r.url} -> ${res.status} not MLflow JSON: ${text.slice(0, 120)}`);
        else if (text.length > 1500) wrong.push(`${r.method} ${r.url} -> ${res.status} echoes ${text.length} characters`);
      }
    }
    expect(wrong.join('\n')).toBe('');
  }, 240_000);

  it('log-model with model_json that is JSON but not an object is a 400 naming the field', async () => {
    for (const model_json of ['[1,2]', '"s"', '42', 'null', deep(5000)]) {
      const res = await fetch(`${server.url}/api/2.0/mlflow/runs/log-model`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ run_id: ids.run, model_json }) });
      expect(res.status, model_json.slice(0, 10)).toBe(400);
      expect((await res.json()).message).toMatch(/model_json/);
    }
  });

  it('1 MB names are a 400 naming the length limit, on both dialects', async () => {
    const big = 'm'.repeat(1024 * 1024);
    const cases: [string, unknown][] = [
      ['/api/2.0/mlflow/experiments/create', { name: big }],
      ['/api/2.0/mlflow/registered-models/create', { name: big }],
      ['/api/v1/studies', { name: big }],
      ['/api/2.0/mlflow/runs/log-parameter', { run_id: ids.run, key: big, value: '1' }],
      ['/api/2.0/mlflow/runs/set-tag', { run_id: ids.run, key: big, value: '1' }],
      ['/api/2.0/mlflow/runs/log-metric', { run_id: ids.run, key: big, value: 1, timestamp: 1 }],
    ];
    for (const [path, body] of cases) {
      const res = await fetch(server.url + path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      const text = await res.text();
      expect(res.status, path).toBe(400);
      expect(text.length, path).toBeLessThan(1500);
      expect(JSON.parse(text).message, path).toMatch(/at most \d+|longer than|length/i);
    }
  });

  it('a URL or headers too large answer 414/431 with MLflow error JSON', async () => {
    const longParam = await fetch(`${server.url}/api/v1/studies/${'s'.repeat(5000)}`);
    expect(longParam.status).toBe(414);
    expect(await longParam.json()).toMatchObject({ error_code: expect.any(String), message: expect.stringMatching(/too long/i) });
    const longUrl = await rawRequest(server.url, `GET /api/2.0/mlflow/runs/get?run_id=${'r'.repeat(20_000)} HTTP/1.1\r\nHost: x\r\n\r\n`);
    expect(longUrl.status).toBe(431);
    expect(JSON.parse(longUrl.body)).toMatchObject({ error_code: expect.any(String), message: expect.any(String) });
  });

  it('a range past the end is 416 with the size', async () => {
    const res = await fetch(`${server.url}/api/2.0/mlflow-artifacts/artifacts/${ids.exp}/${ids.run}/artifacts/f.txt`, { headers: { range: 'bytes=100-200' } });
    expect(res.status).toBe(416);
    expect(res.headers.get('content-range')).toBe('bytes */5');
    expect((await res.json()).error_code).toBeTypeOf('string');
  });

  it('a known path with the wrong method is a 405 with Allow and MLflow error JSON', async () => {
    const res = await fetch(`${server.url}/api/2.0/mlflow/runs/create`, { method: 'GET' });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('POST');
    expect(await res.json()).toMatchObject({ error_code: 'BAD_REQUEST', message: expect.stringMatching(/POST/) });
    const del = await fetch(`${server.url}/api/v1/studies`, { method: 'DELETE' });
    expect(del.status).toBe(405);
    expect(del.headers.get('allow')).toMatch(/GET/);
    expect((await fetch(`${server.url}/api/2.0/mlflow/no-such-thing`, { method: 'POST' })).status).toBe(404);
  });

  it.each([
    ['the UI upload route', () => `/ajax-api/2.0/mlflow/upload-artifact?run_id=${ids.run}&path=big.bin`, 'application/octet-stream'],
    ['a JSON route', () => '/api/2.0/mlflow/runs/log-batch', 'application/json'],
  ])('an over-size body on %s, sent in full before reading the answer, gets a 400 without a hang', async (_name, path, type) => {
    const started = Date.now();
    const size = 40 * 1024 * 1024;
    // Like requests/urllib on a keep-alive connection: the whole body goes out, then the answer is read.
    const { status, body, bodyWritten } = await new Promise<{ status: number; body: string; bodyWritten: boolean }>((resolve, reject) => {
      const u = new URL(server.url);
      const sock = netConnect(Number(u.port), u.hostname);
      let data = '';
      let bodyWritten = false;
      sock.on('data', (d) => {
        data += d;
        const end = data.indexOf('\r\n\r\n');
        const length = /content-length: (\d+)/i.exec(data)?.[1];
        if (end >= 0 && length && data.length >= end + 4 + Number(length) && bodyWritten) {
          sock.destroy();
          resolve({ status: Number(data.split(' ')[1]), body: data.slice(end + 4), bodyWritten });
        }
      });
      sock.on('error', reject);
      sock.write(`POST ${path()} HTTP/1.1\r\nHost: ${u.host}\r\nConnection: keep-alive\r\nContent-Type: ${type}\r\nContent-Length: ${size}\r\n\r\n`);
      const chunk = Buffer.alloc(1024 * 1024, 32);
      let sent = 0;
      const pump = () => {
        while (sent < 40) {
          sent++;
          if (!sock.write(chunk)) return void sock.once('drain', pump);
        }
        bodyWritten = true;
        sock.emit('data', Buffer.alloc(0));
      };
      pump();
    });
    expect(bodyWritten).toBe(true);
    expect(status).toBe(400);
    expect(JSON.parse(body)).toMatchObject({ error_code: 'INVALID_PARAMETER_VALUE' });
    expect(Date.now() - started).toBeLessThan(20_000);
  }, 60_000);
});

/** One raw HTTP exchange (for requests fetch refuses to build). */
function rawRequest(base: string, text: string): Promise<{ status: number; body: string }> {
  const u = new URL(base);
  return new Promise((resolve, reject) => {
    const sock = netConnect(Number(u.port), u.hostname, () => sock.write(text));
    let data = '';
    sock.on('data', (d) => (data += d));
    sock.on('error', reject);
    sock.on('close', () => {
      const [head, ...rest] = data.split('\r\n\r\n');
      resolve({ status: Number(head!.split(' ')[1]), body: rest.join('\r\n\r\n') });
    });
    setTimeout(() => sock.end(), 3000);
  });
}
