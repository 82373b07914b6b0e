import type { Migration } from './migration.js';

// Browser sessions for the UI (issue 12). The cookie carries a random 32-byte secret; only its
// SHA-256 is stored, so a copy of the database cannot be replayed as a session. Each session has
// its own CSRF token (synchronizer pattern) that cookie-authenticated writes must echo in a header.
// A promotion's approver must be someone else than its requester; an admin may approve their own
// request only with a reason, kept on the request (self_approval_reason).
// Teams: a permission granted to a team (auth_permissions.principal_kind = 'team') reaches every member.
const sessions = (identity: string) => `
CREATE TABLE auth_teams (
  id ${identity},
  name TEXT NOT NULL UNIQUE,
  created_at BIGINT NOT NULL
);
CREATE TABLE auth_sessions (
  id TEXT PRIMARY KEY,
  user_id BIGINT NOT NULL REFERENCES auth_users(id) ON DELETE CASCADE,
  secret_hash TEXT NOT NULL UNIQUE,
  csrf_token TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  expires_at BIGINT NOT NULL,
  last_used_at BIGINT,
  revoked_at BIGINT
);
CREATE INDEX auth_sessions_user ON auth_sessions (user_id);
ALTER TABLE promotion_requests ADD COLUMN self_approval_reason TEXT;
CREATE TABLE auth_team_members (
  team_id BIGINT NOT NULL REFERENCES auth_teams(id) ON DELETE CASCADE,
  user_id BIGINT NOT NULL REFERENCES auth_users(id) ON DELETE CASCADE,
  PRIMARY KEY (team_id, user_id)
);
CREATE INDEX auth_team_members_user ON auth_team_members (user_id);
`;

export const migration014: Migration = { version: 14, name: 'auth-sessions', sql: { sqlite: sessions('INTEGER PRIMARY KEY AUTOINCREMENT'), postgres: sessions('BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY') } };
