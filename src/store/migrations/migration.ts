import type { Dialect } from '../database.js';

/**
 * One schema step. Migrations are numbered and append-only: once landed, a migration is never
 * edited; a change is a new migration. Each carries SQL for both dialects because DDL differs
 * (identity columns, WITHOUT ROWID, index limits).
 */
export interface Migration {
  version: number;
  name: string;
  sql: Record<Dialect, string>;
}
