/** @module The one work queue: contract, SQLite and PostgreSQL implementations. */
import type { Database } from '../database.js';
import { PostgresWorkQueue } from './postgres-work-queue.js';
import { SqliteWorkQueue } from './sqlite-work-queue.js';
import type { WorkQueue } from './work-queue.js';

export type { WorkQueue, WorkItem, WorkState, WorkCounts, EnqueueOptions, ClaimOptions, FailOptions, HeartbeatAnswer } from './work-queue.js';
export { WORK_STATES } from './work-queue.js';
export { LeaseLost } from './errors.js';

/** The work queue on a store, for its dialect. */
export function createWorkQueue(db: Database): WorkQueue {
  return db.dialect === 'postgres' ? new PostgresWorkQueue(db) : new SqliteWorkQueue(db);
}
