import pg from 'pg';
import type { Database, Executor, QueryLimits, RunResult, SqlValue } from './database.js';
import { AppError, InvalidParameter } from '../core/errors.js';

const INT8 = 20;
const NUMERIC = 1700;
const toNumber = (v: string) => Number(v);

/**
 * Type parsers for this adapter's connections only (pg's global `pg.types` stays as it is, so
 * other code in the process using `pg` still gets its defaults). BIGINT (int8) columns hold
 * millisecond timestamps and steps, all well inside 2^53, and NUMERIC comes from aggregates such
 * as SUM(): both are returned as numbers rather than pg's default strings.
 */
export const PG_TYPES: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    (oid === INT8 || oid === NUMERIC) && format !== 'binary' ? toNumber : pg.types.getTypeParser(oid, format ?? 'text')) as pg.CustomTypesConfig['getTypeParser'],
};

const placeholderCache = new Map<string, string>();

/** Rewrites `?` placeholders to `$1, $2, ...`, leaving quoted literals and identifiers alone. */
export function toPostgresPlaceholders(sql: string): string {
  const cached = placeholderCache.get(sql);
  if (cached !== undefined) return cached;
  let out = '';
  let n = 0;
  let quote: string | null = null;
  for (let i = 0; i < sql.length; i++) {
    const c = sql[i]!;
    if (quote) {
      if (c === quote) quote = null;
      out += c;
    } else if (c === "'" || c === '"') {
      quote = c;
      out += c;
    } else if (c === '?') {
      out += `$${++n}`;
    } else {
      out += c;
    }
  }
  if (placeholderCache.size > 5000) placeholderCache.clear();
  placeholderCache.set(sql, out);
  return out;
}

interface Queryable {
  query(config: pg.QueryConfig): Promise<pg.QueryResult>;
}

/**
 * Data-modifying statements run as named prepared statements once their text has been seen a few
 * times: each pooled connection then parses and plans them once. The metric write path's single
 * statement spent 1.4 ms planning against 1.2 ms executing (EXPLAIN ANALYZE, one point); named,
 * it went from ~1.9 to ~0.6 ms and a whole log-metric from ~3.6 to ~2.1 ms (in-process, 3
 * interleaved runs each). Only INSERT/UPDATE/DELETE (and WITH ... holding one) are
 * named: their plans are keyed lookups whatever the parameters, while a SELECT's best plan can
 * depend on its parameters (search) and a prepared `SELECT *` fails after a migration adds a
 * column ("cached plan must not change result type") on a replica that keeps running. A SELECT
 * that is a keyed lookup whatever its parameters, with an explicit column list, opts in by
 * starting with the comment \/* keyed *\/: tuning's trial read planned in 0.8 ms and ran in 0.35.
 */
const statementNames = new Map<string, string>();
const sightings = new Map<string, number>();
const NAME_AFTER = 3;
const MAX_NAMED = 500;
const MODIFYING = /^\s*(INSERT|UPDATE|DELETE)\b|^\s*WITH\b[\s\S]*\b(INSERT|UPDATE|DELETE)\b|^\s*\/\*\s*keyed\s*\*\//i;

function queryConfig(sql: string, params: readonly SqlValue[]): pg.QueryConfig {
  const text = toPostgresPlaceholders(sql);
  const values = params as unknown[];
  let name = statementNames.get(text);
  if (name) return { name, text, values };
  if (statementNames.size < MAX_NAMED && MODIFYING.test(text)) {
    const n = (sightings.get(text) ?? 0) + 1;
    if (n < NAME_AFTER) {
      if (sightings.size > 5000) sightings.clear();
      sightings.set(text, n);
    } else {
      sightings.delete(text);
      name = `ty_${statementNames.size}`;
      statementNames.set(text, name);
      return { name, text, values };
    }
  }
  return { text, values };
}

/**
 * Values PostgreSQL refuses that SQLite stores: a client's input reaching a query this way is bad
 * input (a 400), not a server fault. Edge validation names the field first where it can; this
 * is the net under every route, so no such value can become a 500.
 */
const BAD_INPUT_CODES: Record<string, string> = {
  '22P02': 'a value is not valid for its type (e.g. a number where an id was expected)',
  '22003': 'a number is out of range (integers must fit in 64 bits)',
  '22021': 'a value contains bytes that are not valid UTF-8',
  '22001': 'a value is too long',
  '54000': 'a value is too long to be indexed; use a shorter name or key',
  '22008': 'a timestamp is out of range',
};

function checkParams(params: readonly SqlValue[]): void {
  for (const p of params) {
    if (typeof p === 'string' && p.includes('\u0000')) throw new InvalidParameter('Invalid value: it contains a NUL character (\\u0000), which PostgreSQL cannot store.');
  }
}

