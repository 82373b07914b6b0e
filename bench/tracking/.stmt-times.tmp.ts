import BetterSqlite from 'better-sqlite3';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
const times = new Map<string, { n: number; ns: bigint }>();
let on = false;
const rec = (k: string, t0: bigint) => { if (!on) return; const e = times.get(k) ?? { n: 0, ns: 0n }; e.n++; e.ns += process.hrtime.bigint() - t0; times.set(k, e); };
const P = (BetterSqlite as any).prototype;
const origPrepare = P.prepare, origExec = P.exec;
P.exec = function (sql: string) { const t0 = process.hrtime.bigint(); const r = origExec.call(this, sql); rec('exec ' + sql.slice(0, 40), t0); return r; };
P.prepare = function (sql: string) {
  const st = origPrepare.call(this, sql);
  for (const m of ['run', 'get', 'all']) { const o = st[m].bind(st); st[m] = (...a: any[]) => { const t0 = process.hrtime.bigint(); const r = o(...a); rec(m + ' ' + sql.replace(/\s+/g, ' ').slice(0, 70), t0); return r; }; }
  return st;
};
const { runInAuditScope, withAudit } = await import('../../src/audit/index.js');
const { openDatabase } = await import('../../src/store/index.js');
const { createTracking } = await import('../../src/tracking/index.js');
const home = mkdtempSync(join(tmpdir(), 'ty-st-'));
const db = withAudit(await openDatabase(join(home, 'x.db'), home));
if (process.env.CKPT) await db.exec('PRAGMA wal_autocheckpoint = ' + process.env.CKPT);
const tracking = createTracking(db);
const exp = await tracking.experiments.create('pages', undefined, []);
const run = (await tracking.runs.create({ experimentId: exp })).info.run_id;
let step = 0;
const one = () => runInAuditScope({ user: 'bench', verified: false, action: 'POST x', requestId: 'r' + Math.random(), rule: { resource: 'run', level: 'EDIT' }, fields: { run_id: run }, closed: false } as any,
  () => tracking.runs.logMetric(run, { key: 'loss', value: 1 / (step + 1), timestamp: 1e12 + step, step: step++ }));
for (let i = 0; i < 500; i++) await one();
const N = 3000; on = true; const c0 = process.cpuUsage(); const t0 = process.hrtime.bigint();
for (let i = 0; i < N; i++) await one();
const wall = Number(process.hrtime.bigint() - t0) / 1e3 / N; const c = process.cpuUsage(c0); on = false;
let sum = 0;
for (const [k, e] of [...times].sort((a, b) => Number(b[1].ns - a[1].ns))) { const us = Number(e.ns) / 1e3 / N; sum += us; console.log(us.toFixed(1).padStart(7), (e.n / N).toFixed(2), k); }
console.log('sqlite calls', sum.toFixed(1), 'wall', wall.toFixed(1), 'cpu', ((c.user + c.system) / N).toFixed(1), 'user', (c.user/N).toFixed(1), 'sys', (c.system/N).toFixed(1));
