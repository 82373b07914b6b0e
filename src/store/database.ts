/**
 * @module The store contract: one small async SQL interface with a SQLite and a PostgreSQL
 * adapter. Domains write portable SQL with `?` placeholders; the adapters translate.
 * Adapters own their connections and expose no driver types.
 */

export type Dialect = 'sqlite' | 'postgres';
export type SqlValue = string | number | bigint | null | Buffer;

export interface RunResult {
  /** Rows changed by the statement. */
  changes: number;
}

/** What both a database and an open transaction can do. */
export interface Executor {
  readonly dialect: Dialect;
  all<T = Record<string, unknown>>(sql: string, params?: readonly SqlValue[]): Promise<T[]>;
  one<T = Record<string, unknown>>(sql: string, params?: readonly SqlValue[]): Promise<T | undefined>;
  run(sql: string, params?: readonly SqlValue[]): Promise<RunResult>;
  /**
   * The same statement once per row: the hot path of metric ingestion. Returns, per row, whether
   * it changed anything (so `INSERT ... ON CONFLICT DO NOTHING` tells which rows were new).
   */
  runMany(sql: string, rows: readonly (readonly SqlValue[])[]): Promise<boolean[]>;
}

export interface Database extends Executor {
  /**
   * Runs `fn` in one transaction: all of its writes commit together or none do. On SQLite all
   * transactions go through one writer connection, one at a time, so concurrent clients queue
   * instead of failing with "database is locked".
   */
  transaction<T>(fn: (tx: Executor) => Promise<T>): Promise<T>;
  /** Executes a script of several statements (migrations). */
  exec(sql: string): Promise<void>;
  close(): Promise<void>;
  /** Where the data lives, for logs; passwords removed. */
  readonly description: string;
  /**
   * Runs read-only `fn` under a statement timeout, cancelled when `signal` aborts (the client
   * left). PostgreSQL only; where absent (SQLite, whose searches are bounded by the filter cap
   * and run in milliseconds) `withQueryLimits` just runs `fn`.
   */
  limited?<T>(limits: QueryLimits, fn: (ex: Executor) => Promise<T>): Promise<T>;
}

export interface QueryLimits {
  timeoutMs: number;
  signal?: AbortSignal;
}

/** `fn` under the database's query limits when it has them. */
export function withQueryLimits<T>(db: Database, limits: QueryLimits, fn: (ex: Executor) => Promise<T>): Promise<T> {
  return db.limited ? db.limited(limits, fn) : fn(db);
}

/** True when an error from either driver is a unique-constraint violation. */
export function isUniqueViolation(e: unknown): boolean {
  const err = e as { code?: string; message?: string };
  return err?.code === '23505' || err?.code === 'SQLITE_CONSTRAINT_UNIQUE' || err?.code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}
