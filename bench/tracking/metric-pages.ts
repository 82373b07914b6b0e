/**
 * What one sequential log-metric costs SQLite, in-process (issue 14):
 * `npx tsx bench/tracking/metric-pages.ts [--ops N]`. The same write through the tracking service
 * with and without a request's audit scope (the audit record joins the write's transaction),
 * interleaved, and the WAL frames each commit writes (4 kB pages: the metrics row, latest_metrics
 * and its indexes, metric_blocks, the audit record and its indexes).
 */
import { statSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runInAuditScope, withAudit, type AuditScope } from '../../src/audit/index.js';
import { openDatabase } from '../../src/store/index.js';
import { createTracking } from '../../src/tracking/index.js';

const argv = process.argv.slice(2);
const ops = argv.includes('--ops') ? Number(argv[argv.indexOf('--ops') + 1]) : 2000;

async function main(): Promise<void> {
  const home = mkdtempSync(join(tmpdir(), 'ty-metric-pages-'));
  const file = join(home, 'trainyard.db');
  const db = withAudit(await openDatabase(file, home));
  await db.exec('PRAGMA wal_autocheckpoint = 0');
  const tracking = createTracking(db);
  const exp = await tracking.experiments.create('pages', undefined, []);
  const run = (await tracking.runs.create({ experimentId: exp })).info.run_id;
  let step = 0;
  const scope = (): AuditScope => ({ user: 'bench', verified: false, action: 'POST /api/2.0/mlflow/runs/log-metric', requestId: `r${step}`, rule: { resource: 'run', level: 'EDIT' }, fields: { run_id: run }, closed: false });
  const one = (audited: boolean) => {
    const write = () => tracking.runs.logMetric(run, { key: 'loss', value: 1 / (step + 1), timestamp: 1_767_000_000_000 + step, step: step++ });
    return audited ? runInAuditScope(scope(), write) : write();
  };
  for (let i = 0; i < 300; i++) await one(true);
  const out: Record<string, { usPerOp: number[]; framesPerCommit: number[] }> = { audited: { usPerOp: [], framesPerCommit: [] }, plain: { usPerOp: [], framesPerCommit: [] } };
  for (let rep = 0; rep < 3; rep++) {
    for (const mode of rep % 2 ? (['plain', 'audited'] as const) : (['audited', 'plain'] as const)) {
      await db.exec('PRAGMA wal_checkpoint(TRUNCATE)');
      const wal0 = statSync(`${file}-wal`).size;
      const t0 = process.hrtime.bigint();
      for (let i = 0; i < ops; i++) await one(mode === 'audited');
      const us = Number(process.hrtime.bigint() - t0) / 1e3 / ops;
      const frames = (statSync(`${file}-wal`).size - wal0) / (4096 + 24) / ops;
      out[mode]!.usPerOp.push(Math.round(us));
      out[mode]!.framesPerCommit.push(Math.round(frames * 10) / 10);
    }
  }
  console.log(JSON.stringify(out));
  await db.close();
  rmSync(home, { recursive: true, force: true });
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
