import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { connect } from '../src/client/connect.js';
import { Trainyard } from '../src/client/trainyard.js';
import { encodeMetricBatch, HEADER_BYTES, METRICS_BINARY_TYPE } from '../src/core/metric-batch-binary.js';
import { DIALECTS } from './helpers/databases.js';
import { createRun, fullHistory, getRun, logBatch, ok, type MetricInput } from './helpers/tracking-factories.js';
import type { TestServer } from './helpers/server.js';
import { useServer } from './helpers/use-server.js';

async function postBinary(s: TestServer, runId: string, body: Uint8Array<ArrayBuffer>, prefix = '/api/2.0/mlflow') {
  const res = await fetch(`${s.url}${prefix}/runs/log-batch?run_id=${encodeURIComponent(runId)}`, {
    method: 'POST', headers: { 'content-type': METRICS_BINARY_TYPE }, body,
  });
  return { status: res.status, body: (await res.json()) as any };
}

/** What a client can observe of a run's metrics: the summaries (runs/get) and every point. */
async function observed(s: TestServer, runId: string, keys: string[]) {
  const run = await getRun(s, runId);
  const latest = [...run.data.metrics].sort((a: any, b: any) => (a.key < b.key ? -1 : 1));
  const histories: Record<string, unknown[]> = {};
  for (const k of keys) {
    histories[k] = (await fullHistory(s, runId, k)).map(({ key, value, timestamp, step }: any) => ({ key, value, timestamp, step }))
      .sort((a: any, b: any) => a.step - b.step || a.timestamp - b.timestamp);
  }
  // Bucketed series read the per-block summaries, which the write path keeps.
  const series: Record<string, unknown> = {};
  for (const k of keys) series[k] = ok(await s.call('GET', `/api/v1/runs/${runId}/metrics/${encodeURIComponent(k)}/series`, { buckets: 7 })).buckets;
  return { latest, histories, series };
}

const points = [
  ...Array.from({ length: 600 }, (_, i) => ({ key: 'loss', value: 1 / (i + 1), timestamp: 1_700_000_000_000 + i, step: i })),
  ...Array.from({ length: 300 }, (_, i) => ({ key: 'eval/acc', value: i % 50 === 0 ? NaN : i / 300, timestamp: 1_700_000_000_000 + i, step: 3 * i })),
  { key: 'lr', value: Infinity, timestamp: 5, step: 2 ** 40 },
  { key: 'lr', value: -Infinity, timestamp: 6, step: 0 },
];
const asJson = (ps: typeof points): MetricInput[] => ps.map((p) => ({ ...p, value: Number.isNaN(p.value) ? 'NaN' : p.value === Infinity ? 'Infinity' : p.value === -Infinity ? '-Infinity' : p.value }) as MetricInput);

describe.each(DIALECTS)('binary log-batch on %s', (dialect) => {
  const server = useServer(dialect);

  it('stores exactly what the same points sent as MLflow JSON store', async () => {
    const s = server();
    const viaJson = (await createRun(s)).info.run_id;
    const viaBinary = (await createRun(s)).info.run_id;
    await logBatch(s, viaJson, { metrics: asJson(points.slice(0, 1000)) });
    await logBatch(s, viaJson, { metrics: asJson(points.slice(1000)) });
    ok(await postBinary(s, viaBinary, encodeMetricBatch(points.slice(0, 1000))));
    ok(await postBinary(s, viaBinary, encodeMetricBatch(points.slice(1000)), '/ajax-api/2.0/mlflow'));
    // A resent batch (a client retry) collapses, as on the JSON route.
    ok(await postBinary(s, viaBinary, encodeMetricBatch(points.slice(0, 1000))));
    await logBatch(s, viaJson, { metrics: asJson(points.slice(0, 1000)) });
    const keys = ['loss', 'eval/acc', 'lr'];
    const a = await observed(s, viaJson, keys);
    const b = await observed(s, viaBinary, keys);
    expect(b).toEqual(a);
    expect(a.histories.loss).toHaveLength(600);
    expect(a.latest.find((m: any) => m.key === 'lr')).toEqual({ key: 'lr', value: 'Infinity', timestamp: 5, step: 2 ** 40 });
    expect((b.histories['eval/acc'] as any[]).filter((m) => m.value === 'NaN')).toHaveLength(6);
  });

  it('takes more points a batch than MLflow JSON (up to 100,000)', async () => {
    const s = server();
    const id = (await createRun(s)).info.run_id;
    const many = Array.from({ length: 5000 }, (_, i) => ({ key: `k${i % 5}`, value: i, timestamp: 1000, step: i }));
    ok(await postBinary(s, id, encodeMetricBatch(many)));
    expect(await fullHistory(s, id, 'k3')).toHaveLength(1000);
  });

  it('answers bad binary input with 400 and MLflow error JSON, writing nothing', async () => {
    const s = server();
    const id = (await createRun(s)).info.run_id;
    const good = encodeMetricBatch([{ key: 'm', value: 1, timestamp: 1, step: 0 }, { key: 'n', value: 2, timestamp: 1, step: 0 }]);
    const edit = (f: (b: Uint8Array<ArrayBuffer>, dv: DataView) => Uint8Array<ArrayBuffer> | void) => {
      const b = new Uint8Array(good);
      return f(b, new DataView(b.buffer)) ?? b;
    };
    const cases: [string, Uint8Array<ArrayBuffer>, RegExp][] = [
      ['truncated buffer', good.subarray(0, good.length - 3), /announces 2 points .* but the body has/],
      ['shorter than the header', good.subarray(0, 7), /shorter than the 24-byte header/],
      ['key index out of range', edit((_b, dv) => dv.setUint32(HEADER_BYTES + 24 * 2 + 4, 7, true)), /point 1 has key index 7/],
      ['not our format', new TextEncoder().encode('{"run_id": "x"}'), /does not start with "TYMB"/],
      ['bad key', encodeMetricBatch([{ key: 'a/../b', value: 1, timestamp: 1, step: 0 }]), /Invalid metric name: 'a\/..\/b'/],
      ['negative timestamp', encodeMetricBatch([{ key: 'm', value: 1, timestamp: -1, step: 0 }]), /Invalid value -1 for parameter 'timestamp of metric 'm''/],
      ['too many distinct keys', encodeMetricBatch(Array.from({ length: 1001 }, (_, i) => ({ key: `k${i}`, value: 1, timestamp: 1, step: 0 }))), /at most 1000 distinct keys. Got 1001/],
      ['duplicate dictionary key', edit((b) => void b.set(new TextEncoder().encode('m'), b.length - 1)), /holds 'm' twice/],
    ];
    for (const [name, body, message] of cases) {
      const res = await postBinary(s, id, body);
      expect({ name, status: res.status, code: res.body.error_code }).toEqual({ name, status: 400, code: 'INVALID_PARAMETER_VALUE' });
      expect(res.body.message, name).toMatch(message);
    }
    // A good batch after a bad one with the bad key: the whole bad batch was refused.
    const mixed = encodeMetricBatch([{ key: 'fine', value: 1, timestamp: 1, step: 0 }, { key: '', value: 1, timestamp: 1, step: 0 }]);
    expect((await postBinary(s, id, mixed)).status).toBe(400);
    expect((await getRun(s, id)).data.metrics ?? []).toEqual([]);
    // Unknown run: 404 as on the JSON route; no run_id: 400.
    const missing = await postBinary(s, 'f'.repeat(32), good);
    expect([missing.status, missing.body.error_code]).toEqual([404, 'RESOURCE_DOES_NOT_EXIST']);
    const noRun = await fetch(`${s.url}/api/2.0/mlflow/runs/log-batch`, { method: 'POST', headers: { 'content-type': METRICS_BINARY_TYPE }, body: good });
    expect(noRun.status).toBe(400);
    expect(((await noRun.json()) as any).error_code).toBe('INVALID_PARAMETER_VALUE');
  });
});

