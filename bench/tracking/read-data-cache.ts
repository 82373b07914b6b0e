/**
 * @module The read benchmarks' data set, built once and reused: loading 100,000 runs costs
 * ~1 minute on SQLite and several on PostgreSQL on the 2-core machine, so a loaded copy is kept
 * (SQLite: a file under bench/.work/cache; PostgreSQL: a template database) keyed by a hash of
 * everything that shapes it (migrations, the loader, the write path, the sizes). `--fresh`
 * rebuilds it. Every benchmark run works on its own copy.
 */
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { openDatabase } from '../../src/store/index.js';
import { createBenchDatabase, pgAdmin, pgUrlFor, WORK_DIR, type BenchDatabase, type Dialect } from './databases.js';
import { loadSearchData, type SearchData } from './search-data.js';
import { REPO } from './server-process.js';

function dataKey(runs: number, points: number): string {
  const h = createHash('sha256').update(`${runs}/${points}`);
  const migrations = join(REPO, 'src', 'store', 'migrations');
  for (const f of readdirSync(migrations).sort()) h.update(readFileSync(join(migrations, f)));
  for (const f of ['bench/tracking/search-data.ts', 'src/tracking/metric-writer.ts']) h.update(readFileSync(join(REPO, f)));
  return h.digest('hex').slice(0, 12);
}

export async function readDatabase(dialect: Dialect, runs: number, points: number, fresh: boolean, log: (s: string) => void): Promise<{ db: BenchDatabase; data: SearchData; cached: boolean }> {
  const key = dataKey(runs, points);
  const cacheDir = join(WORK_DIR, 'cache');
  mkdirSync(cacheDir, { recursive: true });
  const meta = join(cacheDir, `${dialect}-${key}.json`);
  if (dialect === 'sqlite') {
    const file = join(cacheDir, `sqlite-${key}.db`);
    const db = await createBenchDatabase('sqlite', 'read-sqlite');
    if (!fresh && existsSync(file) && existsSync(meta)) {
      copyFileSync(file, db.location);
      return { db, data: JSON.parse(readFileSync(meta, 'utf8')) as SearchData, cached: true };
    }
    log(`  loading ${runs} runs and a ${points}-point series into SQLite (cached afterwards)`);
    // One cached copy at a time: each is ~1 GB.
    for (const f of readdirSync(cacheDir)) if (f.startsWith('sqlite-')) rmSync(join(cacheDir, f), { force: true });
    const store = await openDatabase(db.location, db.home);
    const data = await loadSearchData(store, runs, points, log);
    await store.close();
    // Fold the WAL into the file so one copy is the whole database.
    const conn = new BetterSqlite3(db.location);
    conn.pragma('wal_checkpoint(TRUNCATE)');
    conn.close();
    copyFileSync(db.location, file);
    writeFileSync(meta, JSON.stringify(data));
    return { db, data, cached: false };
  }
  const template = `ty_bench_tpl_${key}`;
  const exists = await pgAdmin(async (c) => (await c.query('SELECT 1 FROM pg_database WHERE datname = $1', [template])).rowCount === 1);
  let cached = exists && !fresh && existsSync(meta);
  if (!cached) {
    log(`  loading ${runs} runs and a ${points}-point series into PostgreSQL (kept as template ${template})`);
    await pgAdmin(async (c) => {
      // Templates of older data-set versions go: each is ~1.5 GB.
      const old = await c.query<{ datname: string }>("SELECT datname FROM pg_database WHERE datname LIKE 'ty\\_bench\\_tpl\\_%'");
      for (const { datname } of old.rows) await c.query(`DROP DATABASE IF EXISTS ${datname} WITH (FORCE)`);
      await c.query(`CREATE DATABASE ${template}`);
    });
    const store = await openDatabase(pgUrlFor(template), WORK_DIR);
    const data = await loadSearchData(store, runs, points, log);
    await store.close();
    writeFileSync(meta, JSON.stringify(data));
  }
  const db = await createBenchDatabase('postgres', 'read-postgres', { template });
  return { db, data: JSON.parse(readFileSync(meta, 'utf8')) as SearchData, cached };
}
