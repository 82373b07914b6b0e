import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { SqliteDatabase } from '../src/store/sqlite-database.js';

const dirs: string[] = [];
function tempFile(): string {
  const dir = mkdtempSync(join(tmpdir(), 'ty-ckpt-'));
  dirs.push(dir);
  return join(dir, 'db.sqlite');
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const walBytes = (file: string) => statSync(`${file}-wal`).size;
// A WAL frame is a 24-byte header and one page (4,096 bytes by default).
const FRAME = 4096 + 24;

/**
 * The writer no longer checkpoints on its own connection (sqlite-checkpointer.ts): a worker
 * thread does, and the writer checkpoints the tail itself past a bound. What must hold: the WAL
 * stays bounded under a steady writer that never pauses (a PASSIVE checkpoint alone never lets the
 * WAL start over), every row is there, and an acknowledged commit survives a kill -9.
 */
describe('SQLite WAL checkpoints off the event loop', () => {
  it('keeps the WAL bounded under a steady writer, with the worker doing the checkpoints', async () => {
    const file = tempFile();
    // Above SQLite's own autocheckpoint (1,000 frames), which serves until the worker is up.
    const maxFrames = 1500;
    const db = new SqliteDatabase(file, { checkpoint: { startAfterCommits: 20, maxFrames, minIntervalMs: 2 } });
    await db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, v BLOB)');
    const payload = Buffer.alloc(600, 7);
    const N = 8000;
    let maxWal = 0;
    for (let i = 0; i < N; i++) {
      // A server's writes arrive by I/O, a turn of the event loop apart; without the turn this loop
      // would run in one macrotask and the worker's messages would wait for its end.
      await new Promise(setImmediate);
      await db.run('INSERT INTO t (id, v) VALUES (?, ?)', [i, payload]);
      if (i % 100 === 0) maxWal = Math.max(maxWal, walBytes(file));
    }
    const stats = db.checkpointStats()!;
    expect(stats.workerCheckpoints).toBeGreaterThan(0);
    // 8,000 commits of about two frames each would be ~16,000 frames with nothing restarting the WAL.
    expect(stats.inlineCheckpoints).toBeGreaterThan(0);
    expect(Math.max(maxWal, walBytes(file))).toBeLessThan(2 * maxFrames * FRAME);
    expect((await db.one<{ n: number }>('SELECT count(*) AS n FROM t'))!.n).toBe(N);
    await db.close();

    const again = new BetterSqlite3(file, { readonly: true });
    expect((again.prepare('SELECT count(*) AS n FROM t').get() as { n: number }).n).toBe(N);
    again.close();
  });

  it('falls back to SQLite\'s autocheckpoint for a database that has seen few commits', async () => {
    const file = tempFile();
    const db = new SqliteDatabase(file);
    await db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY)');
    for (let i = 0; i < 20; i++) await db.run('INSERT INTO t (id) VALUES (?)', [i]);
    expect(db.checkpointStats()).toEqual({ workerCheckpoints: 0, inlineCheckpoints: 0 });
    await db.close();
  });

  it('lets the process live through close() and what follows it once the worker is running', async () => {
    const file = tempFile();
    // The worker thread is unreferenced while it serves; if close() awaited it that way, Node
    // would find nothing keeping the process alive and exit with status 0 before the last line.
    const script = `
      import { SqliteDatabase } from ${JSON.stringify(join(import.meta.dirname, '../src/store/sqlite-database.ts'))};
      const db = new SqliteDatabase(process.argv[1], { checkpoint: { startAfterCommits: 5, maxFrames: 1000, minIntervalMs: 1 } });
      await db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY)');
      for (let i = 0; db.checkpointStats().workerCheckpoints < 3; i++) {
        await new Promise(setImmediate);
        await db.run('INSERT INTO t (id) VALUES (?)', [i]);
      }
      await db.close();
      process.stdout.write('closed');
    `;
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script, file], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(out).toBe('closed');
    expect(code).toBe(0);
  }, 60_000);

  it('loses no acknowledged commit when the process is killed with SIGKILL while the worker checkpoints', async () => {
    const file = tempFile();
    const script = `
      import { SqliteDatabase } from ${JSON.stringify(join(import.meta.dirname, '../src/store/sqlite-database.ts'))};
      const db = new SqliteDatabase(process.argv[1], { checkpoint: { startAfterCommits: 10, maxFrames: 200, minIntervalMs: 1 } });
      await db.exec('CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY, v BLOB)');
      const payload = Buffer.alloc(3000, 1);
      for (let i = 0; ; i++) {
        await new Promise(setImmediate);
        await db.run('INSERT INTO t (id, v) VALUES (?, ?)', [i, payload]);
        process.stdout.write(i + ' ' + db.checkpointStats().workerCheckpoints + '\\n');
      }
    `;
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script, file], { stdio: ['ignore', 'pipe', 'inherit'] });
    let acknowledged = -1;
    let workerCheckpoints = 0;
    let buffered = '';
    await new Promise<void>((resolve, reject) => {
      child.on('error', reject);
      child.on('exit', (code, signal) => (signal === 'SIGKILL' ? resolve() : reject(new Error(`child exited ${code}`))));
      child.stdout!.on('data', (chunk: Buffer) => {
        buffered += chunk.toString();
        const lines = buffered.split('\n');
        buffered = lines.pop()!;
        if (lines.length) [acknowledged, workerCheckpoints] = lines[lines.length - 1]!.split(' ').map(Number) as [number, number];
        if (acknowledged >= 3000 && workerCheckpoints >= 20 && !child.killed) child.kill('SIGKILL');
      });
    });
    const db = new BetterSqlite3(file);
    const row = db.prepare('SELECT count(*) AS n, max(id) AS top FROM t').get() as { n: number; top: number };
    db.close();
    expect(row.top).toBeGreaterThanOrEqual(acknowledged);
    // Rows are written in order and none is ever deleted: every id up to the top is there.
    expect(row.n).toBe(row.top + 1);
  }, 60_000);
});
