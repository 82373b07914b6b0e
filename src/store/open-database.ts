import { join } from 'node:path';
import type { Database } from './database.js';
import { migrate } from './migrate.js';
import { createPostgresDatabase, PG_DATABASE_MISSING } from './postgres-create-database.js';
import { PostgresDatabase } from './postgres-database.js';
import { SqliteDatabase } from './sqlite-database.js';

/**
 * Opens the database a URL names and brings its schema up to date.
 * `postgres://` / `postgresql://` -> PostgreSQL; `sqlite:///abs/path`, `sqlite:rel/path`, a plain
 * file path or `:memory:` -> SQLite; nothing -> `<home>/trainyard.db`.
 */
export async function openDatabase(url: string | undefined, home: string): Promise<Database> {
  try {
    return await openAndMigrate(url, home);
  } catch (e) {
    // A PostgreSQL URL naming a database that does not exist yet: create it (as MLflow does), once.
    if ((e as { code?: string }).code !== PG_DATABASE_MISSING || !url) throw e;
    await createPostgresDatabase(url);
    return openAndMigrate(url, home);
  }
}

async function openAndMigrate(url: string | undefined, home: string): Promise<Database> {
  const db = createDatabase(url, home);
  try {
    await migrate(db);
  } catch (e) {
    await db.close().catch(() => {});
    throw e;
  }
  return db;
}

export function createDatabase(url: string | undefined, home: string): Database {
  if (!url) return new SqliteDatabase(join(home, 'trainyard.db'));
  if (/^postgres(ql)?:\/\//.test(url)) return new PostgresDatabase(url);
  if (url === ':memory:') return new SqliteDatabase(':memory:');
  if (url.startsWith('sqlite://')) return new SqliteDatabase(url.slice('sqlite://'.length) || join(home, 'trainyard.db'));
  if (url.startsWith('sqlite:')) return new SqliteDatabase(url.slice('sqlite:'.length));
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(url)) {
    throw new Error(`Unsupported database URL '${url}': use postgres://user:pass@host/db or a SQLite file path.`);
  }
  return new SqliteDatabase(url);
}
