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

/*
 * Not done here: latest_metrics on SQLite clustered by (run_uuid, key) (WITHOUT ROWID, dropping
 * latest_metrics_by_run) saved a page per point, but the quiet-machine search benchmark of
 * 2026-12-03 18:00 then answered the native page at 42.6 ms against 21.6 ms before (the walk's
 * index entries carry the 32-character run id and key instead of a rowid): kept out until its
 * search cost is measured and answered. The writer still assigns series ids as max + 1 on SQLite
 * (src/tracking/metric-writer.ts), which a rowid table accepts as well.
 */
export const migration019: Migration = {
  version: 19,
  name: 'small-write',
  sql: { sqlite: auditSqlite, postgres: 'DROP INDEX audit_log_by_request;\n' },
};
