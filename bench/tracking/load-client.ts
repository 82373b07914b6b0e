/**
 * @module One benchmark client, run as its own process (forked by load.ts): on each `go` message,
 * a closed loop of requests over one keep-alive connection (http-client.ts, or Node's global
 * fetch with `client: 'fetch'`), counting what
 * completes inside the measurement window. log-batch bodies are built before the window opens so
 * the client spends its CPU on sending, not on JSON.stringify: on a 2-core machine the clients
 * share the CPUs with the server.
 */

import { encodeMetricBatch, METRICS_BINARY_TYPE } from '../../src/core/metric-batch-binary.js';
import { KeepAliveClient, type HttpResponse } from './http-client.js';

/** `batch-binary`: the same batches as `batch`, in the SDKs' binary format (issue 14). */
export type LoadMode = 'batch' | 'batch-binary' | 'metric' | 'health';
export type ClientKind = 'raw' | 'fetch';

export interface GoMessage {
  url: string;
  mode: LoadMode;
  /** Batch shape: `keys` metrics x `steps` consecutive steps = points per log-batch request. */
  keys: number;
  steps: number;
  seed: number;
  client: ClientKind;
  /** Wall-clock ms (Date.now) at which to start; the window is [startAt + warmupMs, + durationMs]. */
  startAt: number;
  warmupMs: number;
  durationMs: number;
  /** Authorization header value for a server with --auth (Bearer token or Basic credentials). */
  authorization?: string;
}

export interface ClientResult {
  ops: number;
  points: number;
  errors: number;
  firstError?: string;
  /** CPU this client used during the run, in seconds. */
  cpuSec: number;
}

// Distinct batches built per client; a client moves to a fresh run after using them all, so no
// point is ever sent twice (duplicates would take the write path's slower re-insert branch).
// 200 of the 1,000-point shape; larger batches (the binary format's 10,000) fewer, same points.
const bodiesPerRun = (points: number) => Math.max(4, Math.min(200, Math.floor(200_000 / points)));

type Send = (method: 'GET' | 'POST', path: string, body?: string | Buffer) => Promise<HttpResponse>;

function sender(base: string, kind: ClientKind, authorization?: string): { send: Send; close: () => void } {
  if (kind === 'raw') {
    const c = new KeepAliveClient(base, authorization);
    return { send: (method, path, body) => c.request(method, path, body, typeof body === 'string' ? 'application/json' : METRICS_BINARY_TYPE), close: () => c.close() };
  }
  return {
    send: async (method, path, body) => {
      const type = typeof body === 'string' ? 'application/json' : METRICS_BINARY_TYPE;
      const auth: Record<string, string> = authorization ? { authorization } : {};
      const res = await fetch(base + path, body === undefined ? { method, headers: auth } : { method, body: body as string, headers: { 'content-type': type, ...auth } });
      return { status: res.status, body: await res.text() };
    },
    close: () => undefined,
  };
}

async function createRun(send: Send, seed: number): Promise<string> {
  const res = await send('POST', '/api/2.0/mlflow/runs/create', JSON.stringify({ experiment_id: '0', run_name: `bench-client-${seed}` }));
  return (JSON.parse(res.body) as { run: { info: { run_id: string } } }).run.info.run_id;
}

/** The batches as MLflow JSON (the metrics array's text) and as the binary format: the same points. */
function metricParts(keys: number, steps: number, seed: number): { json: string[]; binary: Buffer[] } {
  let s = seed * 7919 + 1;
  const rnd = () => (s = (Math.imul(s, 48271) >>> 0) % 2147483647) / 2147483647;
  const base = 1_767_000_000_000;
  const json: string[] = [];
  const binary: Buffer[] = [];
  for (let j = 0, bodies = bodiesPerRun(keys * steps); j < bodies; j++) {
    const items: string[] = [];
    const points: { key: string; value: number; timestamp: number; step: number }[] = [];
    for (let k = 0; k < keys; k++) {
      for (let i = 0; i < steps; i++) {
        const step = j * steps + i;
        const value = rnd();
        items.push(`{"key":"metric_${k}","value":${value},"timestamp":${base + step},"step":${step}}`);
        points.push({ key: `metric_${k}`, value, timestamp: base + step, step });
      }
    }
    json.push(`[${items.join(',')}]`);
    binary.push(Buffer.from(encodeMetricBatch(points)));
  }
  return { json, binary };
}

