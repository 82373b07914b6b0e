/** @module The store: one SQL contract, SQLite and PostgreSQL adapters, migrations. */
export type { Database, Executor, Dialect, SqlValue, RunResult } from './database.js';
export { isUniqueViolation, withQueryLimits, type QueryLimits } from './database.js';
export { openDatabase, createDatabase } from './open-database.js';
export { migrate } from './migrate.js';
export { MIGRATIONS } from './migrations/index.js';
export type { Migration } from './migrations/migration.js';
export { Mutex } from '../core/mutex.js';
export { createWorkQueue, LeaseLost, WORK_STATES } from './work-queue/index.js';
export type { WorkQueue, WorkItem, WorkState, WorkCounts, EnqueueOptions, ClaimOptions, FailOptions, HeartbeatAnswer } from './work-queue/index.js';
