import type { Migration } from './migration.js';

/**
 * Covering indexes for runs/search filters on PostgreSQL (issue 14).
 *
 * params/tags by (key, left(value, 200)) INCLUDE (run_uuid) replace the (key, left(value, 200))
 * indexes of migration 001: an equality filter on a short literal is decided by the prefix alone
 * (see run-filter-sql.ts), so the rows it selects come out of the index without touching the
 * table. The benchmark search (`metrics.m00 > 0.5 AND params.p00 = 'lr-3'` ordered by
 * `metrics.m01 DESC`, 100,000 runs) had PostgreSQL hash the 10,015 runs with p00 = 'lr-3' after
 * reading them through a bitmap heap scan of 8,023 table pages: ~140 of ~200 ms (EXPLAIN
 * ANALYZE, loaded machine). The value itself is not included: a btree entry is capped near
 * 2.7 kB and param values reach 8 kB, which is why the prefix exists.
 *
 * SQLite already has covering (run_uuid, key, value) indexes (migration 002) and keeps its plan.
 */
export const migration010: Migration = {
  version: 10,
  name: 'store-speed',
  sql: {
    sqlite: '',
    postgres: `
CREATE INDEX params_by_value_run ON params (key, left(value, 200)) INCLUDE (run_uuid);
DROP INDEX params_by_value;
CREATE INDEX tags_by_value_run ON tags (key, left(value, 200)) INCLUDE (run_uuid);
DROP INDEX tags_by_value;
`,
  },
};
