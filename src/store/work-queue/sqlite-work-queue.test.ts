import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteDatabase } from '../sqlite-database.js';
import { runWorkQueueConformance } from './work-queue.contract.js';

runWorkQueueConformance('SQLite', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ty-wq-'));
  const file = join(dir, 'db.sqlite');
  return { db: new SqliteDatabase(file), reopen: () => new SqliteDatabase(file), drop: async () => rmSync(dir, { recursive: true, force: true }) };
});
