/**
 * @module The read benchmarks' data set, built once and reused (SQLite: a file under
 * bench/.work/cache; PostgreSQL: a template database), keyed by the run count and a hash of
 * everything that shapes it (migrations, the loader, the write path, the sizes). `--fresh`
 * rebuilds it. Up to 100,000 runs every benchmark run works on its own copy; larger sets
 * (~10 GB a store at 1,000,000 runs) are read in place: the read benchmark only reads, and a
 * copy would cost more disk and time than the measurement.
 */
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { openDatabase } from '../../src/store/index.js';
import { createBenchDatabase, pgAdmin, pgUrlFor, WORK_DIR, type BenchDatabase, type Dialect } from './databases.js';
import { loadSearchData, type SearchData } from './search-data.js';
import { REPO } from './server-process.js';

const IN_PLACE_ABOVE = 100_000;

function dataKey(runs: number, points: number): string {
  const h = createHash('sha256').update(`${runs}/${points}`);
  const migrations = join(REPO, 'src', 'store', 'migrations');
  for (const f of readdirSync(migrations).sort()) h.update(readFileSync(join(migrations, f)));
  for (const f of ['bench/tracking/search-data.ts', 'bench/tracking/bench-runs.ts', 'bench/tracking/bulk-load.ts', 'src/tracking/metric-writer.ts']) h.update(readFileSync(join(REPO, f)));
  return `${runs}_${h.digest('hex').slice(0, 12)}`;
}

export async function readDatabase(dialect: Dialect, runs: number, points: number, fresh: boolean, log: (s: string) => void): Promise<{ db: BenchDatabase; data: SearchData; cached: boolean }> {
  const key = dataKey(runs, points);
  const sizePrefix = `${runs}_`;
  const inPlace = runs > IN_PLACE_ABOVE;
  const cacheDir = join(WORK_DIR, 'cache');
  mkdirSync(cacheDir, { recursive: true });
  const meta = join(cacheDir, `${dialect}-${key}.json`);
  const readMeta = () => JSON.parse(readFileSync(meta, 'utf8')) as SearchData;
  if (dialect === 'sqlite') {
    const file = join(cacheDir, `sqlite-${key}.db`);
    const cached = !fresh && existsSync(file) && existsSync(meta);
    if (!cached) {
      log(`  loading ${runs} runs and a ${points}-point series into SQLite (cached afterwards)`);
      // Older versions of this size go (each is ~1 GB per 100,000 runs).
      for (const f of readdirSync(cacheDir)) if (f.startsWith(`sqlite-${sizePrefix}`)) rmSync(join(cacheDir, f), { force: true });
      const home = join(cacheDir, `home-${key}`);
      mkdirSync(home, { recursive: true });
      const data = await loadSearchData(() => openDatabase(file, home), file, runs, points, log);
      // Fold the WAL into the file so one copy is the whole database.
      const conn = new BetterSqlite3(file);
      conn.pragma('wal_checkpoint(TRUNCATE)');
      conn.close();
      writeFileSync(meta, JSON.stringify(data));
    }
    const db = await createBenchDatabase('sqlite', 'read-sqlite');
    if (inPlace) return { db: { ...db, location: file, url: file }, data: readMeta(), cached };
    copyFileSync(file, db.location);
    return { db, data: readMeta(), cached };
  }
  const template = `ty_bench_tpl_${key}`;
  const exists = await pgAdmin(async (c) => (await c.query('SELECT 1 FROM pg_database WHERE datname = $1', [template])).rowCount === 1);
  const cached = exists && !fresh && existsSync(meta);
  if (!cached) {
    log(`  loading ${runs} runs and a ${points}-point series into PostgreSQL (kept as template ${template})`);
    await pgAdmin(async (c) => {
      // Templates of older versions of this size go: each is ~1.5 GB per 100,000 runs.
      const old = await c.query<{ datname: string }>('SELECT datname FROM pg_database WHERE starts_with(datname, $1)', [`ty_bench_tpl_${sizePrefix}`]);
      for (const { datname } of old.rows) await c.query(`DROP DATABASE IF EXISTS ${datname} WITH (FORCE)`);
      await c.query(`CREATE DATABASE ${template}`);
    });
    const data = await loadSearchData(() => openDatabase(pgUrlFor(template), WORK_DIR), pgUrlFor(template), runs, points, log);
    writeFileSync(meta, JSON.stringify(data));
  }
  if (inPlace) {
    const db = await createBenchDatabase('sqlite', 'read-postgres-in-place');
    const url = pgUrlFor(template);
    return { db: { ...db, dialect: 'postgres', url, location: url }, data: readMeta(), cached };
  }
  const db = await createBenchDatabase('postgres', 'read-postgres', { template });
  return { db, data: readMeta(), cached };
}
