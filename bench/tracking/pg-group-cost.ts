/**
 * Where a PostgreSQL log-metric's time goes, group commit on and off, in-process (issue 14):
 * `npx tsx bench/tracking/pg-group-cost.ts` (~30 s). 8 concurrent writers on 8 runs, and one
 * writer, 3 s each, interleaved; each write carries its request's audit scope, as over HTTP (the
 * record joins the write); per request: node CPU, the CPU of this database's PostgreSQL backends
 * (/proc/<pid>/stat), commits (pg_stat_database.xact_commit) and the server-wide WAL syncs
 * (pg_stat_wal). Appends to bench/results/pg-group-commit.md.
 */
import { appendFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { REPO } from './server-process.js';
import { runInAuditScope, withAudit } from '../../src/audit/index.js';
import { openDatabase } from '../../src/store/index.js';
import { createTracking } from '../../src/tracking/index.js';
import { readFileSync } from 'node:fs';
import pg from 'pg';
const admin = 'postgres://postgres@127.0.0.1:55432/postgres';
const name = 'ty_speed_cpu_' + process.pid;
const c = new pg.Client(admin); await c.connect(); await c.query(`CREATE DATABASE ${name}`);
const db = withAudit(await openDatabase(admin.replace(/\/postgres$/, '/' + name), '/tmp'));
const t = createTracking(db);
// What synchronous_commit=off would add (not what Trainyard does: see pg-group-commit.md): the same group writer on
// connections that do not wait for the WAL flush.
const asyncDb = withAudit(await openDatabase(admin.replace(/\/postgres$/, '/' + name) + '?options=-c%20synchronous_commit%3Doff', '/tmp'));
const tAsync = createTracking(asyncDb);
const exp = await t.experiments.create('q', undefined, []);
const runs = await Promise.all(Array.from({ length: 8 }, () => t.runs.create({ experimentId: exp })));
// The baseline is the same service with its group writer taken away (what TRAINYARD_METRIC_GROUP_COMMIT=off does).
const groups = (t.runs as any).metricGroups;
const cpuOf = (pid: number) => { try { const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' '); return (Number(f[11]) + Number(f[12])) / 100; } catch { return 0; } };
const lines: string[] = [];
const walStats = async () => (await c.query("select wal_records, wal_sync from pg_stat_wal")).rows[0];
let rid = 0;
for (const [mode, writers] of [['old', 8], ['group', 8], ['async', 8], ['old', 1], ['group', 1], ['async', 1], ['async', 8], ['group', 8], ['old', 8], ['async', 1], ['group', 1], ['old', 1]] as const) {
  (t.runs as any).metricGroups = mode === 'group' ? groups : undefined;
  const svc = mode === 'async' ? tAsync.runs : t.runs;
  await svc.logMetric(runs[0].info.run_id, { key: 'warm', value: 1, timestamp: 1, step: 0 });
  const pids = (await c.query('select pid from pg_stat_activity where datname = $1', [name])).rows.map((r) => r.pid);
  const pg0 = pids.reduce((a, p) => a + cpuOf(p), 0); const w0 = await walStats();
  const xact0 = Number((await c.query('select xact_commit from pg_stat_database where datname = $1', [name])).rows[0].xact_commit);
  let n = 0; const t0 = performance.now(); const cpu0 = process.cpuUsage();
  const scope = (runId: string) => ({ user: 'bench', verified: false, action: 'POST /api/2.0/mlflow/runs/log-metric', requestId: `r${rid++}`, rule: { resource: 'run', level: 'EDIT' } as const, fields: { run_id: runId }, closed: false });
  await Promise.all(runs.slice(0, writers).map(async (r) => { for (let s = 0; performance.now() - t0 < 3000; s++) { await runInAuditScope(scope(r.info.run_id), () => svc.logMetric(r.info.run_id, { key: 'k' + mode + writers, value: s, timestamp: Date.now(), step: s })); n++; } }));
  const el = (performance.now() - t0) / 1000; const cpu = process.cpuUsage(cpu0);
  const pg1 = pids.reduce((a, p) => a + cpuOf(p), 0); const w1 = await walStats();
  const xact1 = Number((await c.query('select xact_commit from pg_stat_database where datname = $1', [name])).rows[0].xact_commit);
  const syncs = Number(w1.wal_sync) - Number(w0.wal_sync);
  const line = `| ${mode === 'group' ? 'group commit' : mode === 'async' ? 'group commit, synchronous_commit=off (NOT durable at the answer)' : 'one transaction per write'}, ${writers === 1 ? 'sequential' : `${writers} writers`} | ${Math.round(n / el)} | ${Math.round((cpu.user + cpu.system) / n)} | ${Math.round(((pg1 - pg0) * 1e6) / n)} | ${((xact1 - xact0) / n).toFixed(3)} | ${Math.round(syncs / el)} (${((el * 1000) / syncs).toFixed(1)} ms apart) |`;
  console.log(line);
  lines.push(line);
}
appendFileSync(join(REPO, 'bench', 'results', 'pg-group-commit.md'), [
  '',
  `## Cost per log-metric, in-process (\`npx tsx bench/tracking/pg-group-cost.ts\`, ${new Date().toISOString()}, load average ${loadavg().map((x) => x.toFixed(2)).join(' ')})`,
  '',
  '| Mode (3 s each, interleaved; audited as over HTTP) | req/s | node µs CPU/req | PostgreSQL backends µs CPU/req | commits/req | WAL syncs/s, server-wide |',
  '|---|---|---|---|---|---|',
  ...lines,
  '',
].join('\n'));
await db.close(); await asyncDb.close(); await c.query(`DROP DATABASE ${name} WITH (FORCE)`); await c.end();
