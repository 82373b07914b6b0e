import type { Migration } from './migration.js';

/**
 * Indexes for runs/search at 100,000 runs (bench/tracking, measured on SQLite, 2-core machine).
 *
 * - latest_metrics_present: a metric's present (non-NaN, count > 0) values in order, with the run
 *   id. The search walks it for `order_by metrics.x` and reads metric filter ranges from it without
 *   touching the table: counting `metrics.m > 0.5` (50,000 runs) took ~300 ms through the
 *   (key, value) index, whose every entry costs a table lookup for count/is_nan/run_uuid.
 *   It replaces the (key, value) index on SQLite: every query that used it compares present values
 *   only, and without statistics SQLite chose it for loading a page's projected metrics (`key IN
 *   (...)` plus ORDER BY key), reading all 200,000 rows of two keys instead of the page's 200: ~850 ms.
 * - latest_metrics_by_run: a run's summaries without the table, for the per-run filter probes and
 *   for loading a page's metrics.
 * - params/tags by (run_uuid, key, value): a filter probe reads a run's value from the index
 *   instead of the index and then the table; the walk of the benchmark query (2,000 runs probed
 *   for `params.p00 = ...`) went from ~19 to ~11 ms, the whole first page from ~30 to ~22 ms.
 * - Not added: params/tags by (key, value, run_uuid). Without statistics SQLite then read a
 *   whole key's entries (100,000, ~13 ms) to load a page's projected params instead of seeking the
 *   page's 100 runs. PostgreSQL has statistics; it gets only the partial metric index (with the
 *   run id as INCLUDE).
 */
export const migration002: Migration = {
  version: 2,
  name: 'search-indexes',
  sql: {
    sqlite: `
CREATE INDEX latest_metrics_present ON latest_metrics (key, value, run_uuid) WHERE count > 0 AND is_nan = 0;
DROP INDEX latest_metrics_by_value;
CREATE INDEX latest_metrics_by_run ON latest_metrics (run_uuid, key, value, is_nan, count, timestamp, step);
CREATE INDEX params_by_run ON params (run_uuid, key, value);
CREATE INDEX tags_by_run ON tags (run_uuid, key, value);
`,
    postgres: `
CREATE INDEX latest_metrics_present ON latest_metrics (key, value) INCLUDE (run_uuid) WHERE count > 0 AND is_nan = 0;
`,
  },
};
