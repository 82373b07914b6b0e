import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runDatabaseConformance } from './database.contract.js';
import { SqliteDatabase } from './sqlite-database.js';

runDatabaseConformance('SQLite', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ty-sqlite-'));
  const file = join(dir, 'db.sqlite');
  return { db: new SqliteDatabase(file), reopen: () => new SqliteDatabase(file), drop: async () => rmSync(dir, { recursive: true, force: true }) };
});
