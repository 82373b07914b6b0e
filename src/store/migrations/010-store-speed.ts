import type { Migration } from './migration.js';

/**
 * Covering indexes for runs/search filters on PostgreSQL (issue 14).
 *
 * params/tags get a stored generated column `value_prefix` = left(value, 200) and an index on
 * (key, value_prefix) INCLUDE (run_uuid), replacing migration 001's (key, left(value, 200))
 * expression indexes. An equality filter on a literal shorter than 200 characters is decided by
 * the prefix alone (see run-filter-sql.ts), so the runs it selects come out of the index without
 * touching the table: PostgreSQL never scans an expression index index-only (the expression's
 * column is not in the index), hence the column. Measured on the benchmark data (100,000 runs x
 * 20 params), `key = 'p00' AND prefix = 'lr-3'` (10,015 rows): bitmap heap scan over 8,032 table
 * pages, 477 ms cold, before; index-only scan over 85 index pages, 13.6 ms, after. The value
 * itself is not included: a btree entry is capped near 2.7 kB and values reach 8 kB, which is
 * why the prefix exists. The column costs ~200 bytes a row at most and is computed on write.
 *
 * SQLite already has covering (run_uuid, key, value) indexes (migration 002) and keeps its plan.
 */
export const migration010: Migration = {
  version: 10,
  name: 'store-speed',
  sql: {
    sqlite: '',
    postgres: `
ALTER TABLE params ADD COLUMN value_prefix TEXT GENERATED ALWAYS AS (left(value, 200)) STORED;
CREATE INDEX params_by_prefix ON params (key, value_prefix) INCLUDE (run_uuid);
DROP INDEX params_by_value;
ALTER TABLE tags ADD COLUMN value_prefix TEXT GENERATED ALWAYS AS (left(value, 200)) STORED;
CREATE INDEX tags_by_prefix ON tags (key, value_prefix) INCLUDE (run_uuid);
DROP INDEX tags_by_value;
`,
  },
};