async function query(conn: Queryable, sql: string, params: readonly SqlValue[]): Promise<pg.QueryResult> {
  checkParams(params);
  try {
    return await conn.query(queryConfig(sql, params));
  } catch (e) {
    const reason = BAD_INPUT_CODES[(e as { code?: string }).code ?? ''];
    if (reason) throw new InvalidParameter(`Invalid value: ${reason}.`);
    throw e;
  }
}

class PostgresExecutor implements Executor {
  readonly dialect = 'postgres' as const;
  constructor(private readonly conn: Queryable) {}

  async all<T>(sql: string, params: readonly SqlValue[] = []): Promise<T[]> {
    const res = await query(this.conn, sql, params);
    return res.rows as T[];
  }
  async one<T>(sql: string, params: readonly SqlValue[] = []): Promise<T | undefined> {
    const rows = await this.all<T>(sql, params);
    return rows[0];
  }
  async run(sql: string, params: readonly SqlValue[] = []): Promise<RunResult> {
    const res = await query(this.conn, sql, params);
    return { changes: res.rowCount ?? 0 };
  }
  async runMany(sql: string, rows: readonly (readonly SqlValue[])[]): Promise<boolean[]> {
    const out: boolean[] = [];
    for (const row of rows) out.push((await this.run(sql, row)).changes > 0);
    return out;
  }
}

/** PostgreSQL through a connection pool; each transaction holds one pooled client. */
export class PostgresDatabase implements Database {
  readonly dialect = 'postgres' as const;
  readonly description: string;
  private readonly pool: pg.Pool;
  private readonly executor: PostgresExecutor;

  constructor(url: string, poolSize = 10) {
    this.pool = new pg.Pool({ connectionString: url, max: poolSize, types: PG_TYPES });
    // An idle client's error (server restart) must not crash the process; the next query reconnects.
    this.pool.on('error', () => {});
    this.executor = new PostgresExecutor(this.pool);
    this.description = url.replace(/:\/\/([^:@/]+):[^@/]*@/, '://$1:***@');
  }

  all<T>(sql: string, params?: readonly SqlValue[]): Promise<T[]> {
    return this.executor.all<T>(sql, params);
  }
  one<T>(sql: string, params?: readonly SqlValue[]): Promise<T | undefined> {
    return this.executor.one<T>(sql, params);
  }
  run(sql: string, params?: readonly SqlValue[]): Promise<RunResult> {
    return this.executor.run(sql, params);
  }
  runMany(sql: string, rows: readonly (readonly SqlValue[])[]): Promise<boolean[]> {
    return this.transaction((tx) => tx.runMany(sql, rows));
  }

  async transaction<T>(fn: (tx: Executor) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      const result = await fn(new PostgresExecutor(client));
      await client.query('COMMIT');
      return result;
    } catch (e) {
      await client.query('ROLLBACK').catch(() => {});
      throw e;
    } finally {
      client.release();
    }
  }

  /**
   * One read-only transaction under SET LOCAL statement_timeout. When `signal` aborts (the client
   * disconnected) the backend is terminated from another connection: cancelling would stop only
   * the running statement, and the search's queued ones would run on with nobody waiting. The
   * connection is then dropped from the pool.
   */
  async limited<T>(limits: QueryLimits, fn: (ex: Executor) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    let cancelled = false;
    const pid = (client as unknown as { processID?: number }).processID;
    const cancel = () => {
      cancelled = true;
      if (pid) void this.pool.query('SELECT pg_terminate_backend($1)', [pid]).catch(() => {});
    };
    limits.signal?.addEventListener('abort', cancel, { once: true });
    try {
      if (limits.signal?.aborted) throw new AppError('BAD_REQUEST', 'The client disconnected before the query ran.');
      // One round trip for both (a simple query may hold several statements; no parameters here).
      await client.query(`BEGIN READ ONLY; SET LOCAL statement_timeout = ${Math.max(1, Math.floor(limits.timeoutMs))}`);
      const result = await fn(new PostgresExecutor(client));
      await client.query('COMMIT');
      return result;
    } catch (e) {
      if (cancelled) throw new AppError('BAD_REQUEST', 'The query was cancelled: the client disconnected.');
      await client.query('ROLLBACK').catch(() => {});
      if ((e as { code?: string }).code === '57014') {
        throw new InvalidParameter(`The search ran longer than ${limits.timeoutMs} ms and was stopped: narrow the filter, search fewer experiments or ask for fewer results.`);
      }
      throw e;
    } finally {
      limits.signal?.removeEventListener('abort', cancel);
      client.release(cancelled ? new Error('terminated: the client disconnected') : undefined);
    }
  }

  async exec(sql: string): Promise<void> {
    await this.pool.query(sql);
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