describe('binary batches from the SDKs (sqlite)', () => {
  const server = useServer('sqlite');

  it('the TypeScript SDK sends metric-only batches binary, and falls back to JSON where the server does not read them', async () => {
    const s = server();
    for (const serverReadsBinary of [true, false]) {
      const conn = await connect({ uri: s.url });
      const sent: string[] = [];
      const post = conn.postBytes!.bind(conn);
      // The fallback case: the binary request goes to a path this server does not have (a real 404),
      // as an MLflow server or an older Trainyard would refuse it.
      conn.postBytes = (path, query, type, body) => (sent.push(type), post(serverReadsBinary ? path : `${path}-absent`, query, type, body));
      const ty = new Trainyard({ connection: conn });
      const run = await ty.startRun({ name: `sdk-binary-${serverReadsBinary}`, capture: false });
      for (let i = 0; i < 2500; i++) await run.logMetric(i % 2 ? 'loss' : 'acc', i % 100 === 0 ? NaN : 1 / (i + 1), { step: i, timestamp: 1000 + i });
      await run.end();
      expect(sent.length, 'binary attempts').toBe(serverReadsBinary ? 3 : 1);
      expect(sent.every((t) => t === METRICS_BINARY_TYPE)).toBe(true);
      const loss = await fullHistory(s, run.id, 'loss');
      expect(loss).toHaveLength(1250);
      expect((await fullHistory(s, run.id, 'acc')).filter((m: any) => m.value === 'NaN')).toHaveLength(25);
      await conn.close();
    }
  });

  it('the Python client encodes the same bytes as the TypeScript encoder and logs through the route', async () => {
    const s = server();
    const id = (await createRun(s)).info.run_id;
    const pts = [
      { key: 'loss', value: 0.25, timestamp: 1_700_000_000_123, step: 0 },
      { key: 'eval/acc:top 1', value: NaN, timestamp: 5, step: -3 },
      { key: 'loss', value: -Infinity, timestamp: 2 ** 40, step: 2 ** 33 + 1 },
    ];
    const script = `
import json, sys
sys.path.insert(0, ${JSON.stringify(join(process.cwd(), 'clients', 'python'))})
from trainyard_client.metrics import encode_metric_batch, log_metric_batch
pts = [(p["key"], float(p["value"]), p["timestamp"], p["step"]) for p in json.loads(sys.argv[1])]
sys.stdout.write(encode_metric_batch(pts).hex())
log_metric_batch(sys.argv[2], sys.argv[3], pts)
`;
    // Not execFileSync: the server runs in this process and must keep answering.
    const { stdout: out } = await promisify(execFile)('/usr/bin/python3', ['-c', script, JSON.stringify(pts.map((p) => ({ ...p, value: String(p.value).replace('Infinity', 'inf') }))), s.url, id], { encoding: 'utf8' });
    expect(out).toBe(Buffer.from(encodeMetricBatch(pts)).toString('hex'));
    const loss = await fullHistory(s, id, 'loss');
    expect(loss.map((m: any) => [m.value, m.timestamp, m.step]).sort()).toEqual([['-Infinity', 2 ** 40, 2 ** 33 + 1], [0.25, 1_700_000_000_123, 0]]);
    expect((await fullHistory(s, id, 'eval/acc:top 1')).map((m: any) => m.value)).toEqual(['NaN']);
  });
});
