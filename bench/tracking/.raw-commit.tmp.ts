import BetterSqlite from 'better-sqlite3';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
const dir = mkdtempSync(join(process.env.DIR ?? tmpdir(), 'ty-raw-'));
const db = new BetterSqlite(join(dir, 'x.db'));
db.pragma('journal_mode = WAL'); db.pragma('synchronous = NORMAL'); if (process.env.CKPT) db.pragma('wal_autocheckpoint = ' + process.env.CKPT);
const tables = Number(process.env.T ?? 10);
for (let t = 0; t < tables; t++) db.exec(`CREATE TABLE t${t} (id INTEGER PRIMARY KEY, v REAL)`);
const ins = Array.from({ length: tables }, (_x, t) => db.prepare(`INSERT INTO t${t} (v) VALUES (?)`));
const N = 5000; let commit = 0n, begin = 0n, stm = 0n;
const c0 = process.cpuUsage();
for (let i = 0; i < N; i++) {
  let t0 = process.hrtime.bigint(); db.exec('BEGIN IMMEDIATE'); begin += process.hrtime.bigint() - t0;
  t0 = process.hrtime.bigint(); for (const s of ins) s.run(i); stm += process.hrtime.bigint() - t0;
  t0 = process.hrtime.bigint(); db.exec('COMMIT'); commit += process.hrtime.bigint() - t0;
}
const c = process.cpuUsage(c0);
console.log(`tables ${tables} begin ${Number(begin) / 1e3 / N} stmts ${Number(stm) / 1e3 / N} commit ${Number(commit) / 1e3 / N} µs; cpu user ${c.user / N} sys ${c.system / N}`);
