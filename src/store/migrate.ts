import type { Database, Executor } from './database.js';
import { MIGRATIONS, type Migration } from './migrations/index.js';

// Any constant works; it only has to be the same in every Trainyard process.
const PG_MIGRATION_LOCK = 7_270_310_551;

/**
 * Brings the schema up to date at start. Runs under a lock so two servers starting together
 * against one database apply each migration once: PostgreSQL takes an advisory lock for the
 * transaction; SQLite's BEGIN IMMEDIATE already excludes other writers.
 */
export async function migrate(db: Database, migrations: readonly Migration[] = MIGRATIONS): Promise<number[]> {
  return db.transaction(async (tx) => {
    if (tx.dialect === 'postgres') await tx.run('SELECT pg_advisory_xact_lock(?)', [PG_MIGRATION_LOCK]);
    await tx.run(
      'CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)',
    );
    const applied = new Set((await tx.all<{ version: number }>('SELECT version FROM schema_migrations')).map((r) => Number(r.version)));
    const newest = Math.max(0, ...applied);
    const known = Math.max(0, ...migrations.map((m) => m.version));
    if (newest > known) {
      throw new Error(
        `The database schema is at version ${newest}, newer than this Trainyard knows (${known}). Upgrade Trainyard to use this database.`,
      );
    }
    const ran: number[] = [];
    for (const m of migrations) {
      if (applied.has(m.version)) continue;
      await execScript(tx, m.sql[tx.dialect]);
      await tx.run('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)', [m.version, m.name, Date.now()]);
      ran.push(m.version);
    }
    return ran;
  });
}

/** Splits a script on statement-ending semicolons (our migrations hold no semicolons in literals). */
async function execScript(tx: Executor, script: string): Promise<void> {
  for (const stmt of script.split(/;\s*\n/)) {
    if (stmt.trim()) await tx.run(stmt);
  }
}
