import { describe, expect, it } from 'vitest';
import { encodeMetricBatch, METRICS_BINARY_TYPE } from '../src/core/metric-batch-binary.js';
import { createTestDatabase, DIALECTS } from './helpers/databases.js';
import { spawnServer } from './helpers/server-process.js';

const CLIENTS = 8;

async function post(url: string, path: string, body: unknown) {
  const res = await fetch(`${url}/api/2.0/mlflow${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as any };
}

/** The same batch as the SDKs' binary format (run_id in the query). */
async function postBinary(url: string, runId: string, metrics: { key: string; value: number; timestamp: number; step: number }[]) {
  const res = await fetch(`${url}/api/2.0/mlflow/runs/log-batch?run_id=${runId}`, { method: 'POST', headers: { 'content-type': METRICS_BINARY_TYPE }, body: encodeMetricBatch(metrics) });
  return { status: res.status, body: (await res.json()) as any };
}

/**
 * An acknowledged write survives a kill -9: 8 clients stream log-batch calls, the server process
 * is killed with SIGKILL mid-stream, and after a restart on the same database every batch that got
 * a 200 is there in full, and no batch is there in part. Batches of 10 points take PostgreSQL's
 * group commit (several clients' batches in one statement), batches of 200 their own transaction;
 * batches of 1,000 in the binary format take the columnar path (issue 14).
 */
describe.each(DIALECTS)('kill -9 during ingest (%s)', (dialect) => {
  it.each([[200, 'json'], [10, 'json'], [1000, 'binary']] as const)('loses no acknowledged batch and leaves no partial batch (%i points a batch, %s)', async (POINTS, format) => {
    const db = await createTestDatabase(dialect);
    const args = ['--home', db.home, '--db', db.url];
    let server = await spawnServer(args);
    try {
      const { body: created } = await post(server.url, '/runs/create', { experiment_id: '0' });
      const runId: string = created.run.info.run_id;
      const acked: number[] = [];
      const attempted: number[] = [];
      let batchNo = 0;
      let killed = false;
      const client = async (c: number) => {
        while (!killed) {
          const n = batchNo++;
          attempted.push(n);
          // Batch n holds steps [n*POINTS, (n+1)*POINTS) of key `k<c>`, so its presence is checkable.
          const metrics = Array.from({ length: POINTS }, (_, i) => ({ key: `k${c}`, value: n + i / POINTS, timestamp: 1000 + n, step: n * POINTS + i }));
          try {
            const res = format === 'binary' ? await postBinary(server.url, runId, metrics) : await post(server.url, '/runs/log-batch', { run_id: runId, metrics });
            if (res.status === 200) acked.push(n);
          } catch {
            return; // connection refused/reset once the server is gone
          }
        }
      };
      const clients = Array.from({ length: CLIENTS }, (_, c) => client(c));
      await new Promise((r) => setTimeout(r, 1500));
      server.child.kill('SIGKILL');
      killed = true;
      await server.exited;
      await Promise.all(clients);
      expect(acked.length).toBeGreaterThan(10);

      server = await spawnServer(args);
      const { body } = await (await fetch(`${server.url}/api/2.0/mlflow/runs/get?run_id=${runId}`)).json().then((b) => ({ body: b as any }));
      const keys: string[] = body.run.data.metrics.map((m: { key: string }) => m.key);
      const stepsPerBatch = new Map<number, number>();
      for (const key of keys) {
        let token: string | undefined;
        do {
          const qs = new URLSearchParams({ run_id: runId, metric_key: key, max_results: '25000', ...(token ? { page_token: token } : {}) });
          const page = (await (await fetch(`${server.url}/api/2.0/mlflow/metrics/get-history?${qs}`)).json()) as any;
          for (const m of page.metrics) {
            const n = Math.floor(m.step / POINTS);
            stepsPerBatch.set(n, (stepsPerBatch.get(n) ?? 0) + 1);
          }
          token = page.next_page_token;
        } while (token);
      }
      for (const n of acked) expect(stepsPerBatch.get(n), `acknowledged batch ${n}`).toBe(POINTS);
      for (const [n, count] of stepsPerBatch) {
        expect(count, `batch ${n} is whole or absent`).toBe(POINTS);
        expect(attempted).toContain(n);
      }
    } finally {
      server.child.kill('SIGKILL');
      await server.exited;
      await db.drop();
    }
  });
});
