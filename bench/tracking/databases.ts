/**
 * @module Throwaway databases for the benchmark: a SQLite file under bench/.work, or a fresh
 * PostgreSQL database on the server at TRAINYARD_BENCH_PG_URL (default: the test server started
 * by `.ci/start-postgres.sh`), dropped afterwards.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { REPO } from './server-process.js';

export type Dialect = 'sqlite' | 'postgres';

export const PG_ADMIN_URL = process.env.TRAINYARD_BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:55432/postgres';
export const WORK_DIR = join(REPO, 'bench', '.work');

export interface BenchDatabase {
  dialect: Dialect;
  /** `--db` for the server; undefined means SQLite at <home>/trainyard.db. */
  url?: string;
  home: string;
  /** The SQLite file, or the PostgreSQL URL. */
  location: string;
  drop(): Promise<void>;
}

export function pgUrlFor(name: string): string {
  return PG_ADMIN_URL.replace(/\/[^/?]*(\?|$)/, `/${name}$1`);
}

export async function pgAdmin<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: PG_ADMIN_URL });
  try {
    await c.connect();
  } catch (e) {
    throw new Error(`PostgreSQL is not reachable at ${PG_ADMIN_URL} (${(e as Error).message}). Start it with: bash .ci/start-postgres.sh, or pass --no-postgres.`);
  }
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

export async function createBenchDatabase(dialect: Dialect, label: string, opts: { template?: string } = {}): Promise<BenchDatabase> {
  const tag = `${label}-${randomBytes(3).toString('hex')}`;
  const home = join(WORK_DIR, tag);
  mkdirSync(home, { recursive: true });
  if (dialect === 'sqlite') {
    const file = join(home, 'trainyard.db');
    return { dialect, home, location: file, drop: async () => rmSync(home, { recursive: true, force: true }) };
  }
  const name = `ty_bench_${tag.replace(/-/g, '_')}`;
  await pgAdmin((c) => c.query(`CREATE DATABASE ${name}${opts.template ? ` TEMPLATE ${opts.template}` : ''}`));
  const url = pgUrlFor(name);
  return {
    dialect,
    url,
    home,
    location: url,
    drop: async () => {
      await pgAdmin((c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
      rmSync(home, { recursive: true, force: true });
    },
  };
}
