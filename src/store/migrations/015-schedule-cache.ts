import type { Migration } from './migration.js';

// A schedule's runs use the step cache unless it was stored with `--no-cache` (then every
// scheduled run reruns every step, e.g. a nightly retrain on data that changes behind a path).
const sql = `ALTER TABLE pipeline_schedules ADD COLUMN use_cache INTEGER NOT NULL DEFAULT 1;`;

export const migration015: Migration = { version: 15, name: 'schedule-cache', sql: { sqlite: sql, postgres: sql } };
