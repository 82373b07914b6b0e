/**
 * @module The storage floor for log-batch: the same rows a 1,000-point request carries (10 keys x
 * 100 steps, 8 clients' series interleaved), inserted with the bare driver into a table shaped like
 * `metrics` (same primary key), one transaction per request, no HTTP, JSON, validation or
 * summaries. SQLite: better-sqlite3 with the server's pragmas (WAL, synchronous=NORMAL) and its
 * 200-row multi-row INSERT. PostgreSQL: pg with one unnest() INSERT per request, `connections`
 * at once.
 */
import BetterSqlite3 from 'better-sqlite3';
import pg from 'pg';

const DDL = `CREATE TABLE bare_metrics (
  series_id BIGINT NOT NULL, step BIGINT NOT NULL, timestamp BIGINT NOT NULL, value DOUBLE PRECISION NOT NULL, is_nan INTEGER NOT NULL,
  PRIMARY KEY (series_id, step, timestamp, value, is_nan))`;

/** Request `j` of client `c`: 10 series x 100 consecutive steps, as the load clients send. */
function batchRows(c: number, j: number): number[] {
  const rows: number[] = [];
  for (let k = 0; k < 10; k++) {
    for (let s = 0; s < 100; s++) {
      const step = j * 100 + s;
      rows.push(c * 10 + k + 1, step, 1_767_000_000_000 + step, Math.random(), 0);
    }
  }
  return rows;
}

export function sqliteBare(file: string, seconds: number, clients = 8): number {
  const db = new BetterSqlite3(file);
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('cache_size = -65536');
    db.exec(`${DDL} WITHOUT ROWID`);
    const stmt = db.prepare(`INSERT INTO bare_metrics VALUES ${new Array(200).fill('(?, ?, ?, ?, ?)').join(', ')} ON CONFLICT DO NOTHING`);
    // Rows are built before the clock starts, as the server has them parsed before it inserts.
    const batches = Array.from({ length: 400 }, (_, i) => batchRows(i % clients, Math.floor(i / clients)));
    let points = 0;
    let i = 0;
    const t0 = performance.now();
    const end = t0 + seconds * 1000;
    while (performance.now() < end) {
      const rows = i < batches.length ? batches[i]! : batchRows(i % clients, Math.floor(i / clients));
      db.exec('BEGIN IMMEDIATE');
      for (let r = 0; r < 1000; r += 200) stmt.run(...rows.slice(r * 5, (r + 200) * 5));
      db.exec('COMMIT');
      points += 1000;
      i++;
    }
    return Math.round(points / ((performance.now() - t0) / 1000));
  } finally {
    db.close();
  }
}

export async function postgresBare(url: string, seconds: number, connections: number): Promise<number> {
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  await admin.query('DROP TABLE IF EXISTS bare_metrics');
  await admin.query(DDL);
  await admin.end();
  const sql = 'INSERT INTO bare_metrics SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::bigint[], $4::float8[], $5::int[]) ON CONFLICT DO NOTHING';
  let points = 0;
  const t0 = performance.now();
  const end = t0 + seconds * 1000;
  await Promise.all(
    Array.from({ length: connections }, async (_, c) => {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        for (let j = 0; performance.now() < end; j++) {
          const rows = batchRows(c, j);
          const cols = [0, 1, 2, 3, 4].map((k) => `{${rows.filter((_, i) => i % 5 === k).join(',')}}`);
          await client.query(sql, cols);
          points += 1000;
        }
      } finally {
        await client.end();
      }
    }),
  );
  return Math.round(points / ((performance.now() - t0) / 1000));
}
