import BetterSqlite3 from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { Database, Executor, RunResult, SqlValue } from './database.js';
import { Mutex } from './mutex.js';

type Statement = BetterSqlite3.Statement;

/** Prepared statements are cached per connection: preparing costs more than running. */
class SqliteExecutor implements Executor {
  readonly dialect = 'sqlite' as const;
  private readonly cache = new Map<string, Statement>();
  constructor(readonly conn: BetterSqlite3.Database) {}

  prepare(sql: string): Statement {
    let stmt = this.cache.get(sql);
    if (!stmt) {
      stmt = this.conn.prepare(sql);
      if (this.cache.size > 2000) this.cache.clear();
      this.cache.set(sql, stmt);
    }
    return stmt;
  }

  async all<T>(sql: string, params: readonly SqlValue[] = []): Promise<T[]> {
    return this.prepare(sql).all(...(params as unknown[])) as T[];
  }

  async one<T>(sql: string, params: readonly SqlValue[] = []): Promise<T | undefined> {
    return this.prepare(sql).get(...(params as unknown[])) as T | undefined;
  }

  async run(sql: string, params: readonly SqlValue[] = []): Promise<RunResult> {
    const stmt = this.prepare(sql);
    if (!stmt.reader) return { changes: stmt.run(...(params as unknown[])).changes };
    stmt.all(...(params as unknown[]));
    return { changes: 0 };
  }

  async runMany(sql: string, rows: readonly (readonly SqlValue[])[]): Promise<boolean[]> {
    const stmt = this.prepare(sql);
    const out = new Array<boolean>(rows.length);
    for (let i = 0; i < rows.length; i++) out[i] = stmt.run(...(rows[i] as unknown[])).changes > 0;
    return out;
  }
}

// One write lock per database file per process. Two handles on one file in one process (an
// embedded SDK beside a server, tests) would otherwise deadlock: the second BEGIN IMMEDIATE
// busy-waits synchronously, blocking the event loop the first needs to reach its COMMIT.
const fileLocks = new Map<string, Mutex>();
function writeLockFor(file: string): Mutex {
  if (file === ':memory:') return new Mutex();
  const key = resolve(file);
  let lock = fileLocks.get(key);
  if (!lock) fileLocks.set(key, (lock = new Mutex()));
  return lock;
}

/**
 * SQLite in WAL mode with one writer connection and one reader connection. WAL lets readers run
 * while a write is in progress; the mutex serialises writers inside this process, and
 * `busy_timeout` covers other processes (a CLI next to the server). synchronous=NORMAL in WAL
 * loses nothing on a process crash (kill -9): a commit is in the OS's page cache once it returns;
 * only an OS crash or power cut can lose the last commits, which FULL would guard at ~2x cost.
 */
export class SqliteDatabase implements Database {
  readonly dialect = 'sqlite' as const;
  readonly description: string;
  private readonly writer: SqliteExecutor;
  private readonly reader: SqliteExecutor;
  private readonly writeLock: Mutex;

  constructor(readonly file: string) {
    if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
    this.description = `sqlite:${file}`;
    this.writeLock = writeLockFor(file);
    const open = () => {
      const conn = new BetterSqlite3(file);
      conn.pragma('journal_mode = WAL');
      conn.pragma('synchronous = NORMAL');
      conn.pragma('busy_timeout = 10000');
      conn.pragma('foreign_keys = ON');
      // MLflow's LIKE is case-sensitive on every database (reference §5); ILIKE is emulated with lower().
      conn.pragma('case_sensitive_like = ON');
      conn.pragma('cache_size = -65536');
      return conn;
    };
    this.writer = new SqliteExecutor(open());
    // An in-memory database is private to its connection, so it cannot have a second reader.
    this.reader = file === ':memory:' ? this.writer : new SqliteExecutor(open());
  }

  all<T>(sql: string, params?: readonly SqlValue[]): Promise<T[]> {
    return this.reader.all<T>(sql, params);
  }
  one<T>(sql: string, params?: readonly SqlValue[]): Promise<T | undefined> {
    return this.reader.one<T>(sql, params);
  }
  run(sql: string, params?: readonly SqlValue[]): Promise<RunResult> {
    return this.transaction((tx) => tx.run(sql, params));
  }
  runMany(sql: string, rows: readonly (readonly SqlValue[])[]): Promise<boolean[]> {
    return this.transaction((tx) => tx.runMany(sql, rows));
  }

  async transaction<T>(fn: (tx: Executor) => Promise<T>): Promise<T> {
    const release = await this.writeLock.acquire();
    const conn = this.writer.conn;
    try {
      conn.exec('BEGIN IMMEDIATE');
      try {
        const result = await fn(this.writer);
        conn.exec('COMMIT');
        return result;
      } catch (e) {
        if (conn.inTransaction) conn.exec('ROLLBACK');
        throw e;
      }
    } finally {
      release();
    }
  }

  async exec(sql: string): Promise<void> {
    const release = await this.writeLock.acquire();
    try {
      this.writer.conn.exec(sql);
    } finally {
      release();
    }
  }

  async close(): Promise<void> {
    const release = await this.writeLock.acquire();
    try {
      if (this.reader !== this.writer) this.reader.conn.close();
      this.writer.conn.close();
    } finally {
      release();
    }
  }
}
