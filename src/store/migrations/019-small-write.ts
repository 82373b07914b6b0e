import type { Migration } from './migration.js';

/**
 * Fewer pages per small write (issue 14): a sequential log-metric on SQLite wrote ~10.7 WAL pages
 * a commit, half of them the audit record's (bench/tracking/seqwrite-schema.ts measures before and
 * after in one process).
 *
 * audit_log on SQLite: `INTEGER PRIMARY KEY` instead of `AUTOINCREMENT`. AUTOINCREMENT updates
 * sqlite_sequence (one more page) on every insert; it only differs from a plain rowid when the
 * newest row is deleted, and audit rows are never deleted, so ids keep growing (the page token
 * relies on that). The table is rebuilt with its rows (ids kept); DROP TABLE removes its
 * sqlite_sequence entry.
 *
 * audit_log_by_request is dropped on both stores: request ids are random (UUIDs or the client's
 * X-Request-Id), so every insert wrote a leaf page of that index somewhere in the middle. Nothing
 * on the write path reads it (a request keeps its record's id in its scope); only
 * `GET /api/v1/audit?request_id=` does, a forensic look-up that now scans the log newest first
 * (bench/tracking/audit-query.ts: ~20 ms at 200,000 records on SQLite, load 3; by target 0.2 ms). Look-ups by target and by
 * user, which the UI and the CLI page through, keep their indexes.
 */
const auditSqlite = `
CREATE TABLE audit_log_019 (
  id INTEGER PRIMARY KEY,
  at BIGINT NOT NULL,
  username TEXT,
  verified INTEGER NOT NULL,
  action TEXT NOT NULL,
  target TEXT,
  request_id TEXT NOT NULL,
  remote TEXT
);
INSERT INTO audit_log_019 (id, at, username, verified, action, target, request_id, remote)
  SELECT id, at, username, verified, action, target, request_id, remote FROM audit_log ORDER BY id;
DROP TABLE audit_log;
ALTER TABLE audit_log_019 RENAME TO audit_log;
CREATE INDEX audit_log_by_target ON audit_log (target, id);
CREATE INDEX audit_log_by_user ON audit_log (username, id);
`;

/**
 * latest_metrics on SQLite: clustered by (run_uuid, key) (WITHOUT ROWID), series_id kept unique.
 * Its index latest_metrics_by_run (run_uuid, key, value, is_nan, count, timestamp, step) held
 * changing columns, so every point rewrote an entry of it beside the row itself; the clustered
 * table is that index (a run's summaries in key order, every column there), so it goes, and a
 * point writes the row's page and latest_metrics_present's. series_id is no longer a rowid: the
 * writer assigns max + 1, as the rowid did (src/tracking/metric-writer.ts, ensureSeries).
 * Rows are copied with their series ids (the history rows name them) and chunked_to (migration 018). PostgreSQL keeps its heap
 * table: it never had by_run.
 */
const latestMetricsSqlite = `
CREATE TABLE latest_metrics_019 (
  series_id INTEGER NOT NULL UNIQUE,
  run_uuid TEXT NOT NULL REFERENCES runs(run_uuid) ON DELETE CASCADE,
  key TEXT NOT NULL,
  step BIGINT NOT NULL,
  timestamp BIGINT NOT NULL,
  value DOUBLE PRECISION NOT NULL,
  is_nan INTEGER NOT NULL,
  min_value DOUBLE PRECISION,
  max_value DOUBLE PRECISION,
  count BIGINT NOT NULL,
  chunked_to BIGINT,
  PRIMARY KEY (run_uuid, key)
) WITHOUT ROWID;
INSERT INTO latest_metrics_019 (series_id, run_uuid, key, step, timestamp, value, is_nan, min_value, max_value, count, chunked_to)
  SELECT series_id, run_uuid, key, step, timestamp, value, is_nan, min_value, max_value, count, chunked_to FROM latest_metrics ORDER BY run_uuid, key;
DROP TABLE latest_metrics;
ALTER TABLE latest_metrics_019 RENAME TO latest_metrics;
CREATE INDEX latest_metrics_present ON latest_metrics (key, value, run_uuid) WHERE count > 0 AND is_nan = 0;
`;

export const migration019: Migration = {
  version: 19,
  name: 'small-write',
  sql: { sqlite: auditSqlite + latestMetricsSqlite, postgres: 'DROP INDEX audit_log_by_request;\n' },
};
