import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from './helpers/cli.js';
import { PG_ADMIN_URL } from './helpers/databases.js';
import { spawnServer } from './helpers/server-process.js';

/** `--db postgres://.../NAME` where NAME does not exist yet: created, as MLflow's users expect. */
describe('a PostgreSQL database that does not exist yet', () => {
  const home = mkdtempSync(join(tmpdir(), 'ty-pg-create-'));
  const name = `ty_new_${randomBytes(5).toString('hex')}`;
  const role = `ty_nocreate_${randomBytes(4).toString('hex')}`;
  const withDb = (db: string, user?: string) => {
    const u = new URL(PG_ADMIN_URL);
    u.pathname = `/${db}`;
    if (user) {
      u.username = user;
      u.password = 'pw-for-test';
    }
    return u.toString();
  };
  const admin = async <T>(f: (c: pg.Client) => Promise<T>) => {
    const c = new pg.Client({ connectionString: PG_ADMIN_URL });
    await c.connect();
    try {
      return await f(c);
    } finally {
      await c.end();
    }
  };
  afterAll(async () => {
    await admin(async (c) => {
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.query(`DROP ROLE IF EXISTS ${role}`);
    });
    rmSync(home, { recursive: true, force: true });
  });

  it('is created by `trainyard server --db`, which then serves from it', async () => {
    const server = await spawnServer(['--home', home, '--db', withDb(name)]);
    try {
      const res = await fetch(`${server.url}/api/2.0/mlflow/experiments/create`, { method: 'POST', body: JSON.stringify({ name: 'in-new-db' }), headers: { 'content-type': 'application/json' } });
      expect(res.status).toBe(200);
    } finally {
      server.child.kill('SIGTERM');
      await server.exited;
    }
    const rows = await admin((c) => c.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]));
    expect(rows.rowCount).toBe(1);
  });

  it('says exactly how to create it when the user may not', async () => {
    await admin((c) => c.query(`CREATE ROLE ${role} LOGIN PASSWORD 'pw-for-test' NOCREATEDB`));
    const missing = `${name}_x`;
    const res = await runCli(['server', '--port', '0', '--home', join(home, 'b'), '--db', withDb(missing, role)]);
    expect(res.code).not.toBe(0);
    expect(res.stderr.trim().split('\n')).toHaveLength(1);
    expect(res.stderr).toContain(`PostgreSQL database "${missing}" does not exist and could not be created`);
    expect(res.stderr).toMatch(new RegExp(`createdb -h \\S+ -p \\d+ -U ${role} ${missing}`));
  });
});
