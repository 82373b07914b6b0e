import { afterEach, describe, expect, it } from 'vitest';
import { listAuditRecords, runInAuditScope, withAudit, type AuditScope } from '../src/audit/index.js';
import { createDatabase, migrate, MIGRATIONS, type Database } from '../src/store/index.js';
import { createTracking } from '../src/tracking/index.js';
import { createTestDatabase, DIALECTS, type TestDatabase } from './helpers/databases.js';

// Migration 019 on a database that already holds data: audit records and metric series written
// before it survive with their ids, and writes after it continue both (ids keep growing).
describe.each(DIALECTS)('migration 019 (small write) on an existing %s database', (dialect) => {
  let t: TestDatabase;
  let db: Database | undefined;
  afterEach(async () => {
    await db?.close();
    await t.drop();
  });

  it('keeps audit records and series (with their ids) and keeps writing both', async () => {
    t = await createTestDatabase(dialect);
    db = createDatabase(t.url, t.home);
    await migrate(db, MIGRATIONS.filter((m) => m.version < 19));
    const audited = withAudit(db);
    const tracking = createTracking(audited);
    const exp = await tracking.experiments.create('m019', undefined, []);
    const run = (await tracking.runs.create({ experimentId: exp })).info.run_id;
    let n = 0;
    const scope = (): AuditScope => ({ user: 'ana', verified: true, action: 'POST /api/2.0/mlflow/runs/log-metric', requestId: `req-${n++}`, rule: { resource: 'run', level: 'EDIT' }, fields: { run_id: run }, closed: false });
    for (let step = 0; step < 3; step++) {
      await runInAuditScope(scope(), () => tracking.runs.logMetric(run, { key: 'loss', value: 1 / (step + 1), timestamp: 1000 + step, step }));
      await runInAuditScope(scope(), () => tracking.runs.logMetric(run, { key: 'acc', value: step / 10, timestamp: 1000 + step, step }));
    }
    const before = await listAuditRecords(db, { target: `run:${run}` });
    const seriesBefore = await db.all<{ key: string; series_id: number }>('SELECT key, series_id FROM latest_metrics WHERE run_uuid = ? ORDER BY key', [run]);
    expect(before.records).toHaveLength(6);
    expect(seriesBefore).toHaveLength(2);

    expect(await migrate(db, MIGRATIONS.filter((m) => m.version <= 19))).toEqual([19]);
    await migrate(db);
    expect(await listAuditRecords(db, { target: `run:${run}` })).toEqual(before);
    expect(await db.all('SELECT key, series_id FROM latest_metrics WHERE run_uuid = ? ORDER BY key', [run])).toEqual(seriesBefore);
    // Look-ups by request id still answer (without their index now).
    expect((await listAuditRecords(db, { requestId: 'req-4' })).records.map((r) => r.request_id)).toEqual(['req-4']);

    // New writes: audit ids continue above the old ones; a new series gets a fresh id; summaries merge.
    await runInAuditScope(scope(), () => tracking.runs.logMetric(run, { key: 'loss', value: 0.1, timestamp: 2000, step: 10 }));
    await runInAuditScope(scope(), () => tracking.runs.logMetric(run, { key: 'lr', value: 0.01, timestamp: 2000, step: 10 }));
    const after = await listAuditRecords(db, { target: `run:${run}` });
    expect(after.records).toHaveLength(8);
    const ids = after.records.map((r) => Number(r.id));
    expect(ids).toEqual([...ids].sort((a, b) => b - a));
    expect(ids[1]!).toBeGreaterThan(Number(before.records[0]!.id));
    const series = await db.all<{ key: string; series_id: number; value: number; count: number; min_value: number }>(
      'SELECT key, series_id, value, count, min_value FROM latest_metrics WHERE run_uuid = ? ORDER BY key', [run]);
    expect(series.map((s) => [s.key, Number(s.count)])).toEqual([['acc', 3], ['loss', 4], ['lr', 1]]);
    expect(Number(series[1]!.value)).toBe(0.1);
    expect(Number(series[1]!.series_id)).toBe(Number(seriesBefore[1]!.series_id));
    expect(new Set(series.map((s) => Number(s.series_id))).size).toBe(3);
    expect(Number((await db.one<{ n: number }>('SELECT count(*) AS n FROM metrics WHERE series_id = ?', [series[2]!.series_id]))!.n)).toBe(1);

    if (dialect === 'sqlite') {
      const schema = await db.all<{ name: string; sql: string | null }>("SELECT name, sql FROM sqlite_master WHERE tbl_name IN ('audit_log', 'latest_metrics') ORDER BY name");
      const names = schema.map((s) => s.name);
      expect(names).not.toContain('audit_log_by_request');
      expect(names).toContain('latest_metrics_present');
      expect(schema.find((s) => s.name === 'audit_log')!.sql).not.toMatch(/AUTOINCREMENT/);
      expect(await db.all("SELECT name FROM sqlite_sequence WHERE name = 'audit_log'")).toEqual([]);
    } else {
      expect(await db.all("SELECT indexname FROM pg_indexes WHERE indexname = 'audit_log_by_request'")).toEqual([]);
    }
  });
});
