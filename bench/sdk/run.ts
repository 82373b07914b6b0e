/**
 * SDK benchmarks (issue 3), each next to a baseline measured in the same run:
 * 1. caller-thread cost of `run.logMetric` vs a bare `array.push` of the same point;
 * 2. sustained points/s from one SDK process to a server (a separate process) over HTTP, from the
 *    first logMetric until flush() returns, vs raw log-batch calls of 1000 points from the same
 *    process (the floor the SDK's batching could reach).
 * Usage: npx tsx bench/sdk/run.ts [--quick]
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Trainyard } from '../../src/client/index.js';
import { spawnServer } from '../../test/helpers/server-process.js';

const quick = process.argv.includes('--quick');
const CALLS = quick ? 200_000 : 1_000_000;
const SUSTAINED = quick ? 200_000 : 1_000_000;

function nsPerCall(fn: (i: number) => void, n: number): number {
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) fn(i);
  return Number(process.hrtime.bigint() - t0) / n;
}

const home = mkdtempSync(join(tmpdir(), 'ty-bench-sdk-'));
const server = await spawnServer(['--home', home]);
const results: Record<string, unknown> = { date: new Date().toISOString(), machine: '2-core', quick };
try {
  // 1. Caller-thread overhead. The buffer is made large enough that no backpressure applies;
  // points are flushed afterwards, outside the timed loop.
  const ty = new Trainyard({ uri: server.url, capture: false, buffer: { highWater: 10_000_000, hardLimit: 20_000_000, flushIntervalMs: 60_000 } });
  const run = await ty.startRun({ name: 'overhead' });
  const sink: unknown[] = [];
  const baseline = nsPerCall((i) => void sink.push({ key: 'loss', value: i * 0.5, timestamp: 1, step: i }), CALLS);
  sink.length = 0;
  const sdk = nsPerCall((i) => void run.logMetric('loss', i * 0.5, { step: i, timestamp: 1 }), CALLS);
  await run.end();
  results.logMetricOverhead = { calls: CALLS, sdkNsPerCall: Math.round(sdk), baselineArrayPushNsPerCall: Math.round(baseline), targetNs: 2000 };

  // 2. Sustained throughput to the server.
  const run2 = await ty.startRun({ name: 'sustained' });
  const t0 = performance.now();
  for (let step = 0; step < SUSTAINED; step++) await run2.logMetric('loss', Math.sin(step), { step, timestamp: 1 });
  await run2.flush();
  const sdkSeconds = (performance.now() - t0) / 1000;
  await run2.end();
  const run3 = await ty.startRun({ name: 'raw' });
  const conn = await ty.connection();
  const t1 = performance.now();
  for (let start = 0; start < SUSTAINED; start += 1000) {
    const metrics = Array.from({ length: 1000 }, (_, i) => ({ key: 'loss', value: Math.sin(start + i), timestamp: 1, step: start + i }));
    await conn.call('POST', '/api/2.0/mlflow/runs/log-batch', { run_id: run3.id, metrics });
  }
  const rawSeconds = (performance.now() - t1) / 1000;
  await run3.end();
  results.sustained = { points: SUSTAINED, sdkPointsPerSec: Math.round(SUSTAINED / sdkSeconds), rawLogBatchPointsPerSec: Math.round(SUSTAINED / rawSeconds) };
  await ty.close();
} finally {
  server.child.kill('SIGKILL');
  rmSync(home, { recursive: true, force: true });
}
console.log(JSON.stringify(results, null, 2));
const o = results.logMetricOverhead as any;
const s = results.sustained as any;
writeFileSync('bench/results/sdk.json', JSON.stringify(results, null, 2) + '\n');
writeFileSync(
  'bench/results/sdk.md',
  `| SDK benchmark (${String(results.date).slice(0, 10)}, 2 cores) | Trainyard | baseline (same run) | target |\n| --- | --- | --- | --- |\n` +
    `| logMetric cost on the caller's thread | ${o.sdkNsPerCall} ns/call | ${o.baselineArrayPushNsPerCall} ns (bare array.push) | < 2000 ns |\n` +
    `| sustained points/s, one SDK process -> server | ${s.sdkPointsPerSec.toLocaleString('en-US')} | ${s.rawLogBatchPointsPerSec.toLocaleString('en-US')} (raw sequential log-batch of 1000) | - |\n`,
);
