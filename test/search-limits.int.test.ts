import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../src/server/start-server.js';
import { createTestDatabase, DIALECTS, type TestDatabase } from './helpers/databases.js';

/**
 * Issue 12: 100 repeated `metrics.m > 0 and ...` clauses ran 94 s on PostgreSQL over 87 runs and
 * kept running after the client left. Filters are capped (the same on both dialects), a
 * PostgreSQL search runs under a statement timeout, and a client that disconnects cancels it.
 */
const filterOf = (n: number) => Array.from({ length: n }, (_, i) => `metrics.m > ${i % 2 ? 0 : -1}`).join(' and ');

describe.each(DIALECTS)('search limits (%s)', (dialect) => {
  let db: TestDatabase;
  let server: RunningServer;
  let exp = '';
  const search = (filter: string, signal?: AbortSignal) =>
    fetch(`${server.url}/api/2.0/mlflow/runs/search`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ experiment_ids: [exp], filter }), signal });

  beforeAll(async () => {
    db = await createTestDatabase(dialect);
    server = await startServer({ host: '127.0.0.1', port: 0, home: db.home, db: db.url });
    const post = async (p: string, b: unknown) => (await fetch(server.url + p, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(b) })).json() as Promise<any>;
    exp = (await post('/api/2.0/mlflow/experiments/create', { name: 'limits' })).experiment_id;
    for (let i = 0; i < 87; i++) {
      const run = (await post('/api/2.0/mlflow/runs/create', { experiment_id: exp })).run.info.run_id;
      await post('/api/2.0/mlflow/runs/log-batch', { run_id: run, metrics: [{ key: 'm', value: i + 1, timestamp: 1, step: 0 }] });
    }
  }, 120_000);
  afterAll(async () => {
    delete process.env.TRAINYARD_SEARCH_TIMEOUT_MS;
    await server?.close();
    await db?.drop();
  });

  it('the issue’s 100-clause filter is a quick 400 naming the cap', async () => {
    const started = Date.now();
    const res = await search(filterOf(100));
    expect(res.status).toBe(400);
    expect((await res.json()).message).toMatch(/more than 50 comparisons/);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('a filter at the cap still answers correctly', async () => {
    expect((await search(filterOf(50))).status).toBe(200);
    const res = await search(filterOf(3));
    expect(res.status).toBe(200);
    expect(((await res.json()) as any).runs).toHaveLength(87);
  });

  if (dialect === 'postgres') {
    it('a search past the statement timeout is stopped with a 400 saying so', async () => {
      process.env.TRAINYARD_SEARCH_TIMEOUT_MS = '1';
      try {
        const res = await search(filterOf(50));
        expect(res.status).toBe(400);
        expect((await res.json()).message).toMatch(/ran longer than 1 ms and was stopped/);
      } finally {
        delete process.env.TRAINYARD_SEARCH_TIMEOUT_MS;
      }
      expect((await search(filterOf(2))).status).toBe(200);
    });

    it('an abort (the client disconnected) stops the store’s queries at once, queued ones included', async () => {
      const ac = new AbortController();
      const started = Date.now();
      const pending = server.db.limited!({ timeoutMs: 60_000, signal: ac.signal }, async (ex) => {
        // A search's statements run one after another on its connection.
        await ex.all('SELECT pg_sleep(20)');
        await ex.all('SELECT pg_sleep(20)');
        return 'finished';
      });
      setTimeout(() => ac.abort(), 300);
      await expect(pending).rejects.toMatchObject({ message: expect.stringMatching(/client disconnected/) });
      expect(Date.now() - started).toBeLessThan(5_000);
      const admin = new pg.Client({ connectionString: db.url });
      await admin.connect();
      try {
        const sleeping = (await admin.query("SELECT count(*)::int AS n FROM pg_stat_activity WHERE query ILIKE 'SELECT pg_sleep(20)%' AND datname = current_database()")).rows[0].n;
        expect(sleeping).toBe(0);
      } finally {
        await admin.end();
      }
      // The pool is healthy afterwards.
      expect((await search(filterOf(2))).status).toBe(200);
    }, 30_000);
  }
});
