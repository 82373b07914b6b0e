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
CREATE INDEX audit_log_by_request ON audit_log (request_id);
`;

export const migration019: Migration = {
  version: 19,
  name: 'small-write',
  sql: { sqlite: auditSqlite, postgres: '' },
};
