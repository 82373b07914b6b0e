import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runInAuditScope, withAudit, type AuditScope } from '../src/audit/index.js';
import { openDatabase, type Database } from '../src/store/index.js';
import { createTracking, type Tracking } from '../src/tracking/index.js';
import { createTestDatabase, type TestDatabase } from './helpers/databases.js';

/**
 * Group commit of metric writes on PostgreSQL (MetricGroupWriter): concurrent metric-only writes
 * share one transaction, yet each one that is refused fails alone and every other one is stored,
 * with its summaries, once its promise resolves.
 */
describe('PostgreSQL metric group commit', () => {
  let t: TestDatabase;
  let db: Database;
  let tracking: Tracking;
  let exp: string;

  beforeAll(async () => {
    t = await createTestDatabase('postgres');
    db = await openDatabase(t.url, t.home);
    tracking = createTracking(db);
    exp = await tracking.experiments.create('group-commit', undefined, []);
  });
  afterAll(async () => {
    await db.close();
    await t.drop();
  });

  const stored = async (runId: string, key: string) =>
    db.one<{ count: number; min_value: number; max_value: number; value: number; step: number }>(
      'SELECT count, min_value, max_value, value, step FROM latest_metrics WHERE run_uuid = ? AND key = ?',
      [runId, key],
    );
  const history = async (runId: string, key: string) =>
    Number((await db.one<{ n: number }>('SELECT count(*) AS n FROM metrics m JOIN latest_metrics l USING (series_id) WHERE l.run_uuid = ? AND l.key = ?', [runId, key]))!.n);

  it('writes concurrent log-metrics of many runs together, each with exact summaries', async () => {
    const runs = await Promise.all(Array.from({ length: 6 }, () => tracking.runs.create({ experimentId: exp })));
    const writes: Promise<void>[] = [];
    for (let step = 0; step < 20; step++) {
      for (const r of runs) writes.push(tracking.runs.logMetric(r.info.run_id, { key: 'loss', value: step / 10, timestamp: 1000 + step, step }));
      // The same point twice in one group collapses, as it does across requests.
      writes.push(tracking.runs.logMetric(runs[0]!.info.run_id, { key: 'dup', value: 1, timestamp: 5, step: 0 }));
    }
    await Promise.all(writes);
    for (const r of runs) {
      expect(await stored(r.info.run_id, 'loss')).toEqual({ count: 20, min_value: 0, max_value: 1.9, value: 1.9, step: 19 });
      expect(await history(r.info.run_id, 'loss')).toBe(20);
    }
    expect((await stored(runs[0]!.info.run_id, 'dup'))!.count).toBe(1);
  });

  it('fails a write to an unknown or deleted run alone; its neighbours are stored', async () => {
    const good = await tracking.runs.create({ experimentId: exp });
    const deleted = await tracking.runs.create({ experimentId: exp });
    await tracking.runs.delete(deleted.info.run_id);
    const results = await Promise.allSettled([
      tracking.runs.logMetric(good.info.run_id, { key: 'a', value: 1, timestamp: 1, step: 1 }),
      tracking.runs.logMetric('0123456789abcdef0123456789abcdef', { key: 'a', value: 1, timestamp: 1, step: 1 }),
      tracking.runs.logMetric(good.info.run_id, { key: 'a', value: 2, timestamp: 1, step: 2 }),
      tracking.runs.logMetric(deleted.info.run_id, { key: 'a', value: 1, timestamp: 1, step: 1 }),
      tracking.runs.logBatch(good.info.run_id, { metrics: [{ key: 'b', value: 3, timestamp: 1, step: 0 }, { key: 'b', value: 4, timestamp: 1, step: 1 }] }),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled', 'rejected', 'fulfilled']);
    expect(String((results[1] as PromiseRejectedResult).reason)).toMatch(/not found/);
    expect(String((results[3] as PromiseRejectedResult).reason)).toMatch(/must be in the 'active' state/);
    expect(await stored(good.info.run_id, 'a')).toMatchObject({ count: 2, value: 2, step: 2 });
    expect((await stored(good.info.run_id, 'b'))!.count).toBe(2);
    expect(await stored(deleted.info.run_id, 'a')).toBeUndefined();
  });

  it.each([
    ['creating its series (the transaction path)', false],
    ['into existing series (the one-statement path)', true],
  ])('when the database refuses one member writing %s, the group is retried member by member and only that one fails', async (_, seeded) => {
    const runs = await Promise.all(Array.from({ length: 3 }, () => tracking.runs.create({ experimentId: exp })));
    const before = seeded ? 1 : 0;
    if (seeded) for (const r of runs) await tracking.runs.logMetric(r.info.run_id, { key: 'x', value: 0, timestamp: 0, step: 0 });
    // A real database-side refusal that no validation before the write can see: a trigger.
    await db.exec(`
      CREATE FUNCTION refuse_666() RETURNS trigger AS $$
      BEGIN IF NEW.value = 666 THEN RAISE EXCEPTION 'value 666 refused by trigger'; END IF; RETURN NEW; END $$ LANGUAGE plpgsql;
      CREATE TRIGGER refuse_666 BEFORE INSERT ON metrics FOR EACH ROW EXECUTE FUNCTION refuse_666();`);
    try {
      const results = await Promise.allSettled([
        tracking.runs.logMetric(runs[0]!.info.run_id, { key: 'x', value: 1, timestamp: 1, step: 0 }),
        tracking.runs.logMetric(runs[1]!.info.run_id, { key: 'x', value: 666, timestamp: 1, step: 0 }),
        tracking.runs.logMetric(runs[2]!.info.run_id, { key: 'x', value: 3, timestamp: 1, step: 0 }),
        tracking.runs.logMetric(runs[0]!.info.run_id, { key: 'x', value: 4, timestamp: 1, step: 1 }),
      ]);
      expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled', 'fulfilled']);
      expect(String((results[1] as PromiseRejectedResult).reason)).toMatch(/666 refused/);
      expect(await stored(runs[0]!.info.run_id, 'x')).toMatchObject({ count: before + 2, value: 4 });
      expect(await stored(runs[2]!.info.run_id, 'x')).toMatchObject({ count: before + 1, value: 3 });
      // The refused write left nothing behind: no points and no summary counted.
      expect(await history(runs[1]!.info.run_id, 'x')).toBe(before);
      expect((await stored(runs[1]!.info.run_id, 'x'))?.count ?? 0).toBe(before);
    } finally {
      await db.exec('DROP TRIGGER refuse_666 ON metrics; DROP FUNCTION refuse_666();');
    }
  });

  it("writes each member's audit record in the group's own statement: one record per accepted request, none for a refused one", async () => {
    const audited = withAudit(db);
    const runs = createTracking(audited).runs;
    const run = await tracking.runs.create({ experimentId: exp });
    await tracking.runs.logMetric(run.info.run_id, { key: 'aud', value: 0, timestamp: 0, step: 0 });
    const scope = (id: string, runId: string): AuditScope => ({
      user: 'alice', verified: true, action: 'POST /api/2.0/mlflow/runs/log-metric', requestId: id, rule: { resource: 'run', level: 'EDIT' },
      fields: { run_id: runId }, closed: false,
    });
    const scopes: AuditScope[] = [];
    const write = (i: number, runId: string, key = 'aud') => {
      const s = scope(`grp-${run.info.run_id}-${i}`, runId);
      scopes.push(s);
      return runInAuditScope(s, () => runs.logMetric(runId, { key, value: i, timestamp: 1, step: i }));
    };
    // Steady group (series known), then a group that creates a series and holds a refused member.
    const steady = await Promise.allSettled(Array.from({ length: 6 }, (_, i) => write(i + 1, run.info.run_id)));
    const mixed = await Promise.allSettled([write(7, run.info.run_id, 'new-key'), write(8, 'f'.repeat(32)), write(9, run.info.run_id)]);
    expect([...steady, ...mixed].map((r) => r.status)).toEqual([...Array(7).fill('fulfilled'), 'rejected', 'fulfilled']);
    const rows = await db.all<{ request_id: string; username: string; target: string; id: number }>(
      'SELECT id, request_id, username, target FROM audit_log WHERE request_id LIKE ? ORDER BY request_id',
      [`grp-${run.info.run_id}-%`],
    );
    expect(rows.map((r) => r.request_id)).toEqual([1, 2, 3, 4, 5, 6, 7, 9].map((i) => `grp-${run.info.run_id}-${i}`));
    expect(rows.every((r) => r.username === 'alice' && r.target === `run:${run.info.run_id}`)).toBe(true);
    // Each accepted scope knows its record (so the HTTP layer writes no second one); the refused has none.
    for (const [i, s] of scopes.entries()) {
      if (i === 7) expect(s.recordId).toBeUndefined();
      else expect(s.recordId).toBe(Number(rows.find((r) => r.request_id === s.requestId)!.id));
    }
    expect(await stored(run.info.run_id, 'aud')).toMatchObject({ count: 8, value: 9, step: 9 });
  });

  it('acknowledges a write only once it is committed: a fresh connection reads it', async () => {
    const run = await tracking.runs.create({ experimentId: exp });
    const other = await openDatabase(t.url, t.home);
    try {
      await Promise.all(Array.from({ length: 10 }, (_, i) => tracking.runs.logMetric(run.info.run_id, { key: 'c', value: i, timestamp: 1, step: i })));
      expect(await other.one('SELECT count FROM latest_metrics WHERE run_uuid = ? AND key = ?', [run.info.run_id, 'c'])).toEqual({ count: 10 });
    } finally {
      await other.close();
    }
  });
});
