import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { Trainyard } from '../src/client/index.js';
import { freePort, spawnServer } from './helpers/server-process.js';

/**
 * The SDK never blocks the training loop and never loses or duplicates a point: the server is
 * killed with SIGKILL mid-run and restarted a second later; the buffered batches are retried
 * with backoff, and the server's exact-duplicate collapse absorbs a batch that was stored just
 * before the kill but never acknowledged.
 */
it('loses and duplicates no metric point when the server is killed and restarted mid-run', async () => {
  const home = mkdtempSync(join(tmpdir(), 'ty-restart-'));
  const port = await freePort();
  const args = ['--home', home, '--port', String(port)];
  let server = await spawnServer(args);
  const ty = new Trainyard({ uri: server.url, capture: false, buffer: { flushIntervalMs: 50, maxDelayMs: 500 } });
  const N = 30_000;
  try {
    const run = await ty.startRun({ name: 'restart' });
    for (let step = 0; step < N; step++) {
      await run.logMetric('loss', Math.sin(step), { step, timestamp: 1_700_000_000_000 + step });
      if (step % 500 === 0) await new Promise((r) => setTimeout(r, 5));
      if (step === N / 2) {
        server.child.kill('SIGKILL');
        await server.exited;
        setTimeout(async () => {
          server = await spawnServer(['--home', home, '--port', String(port)]);
        }, 1000);
      }
    }
    await run.end();
    const conn = await ty.connection();
    const steps: number[] = [];
    let token: string | undefined;
    do {
      const page = await conn.call<any>('GET', '/api/2.0/mlflow/metrics/get-history', { run_id: run.id, metric_key: 'loss', page_token: token });
      for (const m of page.metrics) steps.push(m.step);
      token = page.next_page_token;
    } while (token);
    expect(steps.length).toBe(N);
    expect(new Set(steps).size).toBe(N);
    expect((await ty.getRun(run.id)).info.status).toBe('FINISHED');
  } finally {
    await ty.close();
    server.child.kill('SIGKILL');
    await server.exited;
    rmSync(home, { recursive: true, force: true });
  }
});
