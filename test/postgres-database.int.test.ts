import { runDatabaseConformance } from '../src/store/database.contract.js';
import { PostgresDatabase } from '../src/store/postgres-database.js';
import { createTestDatabase } from './helpers/databases.js';

runDatabaseConformance('PostgreSQL', async () => {
  const t = await createTestDatabase('postgres');
  return { db: new PostgresDatabase(t.url), reopen: () => new PostgresDatabase(t.url), drop: t.drop };
});
