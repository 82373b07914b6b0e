import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { NestedTransactionError, SqliteDatabase } from './sqlite-database.js';

// Issue 12 house-keeping: a db.* write from inside a transaction callback used to queue behind
// the transaction awaiting it and never settle. It must throw at once, and the outer transaction
// must still be able to roll back or commit normally.
describe('SQLite: a db call inside a transaction callback', () => {
  let dir: string;
  let db: SqliteDatabase;
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ty-nested-'));
    db = new SqliteDatabase(join(dir, 'db.sqlite'));
    await db.exec('CREATE TABLE t (x INTEGER)');
  });
  afterEach(async () => {
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const settles = <T>(p: Promise<T>) => Promise.race([p.then(() => 'resolved', (e: Error) => e), new Promise((r) => setTimeout(() => r('hung'), 2000))]);

  it('db.transaction / db.run / db.runMany / db.exec throw NestedTransactionError instead of hanging', async () => {
    for (const call of [
      () => db.transaction(async (tx) => tx.run('INSERT INTO t VALUES (1)')),
      () => db.run('INSERT INTO t VALUES (1)'),
      () => db.runMany('INSERT INTO t VALUES (?)', [[1]]),
      () => db.exec('INSERT INTO t VALUES (1)'),
    ]) {
      const outcome = await settles(db.transaction(async (tx) => {
        await tx.run('INSERT INTO t VALUES (0)');
        await call();
      }));
      expect(outcome).toBeInstanceOf(NestedTransactionError);
      expect((outcome as Error).message).toMatch(/inside a SQLite transaction callback.*use the executor/);
    }
    // Every outer transaction rolled back whole: no partial write.
    expect(await db.all('SELECT * FROM t')).toEqual([]);
  });

  it('a callback that catches the error still commits its own writes through tx', async () => {
    await db.transaction(async (tx) => {
      await tx.run('INSERT INTO t VALUES (5)');
      await expect(db.run('INSERT INTO t VALUES (6)')).rejects.toThrow(NestedTransactionError);
    });
    expect(await db.all('SELECT x FROM t')).toEqual([{ x: 5 }]);
  });

  it('concurrent transactions (group commit) and work a callback leaves for later are not affected', async () => {
    let later: Promise<unknown> | undefined;
    await Promise.all([
      db.transaction(async (tx) => {
        await tx.run('INSERT INTO t VALUES (1)');
        // Scheduled inside the callback, run after its transaction: allowed.
        later = new Promise((r) => setTimeout(r, 10)).then(() => db.run('INSERT INTO t VALUES (3)'));
      }),
      db.transaction(async (tx) => tx.run('INSERT INTO t VALUES (2)')),
    ]);
    await later;
    expect((await db.all<{ x: number }>('SELECT x FROM t ORDER BY x')).map((r) => r.x)).toEqual([1, 2, 3]);
  });
});
