import type { Database, Executor, QueryLimits, RunResult, SqlValue } from '../store/index.js';
import { pendingAuditScope } from './audit-scope.js';
import { insertAuditRecord } from './audit-store.js';

/**
 * A Database that adds the audit record of the request in progress to that request's first write
 * transaction, so the record and the change commit together or not at all. Outside a request
 * scope (background work, migrations, the embedded SDK) it is the database it wraps.
 */
export class AuditingDatabase implements Database {
  readonly dialect: Database['dialect'];
  readonly description: string;
  constructor(readonly inner: Database) {
    this.dialect = inner.dialect;
    this.description = inner.description;
  }

  all<T>(sql: string, params?: readonly SqlValue[]): Promise<T[]> {
    return this.inner.all<T>(sql, params);
  }
  one<T>(sql: string, params?: readonly SqlValue[]): Promise<T | undefined> {
    return this.inner.one<T>(sql, params);
  }
  run(sql: string, params?: readonly SqlValue[]): Promise<RunResult> {
    return pendingAuditScope() ? this.transaction((tx) => tx.run(sql, params)) : this.inner.run(sql, params);
  }
  runMany(sql: string, rows: readonly (readonly SqlValue[])[]): Promise<boolean[]> {
    return pendingAuditScope() ? this.transaction((tx) => tx.runMany(sql, rows)) : this.inner.runMany(sql, rows);
  }

  async transaction<T>(fn: (tx: Executor) => Promise<T>): Promise<T> {
    // Captured now: the SQLite adapter runs queued transactions from another async context.
    const scope = pendingAuditScope();
    if (!scope) return this.inner.transaction(fn);
    let wrote = false;
    try {
      return await this.inner.transaction(async (tx) => {
        const result = await fn(tx);
        if (scope.recordId === undefined && !scope.closed) {
          scope.recordId = await insertAuditRecord(tx, scope);
          wrote = true;
        }
        return result;
      });
    } catch (e) {
      // The transaction (and the record with it) rolled back: the next write records instead.
      if (wrote) scope.recordId = undefined;
      throw e;
    }
  }

  limited<T>(limits: QueryLimits, fn: (ex: Executor) => Promise<T>): Promise<T> {
    return this.inner.limited ? this.inner.limited(limits, fn) : fn(this.inner);
  }

  exec(sql: string): Promise<void> {
    return this.inner.exec(sql);
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}

export function withAudit(db: Database): Database {
  return db instanceof AuditingDatabase ? db : new AuditingDatabase(db);
}
