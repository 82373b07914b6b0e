import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PostgresDatabase } from '../src/store/postgres-database.js';
import { createTestDatabase } from './helpers/databases.js';

// Issue 12 house-keeping: the adapter reads BIGINT/NUMERIC as numbers on its own connections
// without changing pg's process-wide parsers, which other users of `pg` in the process rely on.
describe('PostgreSQL adapter type parsers', () => {
  let t: Awaited<ReturnType<typeof createTestDatabase>>;
  let db: PostgresDatabase;
  beforeAll(async () => {
    t = await createTestDatabase('postgres');
    db = new PostgresDatabase(t.url);
  });
  afterAll(async () => {
    await db?.close();
    await t?.drop();
  });

  it('returns BIGINT and NUMERIC as numbers through the adapter', async () => {
    const row = await db.one<{ big: unknown; num: unknown; s: unknown }>('SELECT 1234567890123::bigint AS big, sum(x)::numeric AS num, 7::bigint AS s FROM (VALUES (1.5), (2)) v(x)');
    expect(row).toEqual({ big: 1234567890123, num: 3.5, s: 7 });
    await db.transaction(async (tx) => {
      expect(await tx.one('SELECT 42::bigint AS n')).toEqual({ n: 42 });
    });
  });

  it("leaves pg's global parsers alone: a plain pg.Client still gets strings", async () => {
    expect(pg.types.getTypeParser(20, 'text')('9007199254740993')).toBe('9007199254740993');
    const client = new pg.Client({ connectionString: t.url });
    await client.connect();
    try {
      const res = await client.query('SELECT 9007199254740993::bigint AS big, 1.25::numeric AS num');
      expect(res.rows[0]).toEqual({ big: '9007199254740993', num: '1.25' });
    } finally {
      await client.end();
    }
  });
});
