import { PostgresDatabase } from '../src/store/postgres-database.js';
import { runWorkQueueConformance } from '../src/store/work-queue/work-queue.contract.js';
import { createTestDatabase } from './helpers/databases.js';

runWorkQueueConformance('PostgreSQL', async () => {
  const t = await createTestDatabase('postgres');
  return { db: new PostgresDatabase(t.url), reopen: () => new PostgresDatabase(t.url, 2), drop: t.drop };
});
