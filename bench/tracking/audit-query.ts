/**
 * The audit log's look-ups at scale (issue 14, migration 019 dropped the request-id index):
 * `npx tsx bench/tracking/audit-query.ts [--records N]`. Fills SQLite's audit_log with N records
 * (200 users, 20,000 targets, random request ids) and times GET /api/v1/audit's query
 * (listAuditRecords) by target, by user, by request id and unfiltered, p50 of 21 runs each.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { listAuditRecords } from '../../src/audit/index.js';
import { openDatabase } from '../../src/store/index.js';

const argv = process.argv.slice(2);
const records = argv.includes('--records') ? Number(argv[argv.indexOf('--records') + 1]) : 200_000;

async function main(): Promise<void> {
  const home = mkdtempSync(join(tmpdir(), 'ty-audit-query-'));
  const db = await openDatabase(join(home, 'trainyard.db'), home);
  const ids: string[] = [];
  for (let i = 0; i < records; i += 5000) {
    const rows: (string | number)[][] = [];
    for (let j = i; j < Math.min(records, i + 5000); j++) {
      const rid = randomUUID();
      ids.push(rid);
      rows.push([1_767_000_000_000 + j, `user${j % 200}`, 0, 'POST /api/2.0/mlflow/runs/log-metric', `run:${(j * 7919) % 20_000}`, rid, '127.0.0.1']);
    }
    await db.transaction((tx) => tx.runMany('INSERT INTO audit_log (at, username, verified, action, target, request_id, remote) VALUES (?, ?, ?, ?, ?, ?, ?)', rows));
  }
  const time = async (name: string, q: Parameters<typeof listAuditRecords>[1]) => {
    const ms: number[] = [];
    for (let i = 0; i < 21; i++) {
      const t0 = process.hrtime.bigint();
      await listAuditRecords(db, q);
      ms.push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
    ms.sort((a, b) => a - b);
    console.log(`| ${name} | ${ms[10]!.toFixed(2)} ms |`);
  };
  console.log(`audit-query: ${records} records on SQLite, load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  console.log('| query | p50 |\n|---|---|');
  await time('newest 100', {});
  await time('target=run:42', { target: 'run:42' });
  await time('user=user7', { user: 'user7' });
  await time('request_id (oldest record)', { requestId: ids[0]! });
  await time('request_id (unknown)', { requestId: 'no-such-request' });
  await db.close();
  rmSync(home, { recursive: true, force: true });
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
