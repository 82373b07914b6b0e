import type { Migration } from './migration.js';

// The audit log of every write (issue 12): who (the acting user, and whether the server verified
// them), what (the route), which target (`kind:id`), when, the request id and the client's
// address. It generalises registry_audit (which keeps the registry's own transition history with
// from/to/reason) to every domain. Rows have no foreign keys, so the history outlives what it names.
// Webhooks get an owner: only they (or an admin) may change, test or delete one.
const audit = (identity: string) => `
CREATE TABLE audit_log (
  id ${identity},
  at BIGINT NOT NULL,
  username TEXT,
  verified INTEGER NOT NULL,
  action TEXT NOT NULL,
  target TEXT,
  request_id TEXT NOT NULL,
  remote TEXT
);
CREATE INDEX audit_log_by_target ON audit_log (target, id);
CREATE INDEX audit_log_by_user ON audit_log (username, id);
CREATE INDEX audit_log_by_request ON audit_log (request_id);
ALTER TABLE webhooks ADD COLUMN owner TEXT;
`;

export const migration013: Migration = {
  version: 13,
  name: 'audit',
  sql: { sqlite: audit('INTEGER PRIMARY KEY AUTOINCREMENT'), postgres: audit('BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY') },
};
