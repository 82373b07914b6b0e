import type { Migration } from './migration.js';

// Authentication and permissions (issue 12). Passwords are scrypt hashes (salted, slow); API
// tokens are random 32-byte secrets, so a SHA-256 of each is enough to store and look up.
// One permissions table serves every resource kind (experiment, registered model, study, ...)
// and both principals (a user or a team), so a new domain needs no new table.
const auth = (identity: string) => `
CREATE TABLE auth_users (
  id ${identity},
  username TEXT NOT NULL UNIQUE,
  password_hash TEXT NOT NULL,
  is_admin INTEGER NOT NULL DEFAULT 0,
  created_at BIGINT NOT NULL
);
CREATE TABLE auth_tokens (
  id TEXT PRIMARY KEY,
  user_id BIGINT NOT NULL REFERENCES auth_users(id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  token_hash TEXT NOT NULL UNIQUE,
  created_at BIGINT NOT NULL,
  expires_at BIGINT,
  last_used_at BIGINT,
  revoked_at BIGINT
);
CREATE TABLE auth_permissions (
  resource_kind TEXT NOT NULL,
  resource_id TEXT NOT NULL,
  principal_kind TEXT NOT NULL,
  principal_id BIGINT NOT NULL,
  permission TEXT NOT NULL,
  PRIMARY KEY (resource_kind, resource_id, principal_kind, principal_id)
);
`;

export const migration008: Migration = {
  version: 8,
  name: 'auth',
  sql: { sqlite: auth('INTEGER PRIMARY KEY AUTOINCREMENT'), postgres: auth('BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY') },
};