let parts: { shape: string; list: string[]; binary: Buffer[] } | undefined;
// Every shape built so far: a benchmark alternating two shapes builds each once.
const built = new Map<string, { shape: string; list: string[]; binary: Buffer[] }>();
function partsOf(keys: number, steps: number, seed: number): { shape: string; list: string[]; binary: Buffer[] } {
  const shape = `${keys}x${steps}`;
  let got = built.get(shape);
  if (!got) {
    const p = metricParts(keys, steps, seed);
    built.set(shape, (got = { shape, list: p.json, binary: p.binary }));
  }
  return got;
}

async function run(go: GoMessage): Promise<ClientResult> {
  const shape = `${go.keys}x${go.steps}`;
  if ((go.mode === 'batch' || go.mode === 'batch-binary') && parts?.shape !== shape) parts = partsOf(go.keys, go.steps, go.seed);
  const { send, close } = sender(go.url, go.client, go.authorization);
  let runId = go.mode === 'health' ? '' : await createRun(send, go.seed);
  await send('GET', '/health'); // the connection is open before the clock starts
  const from = go.startAt + go.warmupMs;
  const to = from + go.durationMs;
  while (Date.now() < go.startAt) await new Promise((r) => setTimeout(r, 1));
  const result: ClientResult = { ops: 0, points: 0, errors: 0, cpuSec: 0 };
  const cpu0 = process.cpuUsage();
  const pointsPerOp = go.mode === 'batch' || go.mode === 'batch-binary' ? go.keys * go.steps : go.mode === 'metric' ? 1 : 0;
  let j = 0;
  let step = 0;
  while (Date.now() < to) {
    let res: HttpResponse;
    if (go.mode === 'batch') {
      if (j === parts!.list.length) {
        runId = await createRun(send, go.seed);
        j = 0;
      }
      res = await send('POST', '/api/2.0/mlflow/runs/log-batch', `{"run_id":"${runId}","metrics":${parts!.list[j++]}}`);
    } else if (go.mode === 'batch-binary') {
      if (j === parts!.binary.length) {
        runId = await createRun(send, go.seed);
        j = 0;
      }
      res = await send('POST', `/api/2.0/mlflow/runs/log-batch?run_id=${runId}`, parts!.binary[j++]);
    } else if (go.mode === 'metric') {
      step++;
      res = await send('POST', '/api/2.0/mlflow/runs/log-metric', `{"run_id":"${runId}","key":"loss","value":${1 / step},"timestamp":${1_767_000_000_000 + step},"step":${step}}`);
    } else {
      res = await send('GET', '/health');
    }
    const now = Date.now();
    if (res.status !== 200) {
      result.errors++;
      result.firstError ??= `${res.status} ${res.body.slice(0, 200)}`;
    } else if (now >= from && now <= to) {
      result.ops++;
      result.points += pointsPerOp;
    }
  }
  close();
  const cpu = process.cpuUsage(cpu0);
  result.cpuSec = (cpu.user + cpu.system) / 1e6;
  return result;
}

process.on('message', (m) => {
  const msg = m as { type: 'prepare'; keys: number; steps: number; seed: number } | ({ type: 'go' } & GoMessage) | { type: 'exit' };
  if (msg.type === 'exit') process.exit(0);
  if (msg.type === 'prepare') {
    parts = partsOf(msg.keys, msg.steps, msg.seed);
    process.send!({ type: 'ready' });
    return;
  }
  run(msg).then(
    (result) => process.send!({ type: 'done', result }),
    (e) => process.send!({ type: 'done', result: { ops: 0, points: 0, errors: 1, cpuSec: 0, firstError: String(e?.stack ?? e) } }),
  );
});
