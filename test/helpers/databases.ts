import { tempDir } from './temp-dirs.js';
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';

/**
 * Real databases for tests: a fresh SQLite file, or a fresh PostgreSQL database on the server
 * named by TRAINYARD_TEST_PG_URL (started by `.ci/start-postgres.sh`). No test skips PostgreSQL:
 * if it is not running the PostgreSQL suites fail and say how to start it.
 */
export const PG_ADMIN_URL = process.env.TRAINYARD_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:55432/postgres';

export type TestDialect = 'sqlite' | 'postgres';
export const DIALECTS: TestDialect[] = ['sqlite', 'postgres'];

export interface TestDatabase {
  /** URL to pass as `--db` / openDatabase. */
  url: string;
  /** Folder usable as TRAINYARD_HOME. */
  home: string;
  drop(): Promise<void>;
}

export async function createTestDatabase(dialect: TestDialect): Promise<TestDatabase> {
  const home = tempDir('trainyard-test-');
  if (dialect === 'sqlite') {
    return { url: join(home, 'trainyard.db'), home, drop: async () => rmSync(home, { recursive: true, force: true }) };
  }
  const name = `ty_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
  try {
    await admin.connect();
  } catch (e) {
    throw new Error(`PostgreSQL is not reachable at ${PG_ADMIN_URL} (${(e as Error).message}). Start it with: bash .ci/start-postgres.sh`);
  }
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = PG_ADMIN_URL.replace(/\/[^/?]*(\?|$)/, `/${name}$1`);
  return {
    url,
    home,
    drop: async () => {
      const c = new pg.Client({ connectionString: PG_ADMIN_URL });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
      rmSync(home, { recursive: true, force: true });
    },
  };
}
