/**
 * @module `--db postgres://host/trainyard` when `trainyard` does not exist yet: create it, as
 * MLflow's users expect of a tracking server, by connecting to the server's maintenance database
 * (`postgres`, else `template1`) with the same credentials. Where the user may not create
 * databases, the error says exactly what to run.
 */
import pg from 'pg';

/** PostgreSQL's invalid_catalog_name: the database in the URL does not exist. */
export const PG_DATABASE_MISSING = '3D000';

export async function createPostgresDatabase(url: string): Promise<void> {
  const target = new URL(url);
  const name = decodeURIComponent(target.pathname.replace(/^\//, ''));
  if (!name) throw new Error(`The PostgreSQL URL ${redact(url)} names no database: add one, e.g. postgres://user:pass@host/trainyard`);
  let lastError: Error | undefined;
  for (const maintenance of ['postgres', 'template1']) {
    if (maintenance === name) continue;
    const admin = new URL(url);
    admin.pathname = `/${maintenance}`;
    const client = new pg.Client({ connectionString: admin.toString() });
    try {
      await client.connect();
    } catch (e) {
      lastError = e as Error;
      await client.end().catch(() => {});
      continue;
    }
    try {
      await client.query(`CREATE DATABASE "${name.replace(/"/g, '""')}"`);
      return;
    } catch (e) {
      const code = (e as { code?: string }).code;
      if (code === '42P04') return; // duplicate_database: another replica created it first
      throw new Error(`PostgreSQL database "${name}" does not exist and could not be created (${(e as Error).message}): ${howToCreate(target, name)}`);
    } finally {
      await client.end().catch(() => {});
    }
  }
  throw new Error(`PostgreSQL database "${name}" does not exist${lastError ? ` and the server's maintenance database is not reachable (${lastError.message})` : ''}: ${howToCreate(target, name)}`);
}

function howToCreate(target: URL, name: string): string {
  const user = target.username ? ` -U ${decodeURIComponent(target.username)}` : '';
  const port = target.port ? ` -p ${target.port}` : '';
  return `create it with \`createdb -h ${target.hostname}${port}${user} ${name}\` (or CREATE DATABASE "${name}"; as a user allowed to), then start again`;
}

function redact(url: string): string {
  const u = new URL(url);
  if (u.password) u.password = '***';
  return u.toString();
}
