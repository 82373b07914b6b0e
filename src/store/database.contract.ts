import { describe, expect, it, beforeAll, afterAll } from 'vitest';
import type { Database } from './database.js';
import { isUniqueViolation } from './database.js';
import { migrate } from './migrate.js';
import type { Migration } from './migrations/migration.js';

/**
 * The one conformance suite every store adapter passes. Each adapter's test file calls it with a
 * factory for a fresh, empty database.
 */
export function runDatabaseConformance(name: string, open: () => Promise<{ db: Database; reopen: () => Database; drop: () => Promise<void> }>): void {
  describe(`Database contract: ${name}`, () => {
    let db: Database;
    let reopen: () => Database;
    let drop: () => Promise<void>;

    beforeAll(async () => {
      ({ db, reopen, drop } = await open());
      await migrate(db);
      await db.exec('CREATE TABLE kv (k TEXT PRIMARY KEY, n BIGINT, d DOUBLE PRECISION)');
    });
    afterAll(async () => {
      await db.close();
      await drop();
    });

    it('reads back what it wrote, BIGINT as numbers', async () => {
      await db.run('INSERT INTO kv (k, n, d) VALUES (?, ?, ?)', ['a', 1_795_000_000_123, 0.5]);
      expect(await db.one('SELECT k, n, d FROM kv WHERE k = ?', ['a'])).toEqual({ k: 'a', n: 1_795_000_000_123, d: 0.5 });
      expect(await db.one('SELECT k FROM kv WHERE k = ?', ['missing'])).toBeUndefined();
    });

    it('keeps ±Infinity in double columns', async () => {
      await db.run('INSERT INTO kv (k, n, d) VALUES (?, ?, ?), (?, ?, ?)', ['inf', 0, Infinity, 'ninf', 0, -Infinity]);
      const rows = await db.all<{ k: string; d: number }>("SELECT k, d FROM kv WHERE k IN ('inf', 'ninf') ORDER BY k");
      expect(rows.map((r) => r.d)).toEqual([Infinity, -Infinity]);
    });

    it('leaves ? inside quoted literals alone', async () => {
      await db.run("INSERT INTO kv (k, n) VALUES ('what?', ?)", [7]);
      expect(await db.one("SELECT n FROM kv WHERE k = 'what?' AND n = ?", [7])).toEqual({ n: 7 });
    });

    it('commits a transaction as a whole and rolls back as a whole', async () => {
      await db.transaction(async (tx) => {
        await tx.run('INSERT INTO kv (k, n) VALUES (?, ?)', ['t1', 1]);
        await tx.run('INSERT INTO kv (k, n) VALUES (?, ?)', ['t2', 2]);
      });
      await expect(
        db.transaction(async (tx) => {
          await tx.run('INSERT INTO kv (k, n) VALUES (?, ?)', ['t3', 3]);
          throw new Error('boom');
        }),
      ).rejects.toThrow('boom');
      const keys = (await db.all<{ k: string }>("SELECT k FROM kv WHERE k LIKE 't%' ORDER BY k")).map((r) => r.k);
      expect(keys).toEqual(['t1', 't2']);
    });

    it('reports unique violations in a driver-independent way', async () => {
      const err = await db.run('INSERT INTO kv (k, n) VALUES (?, ?)', ['a', 2]).catch((e) => e);
      expect(isUniqueViolation(err)).toBe(true);
      expect(isUniqueViolation(new Error('other'))).toBe(false);
    });

    it('tells which rows of runMany changed something', async () => {
      const changed = await db.runMany('INSERT INTO kv (k, n) VALUES (?, ?) ON CONFLICT DO NOTHING', [['m1', 1], ['a', 1], ['m2', 2]]);
      expect(changed).toEqual([true, false, true]);
    });

    it('returns inserted rows with RETURNING, skipping conflicts', async () => {
      const rows = await db.all<{ k: string }>("INSERT INTO kv (k, n) VALUES ('r1', 1), ('a', 1) ON CONFLICT DO NOTHING RETURNING k");
      expect(rows).toEqual([{ k: 'r1' }]);
    });

    it('serialises 40 concurrent read-modify-write transactions without losing an update', async () => {
      await db.run('INSERT INTO kv (k, n) VALUES (?, ?)', ['counter', 0]);
      await Promise.all(
        Array.from({ length: 40 }, () =>
          db.transaction(async (tx) => {
            // PostgreSQL needs the row lock for read-modify-write; SQLite's single writer gives it.
            const row = await tx.one<{ n: number }>(`SELECT n FROM kv WHERE k = 'counter'${tx.dialect === 'postgres' ? ' FOR UPDATE' : ''}`);
            await tx.run("UPDATE kv SET n = ? WHERE k = 'counter'", [row!.n + 1]);
          }),
        ),
      );
      expect(await db.one("SELECT n FROM kv WHERE k = 'counter'")).toEqual({ n: 40 });
    });

    it('migrates idempotently, and once when two instances start together', async () => {
      const extra: Migration = { version: 900, name: 'extra', sql: { sqlite: 'CREATE TABLE extra_t (x INTEGER);\n', postgres: 'CREATE TABLE extra_t (x INTEGER);\n' } };
      const other = reopen();
      try {
        const { MIGRATIONS } = await import('./migrations/index.js');
        const [a, b] = await Promise.all([migrate(db, [...MIGRATIONS, extra]), migrate(other, [...MIGRATIONS, extra])]);
        expect([...a, ...b]).toEqual([900]);
        expect(await migrate(db, [...MIGRATIONS, extra])).toEqual([]);
      } finally {
        await other.close();
      }
    });

    it('refuses a database newer than the code with a message that says what to do', async () => {
      await expect(migrate(db)).rejects.toThrow(/newer than this Trainyard knows.*Upgrade Trainyard/);
    });
  });
}
