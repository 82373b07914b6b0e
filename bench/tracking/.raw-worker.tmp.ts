import BetterSqlite from 'better-sqlite3';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
const dir = mkdtempSync(join(tmpdir(), 'ty-raw-'));
const file = join(dir, 'x.db');
const db = new BetterSqlite(file);
db.pragma('journal_mode = WAL'); db.pragma('synchronous = NORMAL');
const mode = process.env.MODE ?? 'inline';
db.pragma(`wal_autocheckpoint = ${mode === 'worker' ? 0 : 1000}`);
const tables = 10;
for (let t = 0; t < tables; t++) db.exec(`CREATE TABLE t${t} (id INTEGER PRIMARY KEY, v REAL)`);
let w: Worker | undefined;
if (mode === 'worker') {
  w = new Worker(`const B = require('better-sqlite3'); const { parentPort, workerData } = require('node:worker_threads');
    const c = new B(workerData); c.pragma('synchronous = NORMAL'); let n = 0;
    parentPort.on('message', () => { const r = c.pragma('wal_checkpoint(PASSIVE)'); n++; parentPort.postMessage(r); });`, { eval: true, workerData: file });
  w.unref();
}
const ins = Array.from({ length: tables }, (_x, t) => db.prepare(`INSERT INTO t${t} (v) VALUES (?)`));
const N = 5000; let commit = 0n; let pending = false; let ck = 0; let last: any;
w?.on('message', (r) => { pending = false; ck++; last = r; });
const c0 = process.cpuUsage(); const T0 = process.hrtime.bigint();
for (let i = 0; i < N; i++) {
  db.exec('BEGIN IMMEDIATE'); for (const s of ins) s.run(i);
  const t0 = process.hrtime.bigint(); db.exec('COMMIT'); commit += process.hrtime.bigint() - t0;
  if (w && i % 100 === 0 && !pending) { pending = true; w.postMessage(0); }
  await new Promise((r) => setImmediate(r));
}
const c = process.cpuUsage(c0);
console.log(`${mode}: commit ${(Number(commit) / 1e3 / N).toFixed(1)} µs, loop ${(Number(process.hrtime.bigint() - T0) / 1e3 / N).toFixed(1)} µs; main cpu user ${(c.user / N).toFixed(1)} sys ${(c.system / N).toFixed(1)}; checkpoints ${ck} last ${JSON.stringify(last)}`);
await w?.terminate();
